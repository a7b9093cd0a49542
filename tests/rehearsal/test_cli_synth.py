"""``cdktf synth`` with the locked CLI works without pipenv on PATH and writes what ``make synth`` writes."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess  # nosec B404 - runs the locked CLI and the app with fixed arguments
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI = REPO_ROOT / "node_modules" / ".bin" / "cdktf"
pytestmark = pytest.mark.slow


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_cli_synth_without_pipenv_on_path_matches_make_synth(tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None and CLI.exists(), "node and the locked CLI (make install) are needed"
    # a fresh machine: system directories and node only, no ~/.local/bin (where `pip --user` puts pipenv)
    path = os.pathsep.join(dict.fromkeys([str(Path(node).parent), "/usr/local/bin", "/usr/bin", "/bin"]))
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CDKTF_", "PIPENV_", "VIRTUAL_ENV"))}
    environ.update(PATH=path, CHECKPOINT_DISABLE="1", CI="true")
    assert shutil.which("pipenv", path=path) is None, f"pipenv is on {path}: not a fresh-machine test"

    cli = subprocess.run(  # nosec B603 - the locked CLI, fixed arguments
        [str(CLI), "synth", "--output", str(tmp_path / "cli")], cwd=REPO_ROOT, env=environ, capture_output=True,
        text=True, timeout=600, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stdout + cli.stderr
    make_style = subprocess.run(  # nosec B603 - what `make synth` runs
        [str(REPO_ROOT / ".venv" / "bin" / "python"), "-OO", "main.py"], cwd=REPO_ROOT,
        env={**environ, "CDKTF_OUTDIR": str(tmp_path / "make")}, capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    assert make_style.returncode == 0, make_style.stderr

    cli_files, make_files = _files(tmp_path / "cli"), _files(tmp_path / "make")
    assert set(cli_files) == set(make_files)
    assert [name for name in cli_files if cli_files[name] != make_files[name]] == []
    assert filecmp.dircmp(tmp_path / "cli", tmp_path / "make").diff_files == []
