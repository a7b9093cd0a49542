"""The functions load the Powertools release the tests run: one version, in the config, equal to Pipfile.lock's.

The stack finds that release's public layer at plan time (payment_infra/constructs/powertools_layer.py), so the
version in ``lambda_.powertools_version`` is the release every deployed function imports.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from payment_infra.config import ENVIRONMENT_NAMES, ConfigError, load_config, with_overrides

REPO_ROOT = Path(__file__).resolve().parents[2]


def locked_version(lock_file: Path, package: str = "aws-lambda-powertools") -> str:
    """The exact version ``lock_file`` pins for ``package`` (default or develop section)."""
    lock = json.loads(lock_file.read_text())
    for section in ("default", "develop"):
        if package in lock.get(section, {}):
            return lock[section][package]["version"].removeprefix("==")
    raise LookupError(f"{lock_file.name} does not pin {package}")


@pytest.mark.parametrize("env", ENVIRONMENT_NAMES)
def test_the_configured_release_is_the_one_the_tests_install(env: str) -> None:
    assert load_config(env, {}).lambda_.powertools_version == locked_version(REPO_ROOT / "Pipfile.lock")


def test_the_cdktn_engine_tests_the_same_release() -> None:
    cdktn_lock = REPO_ROOT / "engines" / "cdktn" / "Pipfile.lock"
    assert locked_version(cdktn_lock) == locked_version(REPO_ROOT / "Pipfile.lock")


def test_a_lock_without_the_package_is_an_error(tmp_path: Path) -> None:
    lock = tmp_path / "Pipfile.lock"
    lock.write_text(json.dumps({"default": {}, "develop": {"pytest": {"version": "==9.0.3"}}}))
    with pytest.raises(LookupError, match="does not pin aws-lambda-powertools"):
        locked_version(lock)


@pytest.mark.parametrize("version", ["27", "2.43.1", "3.37", "v3.37.0", "3.037.0", 3])
def test_a_layer_number_or_another_major_is_refused(version: object) -> None:
    config = load_config("dev", {})
    changed = dataclasses.replace(config.lambda_, powertools_version=version)
    with pytest.raises(ConfigError) as raised:
        with_overrides(config, lambda_=changed)
    assert f"lambda_.powertools_version = {version!r}" in str(raised.value)
    assert "a Powertools v3 release" in str(raised.value)
