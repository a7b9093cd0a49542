"""A missing or old Terraform fails with one message naming what to install; CI installs the pinned version."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.tf_standin import terraform

pytestmark = pytest.mark.slow  # Terraform core: make test-slow runs it

REPO_ROOT = Path(__file__).resolve().parents[2]


def _fake_terraform(directory: Path, version: str) -> None:
    script = directory / "terraform"
    script.write_text(f'#!/bin/sh\necho \'{{"terraform_version": "{version}"}}\'\n')
    script.chmod(0o755)


def _require(path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.tf_standin", "require"],
        cwd=REPO_ROOT,
        env={"PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_terraform_names_what_to_install(tmp_path: Path) -> None:
    result = _require(str(tmp_path))

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr  # one message
    assert "no `terraform` on PATH" in result.stderr
    assert f"Install Terraform {terraform.TERRAFORM_PINNED_VERSION}" in result.stderr
    assert f"{terraform.SKIP_SWITCH}=1" in result.stderr


def test_old_terraform_is_refused(tmp_path: Path) -> None:
    _fake_terraform(tmp_path, "1.5.7")

    result = _require(f"{tmp_path}:/usr/bin:/bin")

    assert result.returncode == 1
    assert "found 1.5.7" in result.stderr and "Terraform >= 1.11.0 is required" in result.stderr


def test_new_enough_terraform_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_terraform(tmp_path, "1.11.0")
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")

    assert terraform.terraform_binary() == (str(tmp_path / "terraform"), (1, 11, 0))


def test_the_plugin_refuses_to_run_outside_terraform_and_with_plugin_tls(tmp_path: Path) -> None:
    def plugin(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scripts.tf_standin", "plugin", str(tmp_path / "schema.json.gz")],
            cwd=REPO_ROOT,
            env={"PATH": "/usr/bin:/bin", **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    alone = plugin({})
    assert alone.returncode == 1 and "Terraform starts it" in alone.stderr

    from scripts.tf_standin.plugin import MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE

    with_tls = plugin({MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_CLIENT_CERT": "pem"})
    assert with_tls.returncode == 1 and "set TF_DISABLE_PLUGIN_TLS=1" in with_tls.stderr
