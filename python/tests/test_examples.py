"""The example script, the README example, the type stubs and strict typing of the examples."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from support import FULL_CREDENTIALS, PLAIN_MEMBER, REPOSITORY, STORAGE, Emulator, emulator_environment

EXAMPLE = REPOSITORY / "examples" / "python" / "audit_and_clean.py"
README = REPOSITORY / "README.md"


def run_python(args: list[str], emulator: Emulator, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env=emulator_environment(emulator.url),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_example_plans_then_deletes(minimal: Emulator, tmp_path: Path) -> None:
    plan = run_python([str(EXAMPLE), "--report-dir", "reports"], minimal, tmp_path)
    assert plan.returncode == 0, plan.stderr
    assert f"  {FULL_CREDENTIALS}  planned" in plan.stdout
    assert "rerun with --execute" in plan.stdout
    assert minimal.holdings(FULL_CREDENTIALS) != []

    done = run_python([str(EXAMPLE), "--report-dir", "reports", "--execute"], minimal, tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"  {FULL_CREDENTIALS}  done" in done.stdout
    assert f"  {PLAIN_MEMBER}  done" in done.stdout
    assert minimal.holdings(FULL_CREDENTIALS) == []
    assert (tmp_path / "reports" / "delete.jsonl").read_text().count("\n") == 2

    usage = run_python([str(EXAMPLE), "--report-dir", "reports", "--accounts", "12"], minimal, tmp_path)
    assert usage.returncode == 2
    assert "12 digits" in usage.stderr


def readme_block(heading: str, language: str) -> str:
    text = README.read_text()
    section = text.split(f"### {heading}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    match = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert match, f"no {language} block under {heading}"
    return match.group(1)


def test_readme_python_example_runs_as_written(minimal: Emulator, tmp_path: Path) -> None:
    code = readme_block("Python", "python")
    assert len(code.strip().splitlines()) <= 12

    result = run_python(["-c", code], minimal, tmp_path)

    assert result.returncode == 0, result.stderr
    assert f"{FULL_CREDENTIALS} done CredentialCounts(login_profile=1" in result.stdout
    assert f"('{FULL_CREDENTIALS}', 'done', None)" in result.stdout
    assert (tmp_path / "audit.jsonl").exists()
    assert minimal.holdings(FULL_CREDENTIALS) == []
    assert minimal.holdings(STORAGE) == []


def test_examples_and_package_pass_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(REPOSITORY / "python" / "rootward"), str(EXAMPLE.parent)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_stubs_match_the_compiled_module() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "rootward",
            "--mypy-config-file",
            str(REPOSITORY / "python" / "pyproject.toml"),
            "--allowlist",
            str(REPOSITORY / "python" / "stubtest-allowlist.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
