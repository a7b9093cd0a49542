"""``python -m payment_ops <command> [options]``; ``--help`` lists the commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from payment_ops import failover, redrive


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m payment_ops", description="Operator tooling for the payment API.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    redrive.add_parser(commands)
    failover.add_parsers(commands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
