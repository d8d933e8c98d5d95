"""Finds a JDK good enough for the local servers (Kafka 3.9 and Elasticsearch 8.x need 17+)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from deploy.local.errors import JavaMissing

MIN_JAVA = 17


@dataclass(frozen=True)
class Jdk:
    home: Path
    major: int

    @property
    def java(self) -> Path:
        return self.home / "bin" / "java"


def _major_version(java: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return None
    major = int(match.group(1))
    # Java 8 and older report "1.8"; those are too old anyway.
    return int(match.group(2) or 0) if major == 1 else major


def _candidates(configured: Path | None) -> list[Path]:
    homes: list[Path] = []
    if configured:
        homes.append(configured)
    if env_home := os.environ.get("JAVA_HOME"):
        homes.append(Path(env_home))
    if on_path := shutil.which("java"):
        homes.append(Path(on_path).resolve().parent.parent)
    jvm_dir = Path("/usr/lib/jvm")
    if jvm_dir.is_dir():
        homes.extend(sorted(p for p in jvm_dir.iterdir() if p.is_dir() and not p.is_symlink()))
    return homes


def find_jdk(configured: Path | None = None, minimum: int = MIN_JAVA) -> Jdk:
    """The configured JDK if it is good, else the first JDK >= ``minimum`` found."""
    seen: set[Path] = set()
    too_old: list[str] = []
    for home in _candidates(configured):
        home = home.resolve()
        if home in seen or not (home / "bin" / "java").exists():
            continue
        seen.add(home)
        major = _major_version(home / "bin" / "java")
        if major is not None and major >= minimum:
            return Jdk(home, major)
        too_old.append(f"{home} (Java {major})")
    found = "; found only " + ", ".join(too_old) if too_old else ""
    raise JavaMissing(
        f"Java {minimum}+ is required for the local Kafka and Elasticsearch{found}. "
        "Install OpenJDK 17 (apt install openjdk-17-jre-headless) or set ORBITWATCH_JAVA_HOME."
    )
