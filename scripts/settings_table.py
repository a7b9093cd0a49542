"""Write the settings table of docs/configuration.md from payment_infra/config/ (``--check``: fail if it differs)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from payment_infra import settings_table  # noqa: E402  (after the path set-up above)

DOCUMENT = REPO / "docs" / "configuration.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/configuration.md is not up to date")
    args = parser.parse_args(argv)
    text = DOCUMENT.read_text()
    updated = settings_table.replace_block(text, settings_table.markdown())
    if args.check:
        if updated != text:
            stale = f"the settings table of {DOCUMENT.relative_to(REPO)} is stale"
            print(f"{stale}: run `python scripts/settings_table.py`", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(updated)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
