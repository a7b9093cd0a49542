"""The settings table of docs/configuration.md is generated from the config package, covers every field by
construction and is kept equal."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from payment_infra import config, settings_table

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = REPO_ROOT / "docs" / "configuration.md"


def _leaf_paths(value: object, prefix: str = "") -> set[str]:
    """Dotted paths of every non-dataclass value reachable from ``value`` (an independent walk over instances)."""
    out: set[str] = set()
    for f in dataclasses.fields(value):  # type: ignore[arg-type]
        inner = getattr(value, f.name)
        if dataclasses.is_dataclass(inner):
            out |= _leaf_paths(inner, f"{prefix}{f.name}.")
        elif inner is not None or f.name not in ("read", "write"):
            out.add(f"{prefix}{f.name}")
    return out


def test_the_documented_table_equals_the_generated_one() -> None:
    text = DOCUMENT.read_text()
    assert settings_table.replace_block(text, settings_table.markdown()) == text, (
        "docs/configuration.md settings table is stale: run `.venv/bin/python scripts/settings_table.py`"
    )


def test_every_setting_of_every_environment_is_a_row() -> None:
    table = settings_table.markdown()
    rows = {line.split("|")[1].strip().strip("`") for line in table.splitlines()[2:]}
    for name in config.ENVIRONMENT_NAMES:
        assert _leaf_paths(config.load_config(name, environ={})) <= rows, name
    assert "kms_deletion_window_days` (derived" in table


def test_values_come_from_the_config() -> None:
    row = next(line for line in settings_table.markdown().splitlines() if line.startswith("| `lambda_.memory_mb` |"))
    assert [cell.strip() for cell in row.split("|")[2:5]] == ["512", "1,024", "2,048"]


@dataclasses.dataclass(frozen=True)
class _Limits:
    per_second: int = 1
    bounds: config.Capacity | None = None


@dataclasses.dataclass(frozen=True)
class _Root:
    name: str
    limits: _Limits
    flag: bool = True


def test_rows_are_walked_from_the_types_so_a_new_field_is_a_row() -> None:
    """Nested and optional nested settings included, whether or not an environment sets them."""
    paths = [path for path, _, _ in settings_table.settings(_Root)]
    assert paths == ["name", "limits.per_second", "limits.bounds.minimum", "limits.bounds.maximum", "flag"]


def test_an_undocumented_field_fails_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    descriptions = settings_table.field_descriptions()
    del descriptions[("MessagingSettings", "max_receive_count")]
    monkeypatch.setattr(settings_table, "field_descriptions", lambda: descriptions)
    with pytest.raises(settings_table.UndocumentedSettingError, match=r"MessagingSettings\.max_receive_count"):
        settings_table.markdown()


def test_descriptions_are_read_from_comments_and_docstrings() -> None:
    descriptions = settings_table.field_descriptions()
    assert descriptions[("LambdaSettings", "log_level")] == "POWERTOOLS_LOG_LEVEL of every function"  # trailing
    assert descriptions[("LambdaSettings", "memory_mb")].startswith("Memory of every function")  # docstring
    assert descriptions[("LambdaSettings", "powertools_version")].startswith(
        "Powertools release every function"
    )  # above


def test_script_check_fails_on_a_stale_table(tmp_path: Path) -> None:
    stale = settings_table.replace_block(DOCUMENT.read_text(), "| stale |\n")
    assert stale != DOCUMENT.read_text()
    with pytest.raises(ValueError, match="settings:start"):
        settings_table.replace_block("no markers here", "x")
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "settings_table.py"), "--check"],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
