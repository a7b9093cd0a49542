"""How a settings class reports what is wrong: ``(field, value, allowed)`` problems and one ``ConfigError``.

Each settings class checks its own fields in ``problems(prefix)``; the object that owns the whole
(``EnvironmentConfig``, ``AccountConfig``) gathers them and raises once, so a user sees every problem at once.
"""

from __future__ import annotations

from typing import Any

Problem = tuple[str, Any, str]  # (field, value, what is allowed)


class ConfigError(ValueError):
    """Raised once per invalid configuration; ``problems`` lists every (field, value, allowed) found.

    ``scope`` says what was invalid: ``environment`` (one deployment's settings) or ``account`` (what the
    deployments of one account must respect together).
    """

    def __init__(self, environment: str, problems: list[Problem], scope: str = "environment"):
        self.environment = environment
        self.problems = problems
        lines = [f"  - {name} = {value!r}: allowed {allowed}" for name, value, allowed in problems]
        subject = f"environment {environment!r}" if scope == "environment" else f"{scope} {environment!r}"
        super().__init__(f"invalid configuration for {subject}:\n" + "\n".join(lines))


class Problems(list[Problem]):
    """The problems found so far; ``check`` adds one when a rule does not hold."""

    def check(self, ok: bool, name: str, value: Any, allowed: str) -> None:
        if not ok:
            self.append((name, value, allowed))


def is_int(value: Any) -> bool:
    """An integer, and not a bool (``True`` is an ``int`` to Python, never a sensible size)."""
    return isinstance(value, int) and not isinstance(value, bool)


def int_in(value: Any, bounds: tuple[int, int]) -> bool:
    """An integer within ``bounds`` (both ends included)."""
    return is_int(value) and bounds[0] <= value <= bounds[1]


def one_of(values: tuple[Any, ...]) -> str:
    """``one of a, b, c``: the allowed text of a closed list."""
    return "one of " + ", ".join(map(str, values))


TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def parse_bool(name: str, raw: str) -> bool:
    """An environment variable's yes/no; anything else is a ``ConfigError`` naming the variable."""
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigError("environment", [(name, raw, one_of(TRUE_WORDS + FALSE_WORDS))])
