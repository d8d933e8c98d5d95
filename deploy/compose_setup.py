"""One-shot setup of the compose deployment: the ``setup`` service of deploy/compose.yaml.

Runs as the ``elastic`` superuser (``ORBITWATCH_ES_USERNAME`` / ``ORBITWATCH_ES_PASSWORD``)
and, in order:

1. waits until Elasticsearch answers with its security index usable;
2. sets the ``kibana_system`` password, so Kibana (which starts after this) can log in;
3. creates the role ``orbitwatch_app`` and the user the orbitwatch processes log in as:
   they never hold the superuser's password;
4. runs ``orbitwatch es setup`` (templates, lifecycle policy, first indices);
5. creates every Kafka topic of the pipeline with its partitions and cleanup policy.

Every step is idempotent: ``docker compose up`` runs it again on each start, harmlessly.
Passwords of the users it creates arrive as compose secrets (files under ``/run/secrets``),
not as environment variables, so they show neither in ``docker inspect`` nor in the
environment of the orbitwatch processes. The Helm chart runs the same module as its setup
Job (deploy/helm/orbitwatch/templates/setup-job.yaml), with the secrets mounted as files:
there ``--skip-kibana-system`` leaves the Kibana user alone when an operator (ECK) manages
it, and ``--skip-app-user`` skips steps 2 and 3 when users are managed elsewhere (API keys).
Importing Kibana's saved objects is a separate one-shot service (``kibana-setup``), so the
pipeline does not wait for Kibana to start.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from elasticsearch import Elasticsearch

from orbitwatch.core.elastic import make_client
from orbitwatch.core.kafka import ensure_topics
from orbitwatch.core.settings import Settings, get_settings
from schemas.topics import topic_specs

SECRETS_DIR = Path("/run/secrets")
KIBANA_SYSTEM_SECRET = "kibana_system_password"
APP_PASSWORD_SECRET = "orbitwatch_es_password"
APP_ROLE = "orbitwatch_app"
DEFAULT_APP_USER = "orbitwatch"
ES_SETUP_COMMAND = ("orbitwatch", "es", "setup")

T = TypeVar("T")


class SetupFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Retry:
    attempts: int = 30
    delay_s: float = 5.0


def retrying(what: str, action: Callable[[], T], retry: Retry, log: Callable[[str], None]) -> T:
    """Run ``action`` until it succeeds; the servers may still be settling after healthy."""
    for attempt in range(1, retry.attempts + 1):
        try:
            return action()
        except Exception as exc:  # any failure of a remote call is worth another try
            if attempt == retry.attempts:
                raise SetupFailed(f"{what}: gave up after {attempt} attempts: {exc}") from exc
            log(f"{what}: not yet ({exc}); retrying in {retry.delay_s:.0f} s")
            time.sleep(retry.delay_s)
    raise AssertionError("unreachable")


def read_secret(name: str, directory: Path = SECRETS_DIR) -> str:
    path = directory / name
    try:
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise SetupFailed(f"secret {name} is missing ({path}); see deploy/.env.example") from exc
    if not value:
        raise SetupFailed(f"secret {name} is empty; set it in deploy/.env")
    return value


def app_role(index_prefix: str) -> dict[str, Any]:
    """What the orbitwatch processes may do: their own indices, templates and policy only.

    The indexing worker runs the same idempotent index setup as ``orbitwatch es setup`` at
    start, hence the template and lifecycle privileges.
    """
    return {
        "cluster": ["monitor", "manage_index_templates", "manage_ilm"],
        "indices": [
            {
                "names": [f"{index_prefix}*", f".{index_prefix}*"],
                "privileges": [
                    "create_index",
                    "manage",
                    "manage_ilm",
                    "read",
                    "view_index_metadata",
                    "write",
                ],
            }
        ],
    }


def wait_for_security(client: Elasticsearch) -> None:
    client.cluster.health(wait_for_status="yellow", timeout="10s")
    client.security.authenticate()  # the superuser can log in: the security index is usable


def configure_users(
    client: Elasticsearch,
    settings: Settings,
    app_user: str,
    secrets_dir: Path = SECRETS_DIR,
    kibana_system: bool = True,
) -> None:
    if kibana_system:
        client.security.change_password(
            username="kibana_system", password=read_secret(KIBANA_SYSTEM_SECRET, secrets_dir)
        )
    client.security.put_role(name=APP_ROLE, **app_role(settings.index_prefix))
    client.security.put_user(
        username=app_user,
        password=read_secret(APP_PASSWORD_SECRET, secrets_dir),
        roles=[APP_ROLE],
        full_name="orbitwatch processes",
    )


def run_es_setup() -> None:
    # The command of the Elasticsearch module, in its own process: same settings (from this
    # environment), and no dependency on that module's internals here.
    subprocess.run(list(ES_SETUP_COMMAND), check=True)


def create_topics(settings: Settings) -> list[str]:
    return asyncio.run(ensure_topics(settings, topic_specs(settings)))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.compose_setup", description=__doc__)
    parser.add_argument(
        "--app-user",
        default=DEFAULT_APP_USER,
        help="Elasticsearch user the orbitwatch processes log in as (their ES_USERNAME)",
    )
    parser.add_argument("--secrets-dir", type=Path, default=SECRETS_DIR)
    parser.add_argument(
        "--skip-kibana-system",
        action="store_true",
        help="leave the kibana_system password alone (a Kibana whose operator manages it)",
    )
    parser.add_argument(
        "--skip-app-user",
        action="store_true",
        help="create neither the role nor the app user (users or API keys managed elsewhere)",
    )
    return parser.parse_args(argv)


def main(
    argv: list[str] | None = None,
    retry: Retry | None = None,
    log: Callable[[str], None] = print,
) -> int:
    args = parse_args(argv)
    retry = retry or Retry()
    settings = get_settings()
    app_user: str = args.app_user
    try:
        client = make_client(settings)
        retrying("Elasticsearch", lambda: wait_for_security(client), retry, log)
        log("Elasticsearch is up")
        if args.skip_app_user:
            log("users: skipped (--skip-app-user)")
        else:
            retrying(
                "users",
                lambda: configure_users(
                    client, settings, app_user, args.secrets_dir, not args.skip_kibana_system
                ),
                retry,
                log,
            )
            kibana = "left alone" if args.skip_kibana_system else "set"
            log(f"kibana_system password {kibana}; role {APP_ROLE} and user {app_user} in place")
        retrying("orbitwatch es setup", run_es_setup, retry, log)
        created = retrying("Kafka topics", lambda: create_topics(settings), retry, log)
        log(f"Kafka topics created: {', '.join(created) or 'none (all there)'}")
    except SetupFailed as exc:
        log(f"setup failed: {exc}")
        return 1
    log("setup complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
