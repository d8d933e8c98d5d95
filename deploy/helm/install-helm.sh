#!/usr/bin/env bash
# Builds the helm client that CI checks the chart with (helm lint, helm template) from the Go
# module proxy, into .tools/bin/helm (git-ignored). No prebuilt binary is downloaded: `go
# install` fetches helm's source modules and compiles them. Go keeps its module and build
# caches in $HOME, so a rebuild after the first one takes seconds; nothing happens when the
# binary of this version is already there.
#
#   deploy/helm/install-helm.sh        # prints the binary's path
#
# Needs Go (PATH, or /usr/local/go/bin). HELM_VERSION overrides the pinned version.
set -euo pipefail
cd "$(dirname "$0")/../.."

HELM_VERSION="${HELM_VERSION:-v4.3.2}"
BIN_DIR="$PWD/.tools/bin"
STAMP="$BIN_DIR/.helm-$HELM_VERSION"

if [ -x "$BIN_DIR/helm" ] && [ -f "$STAMP" ]; then
  echo "$BIN_DIR/helm"
  exit 0
fi

GO="$(command -v go || true)"
if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
if [ -z "$GO" ]; then
  echo "install-helm: no Go toolchain (go on PATH or /usr/local/go/bin/go)" >&2
  exit 1
fi

mkdir -p "$BIN_DIR"
started=$(date +%s)
echo "install-helm: building helm $HELM_VERSION with $("$GO" version | cut -d' ' -f3) ..." >&2
# -mod=mod: resolve helm's own go.mod, not a workspace of ours.
GOFLAGS=-mod=mod GOBIN="$BIN_DIR" "$GO" install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
rm -f "$BIN_DIR"/.helm-*
touch "$STAMP"
echo "install-helm: built in $(( $(date +%s) - started )) s" >&2
echo "$BIN_DIR/helm"
