"""A single-node Elasticsearch from the integ-test-zip, run as an unprivileged user.

Elasticsearch refuses to run as root, so when orbitwatch runs as root it creates a system
user, hands it the unpacked home and the data and log folders, and starts the server with
``runuser``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

from deploy.local.errors import StartupFailed
from deploy.local.fetch import fetch_elasticsearch
from deploy.local.java import Jdk
from deploy.local.layout import ElasticsearchLayout
from deploy.local.probes import elasticsearch_ready, elasticsearch_version
from deploy.local.server import LocalServer
from orbitwatch.core.settings import Settings


class LocalElasticsearch(LocalServer):
    name = "Elasticsearch"
    start_timeout = 180.0

    def __init__(self, settings: Settings, layout: ElasticsearchLayout) -> None:
        self.settings = settings
        self.layout = layout

    @property
    def host_port(self) -> tuple[str, int]:
        return self.settings.es_host_port

    @property
    def transport_port(self) -> int:
        return self.host_port[1] + 100

    @property
    def extra_ports(self) -> list[int]:
        return [self.transport_port]

    @property
    def pidfile(self) -> Path:
        return self.layout.pidfile

    @property
    def log(self) -> Path:
        return self.layout.server_log

    def fetch(self) -> bool:
        return fetch_elasticsearch(self.layout)

    def is_ready(self) -> bool:
        return elasticsearch_ready(self.settings)

    def version(self) -> str | None:
        try:
            return elasticsearch_version(self.settings)
        except Exception:
            return None

    def _command(self, jdk: Jdk) -> list[str]:
        host, port = self.host_port
        return [
            str(self.layout.home / "bin" / "elasticsearch"),
            "-d",
            "-p",
            str(self.pidfile),
            "-Ecluster.name=orbitwatch-local",
            "-Enode.name=orbitwatch-local",
            "-Ediscovery.type=single-node",
            f"-Enetwork.host={host}",
            f"-Ehttp.port={port}",
            f"-Etransport.port={self.transport_port}",
            f"-Epath.data={self.layout.data}",
            f"-Epath.logs={self.layout.logs}",
            "-Expack.security.enabled=false",
            # Shared dev machines are often short of disk; the watermarks would otherwise
            # turn indices read-only in the middle of a test run.
            "-Ecluster.routing.allocation.disk.threshold_enabled=false",
            "-Eaction.destructive_requires_name=false",
        ]

    def _environment(self, jdk: Jdk) -> dict[str, str]:
        heap = self.settings.es_heap
        env = {
            key: value
            for key, value in os.environ.items()
            if key in ("PATH", "LANG", "LC_ALL", "TZ")
        }
        env.update(
            ES_JAVA_HOME=str(jdk.home),
            ES_JAVA_OPTS=f"-Xms{heap} -Xmx{heap}",
            ES_TMPDIR=str(self.layout.run / "tmp"),
            HOME=str(self.layout.run),
        )
        return env

    def _launch(self, jdk: Jdk) -> None:
        for folder in (
            self.layout.run,
            self.layout.data,
            self.layout.logs,
            self.layout.run / "tmp",
        ):
            folder.mkdir(parents=True, exist_ok=True)
        command = self._command(jdk)
        if os.geteuid() == 0:
            user = _ensure_system_user(self.settings.es_user)
            for path in (self.layout.home, self.layout.run):
                _chown_tree(path, user)
            _make_traversable(self.layout.home, user)
            _make_traversable(self.layout.run, user)
            runuser = shutil.which("runuser")
            if not runuser:
                raise StartupFailed("runuser (util-linux) is needed to start Elasticsearch as root")
            command = [runuser, "-u", user.pw_name, "--", *command]
        proc = subprocess.run(
            command,
            env=self._environment(jdk),
            cwd=self.layout.run,
            capture_output=True,
            text=True,
            check=False,
            timeout=self.start_timeout,
        )
        self.layout.console_log.write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise StartupFailed(
                f"Elasticsearch failed to start (exit {proc.returncode}); "
                f"logs are in {self.layout.logs}",
                (proc.stdout + proc.stderr)[-3000:],
            )


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if not useradd:
        raise StartupFailed(f"useradd is missing; create the user {name!r} by hand")
    proc = subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 and "already exists" not in proc.stderr:
        raise StartupFailed(f"could not create the user {name!r}: {proc.stderr.strip()}")
    return pwd.getpwnam(name)


def _chown_tree(root: Path, user: pwd.struct_passwd) -> None:
    os.chown(root, user.pw_uid, user.pw_gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for entry in [*dirnames, *filenames]:
            os.lchown(os.path.join(dirpath, entry), user.pw_uid, user.pw_gid)


def _make_traversable(path: Path, user: pwd.struct_passwd) -> None:
    """Give 'others' the execute bit on every parent folder the user cannot cross.

    Only the search bit is added (not read), so the folders' contents stay unlisted; a
    checkout under a mode-700 home would otherwise keep Elasticsearch from its own files.
    """
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        owned = parent.stat().st_uid == user.pw_uid
        if not owned and not mode & stat.S_IXOTH:
            os.chmod(parent, mode | stat.S_IXOTH)
