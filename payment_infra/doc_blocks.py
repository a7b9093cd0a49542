"""Generated blocks of the docs: text between two marker comments, rewritten by a script and checked by a test."""

from __future__ import annotations


def replace_block(text: str, begin: str, end: str, block: str) -> str:
    """``text`` with what stands between the ``begin`` and ``end`` markers replaced by ``block``.

    ``block`` ends with a newline (added when missing), so the end marker always starts a line.
    """
    if begin not in text or end not in text:
        raise ValueError(f"no {begin} … {end} block in the text")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{block if block.endswith(chr(10)) else block + chr(10)}{end}{tail}"
