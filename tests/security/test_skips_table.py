"""The ``## Security gate`` table of docs/testing.md lists exactly the checkov skips in the synthesized stacks.

The expected table is what ``scripts/checkov_skips_table.py`` prints for the session's synth, so the lead can
paste that output; the comparison is per row (check id, resource type, justification), order-free.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.security.support import REPO_ROOT, SCRIPTS

DOCUMENT = REPO_ROOT / "docs" / "testing.md"
SECTION = "## Security gate"
CELL_SPLIT = re.compile(r"(?<!\\)\|")
SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def table_rows(markdown: str) -> set[tuple[str, ...]]:
    """Body rows of the first table in ``markdown``, cells stripped of spaces and backticks; header excluded."""
    rows, lines = [], [line.strip() for line in markdown.splitlines()]
    for i, line in enumerate(lines):
        if line.startswith("|") and i + 1 < len(lines) and SEPARATOR.match(lines[i + 1]):
            for body in lines[i + 2 :]:
                if not body.startswith("|"):
                    break
                cells = CELL_SPLIT.split(body.strip("|"))
                rows.append(tuple(cell.strip().strip("`").replace("\\|", "|").strip() for cell in cells))
            break
    return set(rows)


def security_gate_section(text: str) -> str | None:
    match = re.search(rf"^{re.escape(SECTION)}\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    return match[1] if match else None


def test_table_parser_reads_rows_not_header() -> None:
    text = (
        "intro\n| Check | Resource type | Justification |\n|---|---|---|\n| A | `b` | c \\| d |\n| E | f | g |\n\nafter"
    )
    assert table_rows(text) == {("A", "b", "c | d"), ("E", "f", "g")}


def test_the_document_lists_exactly_the_synthesized_skips(synth_dir: Path) -> None:
    printed = subprocess.run(
        [sys.executable, str(SCRIPTS / "checkov_skips_table.py"), str(synth_dir)],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    expected = table_rows(printed)
    assert expected, f"no skips found in {synth_dir}: the script or the stacks changed"

    paste = f"\n{SECTION}\n\n{printed}"
    assert DOCUMENT.exists(), f"{DOCUMENT.name} is missing; it needs this section:\n{paste}"
    section = security_gate_section(DOCUMENT.read_text())
    assert section is not None, f"{DOCUMENT.name} has no '{SECTION}' section; add:\n{paste}"
    actual = table_rows(section)

    to_add = sorted(expected - actual)
    to_remove = sorted(actual - expected)
    assert not to_add and not to_remove, (
        "docs/testing.md's security gate table is out of date (regenerate: "
        "`.venv/bin/python scripts/checkov_skips_table.py`)\n"
        + "".join(f"  add:    | {' | '.join(row)} |\n" for row in to_add)
        + "".join(f"  remove: | {' | '.join(row)} |\n" for row in to_remove)
    )
