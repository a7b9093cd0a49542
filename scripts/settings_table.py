"""Write README.md's settings table from payment_infra/config/ (``--check``: fail if README differs)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from payment_infra import settings_table  # noqa: E402  (after the path set-up above)

README = REPO / "README.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md is not up to date")
    args = parser.parse_args(argv)
    text = README.read_text()
    updated = settings_table.replace_block(text, settings_table.markdown())
    if args.check:
        if updated != text:
            print("README.md settings table is stale: run `python scripts/settings_table.py`", file=sys.stderr)
            return 1
        return 0
    README.write_text(updated)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
