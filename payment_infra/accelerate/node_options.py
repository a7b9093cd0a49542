"""Editing NODE_OPTIONS without losing what the user set (compared token by token, nothing added twice)."""

from __future__ import annotations

import shlex
from collections.abc import MutableMapping
from pathlib import Path

VARIABLE = "NODE_OPTIONS"


def require_option(script: Path) -> str:
    """A NODE_OPTIONS fragment that preloads ``script`` (quoted when the path needs it)."""
    text = str(script)
    if any(ch.isspace() or ch in "\"'\\" for ch in text):
        return '--require "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"--require={text}"


def append(environ: MutableMapping[str, str], *options: str) -> None:
    """Append ``options`` to NODE_OPTIONS, keeping what is there and adding nothing twice.

    Compared token by token: ``--preserve-symlinks-main`` is not ``--preserve-symlinks``.
    """
    current = environ.get(VARIABLE, "")
    missing = [option for option in options if not contains(current, option)]
    if missing:
        environ[VARIABLE] = " ".join([current, *missing]).strip()


def contains(options: str, option: str) -> bool:
    have, wanted = _tokens(options), _tokens(option)
    return any(have[i : i + len(wanted)] == wanted for i in range(len(have) - len(wanted) + 1))


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # unbalanced quotes: Node would reject them anyway
        return text.split()
