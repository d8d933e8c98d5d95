# syntax=docker/dockerfile:1.7
#
# The orbitwatch image: one image for every orbitwatch process (connector, worker, notifier,
# one-shot setup); the command picks the role, e.g. `docker run orbitwatch:local worker`.
# Build from the repository root:  docker build -t orbitwatch:local .
#
# Two stages: wheels are built where compilers exist (builder), and installed into a stage
# that has none (runtime), so the image that runs carries no build tools.
# Healthchecks are left to deploy/compose.yaml: each role checks itself differently.
# The base is pinned to a patch release; bump it deliberately (and the builder with it).

FROM python:3.11.13-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# Compilers only matter for a dependency without a wheel for the build platform (most
# have wheels for amd64 and arm64). Unpinned apt versions: bookworm's security updates
# are wanted here, and a pinned version disappears from the archive when one lands.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY orbitwatch ./orbitwatch
COPY schemas ./schemas
COPY connectors ./connectors
COPY streams ./streams
COPY deploy ./deploy

# The pip cache survives between builds (BuildKit cache mount), so a code change rebuilds
# only the project's own wheel, not every dependency.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels .


FROM python:3.11.13-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="orbitwatch" \
      org.opencontainers.image.description="Real-time monitor of strategic space events" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/orbitwatch \
    PATH=/opt/orbitwatch/bin:$PATH

# A fixed numeric uid/gid, so volume ownership and runAsNonRoot checks are predictable.
RUN groupadd --system --gid 10001 orbitwatch \
    && useradd --system --uid 10001 --gid orbitwatch --home-dir /var/lib/orbitwatch \
       --create-home --shell /usr/sbin/nologin orbitwatch

# Installed from the builder's wheels only (--no-index): nothing is fetched or compiled
# here. The wheels are bind-mounted, so they do not end up in a layer. The virtualenv
# belongs to root: the running user can read the code but not change it.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m venv /opt/orbitwatch \
    && /opt/orbitwatch/bin/pip install --no-cache-dir --no-index /wheels/*.whl

# Where the process may write. The settings' defaults point into the source checkout,
# which an installed package does not have.
ENV ORBITWATCH_DATA_DIR=/var/lib/orbitwatch/worker \
    ORBITWATCH_INFRA_HOME=/var/lib/orbitwatch/infra \
    ORBITWATCH_LOG_FORMAT=json

USER 10001:10001
WORKDIR /var/lib/orbitwatch

ENTRYPOINT ["orbitwatch"]
CMD ["--help"]
