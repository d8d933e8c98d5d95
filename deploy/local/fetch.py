"""Fetches Kafka's broker jars and Elasticsearch's integ-test-zip from Maven Central, once.

A ``.complete`` marker is written only after a download fully succeeded, so an interrupted
fetch is redone and a finished one is never repeated.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from deploy.local.errors import DownloadFailed, MavenMissing
from deploy.local.layout import TEMPLATES, ElasticsearchLayout, KafkaLayout

ES_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
_MARKER = ".complete"


def _mvn() -> str:
    mvn = shutil.which("mvn")
    if not mvn:
        raise MavenMissing(
            "Maven (mvn) is required to fetch Kafka and Elasticsearch from Maven Central: "
            "apt install maven"
        )
    return mvn


def _run_maven(args: list[str], cwd: Path, what: str) -> None:
    proc = subprocess.run(
        [_mvn(), "-B", "-q", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "ERROR" in ln]
        detail = lines[0] if lines else (proc.stdout + proc.stderr).strip()[-300:]
        raise DownloadFailed(f"Maven could not fetch {what}: {detail}")


def kafka_is_fetched(layout: KafkaLayout) -> bool:
    return (layout.libs / _MARKER).exists()


def fetch_kafka(layout: KafkaLayout) -> bool:
    """Copy kafka_2.13 and its runtime dependencies into ``layout.libs``; False if cached."""
    if kafka_is_fetched(layout):
        return False
    if layout.libs.exists():
        shutil.rmtree(layout.libs)
    layout.libs.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="orbitwatch-mvn-") as tmp:
        shutil.copy(TEMPLATES / "kafka-runtime.pom.xml", Path(tmp) / "pom.xml")
        _run_maven(
            [
                f"-Dkafka.version={layout.version}",
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={layout.libs}",
            ],
            cwd=Path(tmp),
            what=f"Kafka {layout.version}",
        )
    if not any(layout.libs.glob("kafka_2.13-*.jar")):
        raise DownloadFailed(f"Kafka {layout.version}: no kafka_2.13 jar after the Maven copy")
    (layout.libs / _MARKER).touch()
    return True


def elasticsearch_is_fetched(layout: ElasticsearchLayout) -> bool:
    return (layout.home / _MARKER).exists()


def fetch_elasticsearch(layout: ElasticsearchLayout) -> bool:
    """Download and unpack the integ-test-zip into ``layout.home``; False if cached."""
    if elasticsearch_is_fetched(layout):
        return False
    if not shutil.which("unzip"):
        # Python's zipfile drops the exec bits the launch scripts need.
        raise DownloadFailed("unzip is required to unpack Elasticsearch: apt install unzip")
    if layout.home.exists():
        shutil.rmtree(layout.home)
    layout.home.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="orbitwatch-mvn-") as tmp:
        tmp_path = Path(tmp)
        _run_maven(
            [
                "dependency:copy",
                f"-Dartifact={ES_ARTIFACT.format(version=layout.version)}",
                f"-DoutputDirectory={tmp_path / 'out'}",
            ],
            cwd=tmp_path,
            what=f"Elasticsearch {layout.version}",
        )
        archives = list((tmp_path / "out").glob("elasticsearch-*.zip"))
        if not archives:
            raise DownloadFailed(f"Elasticsearch {layout.version}: Maven produced no zip")
        unpacked = tmp_path / "unpacked"
        proc = subprocess.run(
            ["unzip", "-q", str(archives[0]), "-d", str(unpacked)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise DownloadFailed(f"unzip failed for {archives[0].name}: {proc.stderr.strip()}")
        roots = [p for p in unpacked.iterdir() if p.is_dir()]
        if len(roots) != 1 or not (roots[0] / "bin" / "elasticsearch").exists():
            raise DownloadFailed(
                "Elasticsearch zip has an unexpected layout (no bin/elasticsearch)"
            )
        shutil.move(str(roots[0]), layout.home)
    (layout.home / _MARKER).touch()
    return True
