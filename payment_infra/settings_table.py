"""README's settings table, generated from ``config.py`` so that the table cannot drift from the config.

Every field of ``EnvironmentConfig`` (nested settings included) is a row, by construction: the rows are walked
from the dataclasses' type hints, the values come from ``load_config`` of each environment (no overrides), and
the description is the field's comment in ``config.py`` (a trailing ``# …``, the ``# …`` lines right above it,
or a docstring right below it). A field without one is an error. Derived settings (properties) are listed in
``DERIVED``. ``scripts/settings_table.py`` writes the table into README.md; a test keeps the two equal.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import tokenize
import types
import typing
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

from payment_infra import config as config_module
from payment_infra import dr_settings as dr_settings_module
from payment_infra import readme_blocks

START, END = "<!-- settings:start -->", "<!-- settings:end -->"
# Properties of EnvironmentConfig that are settings too: name -> description.
DERIVED = {
    "kms_deletion_window_days": "days a scheduled KMS key deletion waits (`KMS_DELETION_WINDOW_DAYS_*`): "
    "short while destroyable, 30 once protected",
}


class UndocumentedSettingError(ValueError):
    """A config field has no comment or docstring to describe it in README."""


# The modules whose dataclasses hold settings (each settings class may live beside the rules of its own fields).
SETTINGS_MODULES = (config_module, dr_settings_module)


def _comments(source: str) -> dict[int, str]:
    """``{line number: comment text}`` of every comment in ``source``."""
    found: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            text = token.string.lstrip("#").strip()
            if not text.startswith(("fmt:", "noqa", "type:")):
                found[token.start[0]] = text
    return found


def field_descriptions() -> dict[tuple[str, str], str]:
    """``{(class name, field name): description}`` for every annotated field of a class in ``SETTINGS_MODULES``."""
    out: dict[tuple[str, str], str] = {}
    for module in SETTINGS_MODULES:
        out.update(_module_field_descriptions(Path(inspect.getfile(module)).read_text()))
    return out


def _module_field_descriptions(source: str) -> dict[tuple[str, str], str]:
    lines = source.splitlines()
    comments = _comments(source)
    out: dict[tuple[str, str], str] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        body = node.body
        for index, statement in enumerate(body):
            if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
                continue
            text = comments.get(statement.end_lineno or statement.lineno)
            if text is None and index + 1 < len(body):
                following = body[index + 1]
                docstring = getattr(following.value, "value", None) if isinstance(following, ast.Expr) else None
                if isinstance(docstring, str):
                    text = " ".join(docstring.split())
            if text is None:
                above, line = [], statement.lineno - 1
                while line >= 1 and lines[line - 1].strip().startswith("#") and line in comments:
                    above.insert(0, comments[line])
                    line -= 1
                text = " ".join(above) or None
            if text:
                out[(node.name, statement.target.id)] = text
    return out


def _dataclass_of(hint: Any) -> type | None:
    """The dataclass a field holds (``Capacity | None`` holds ``Capacity``), else None."""
    if dataclasses.is_dataclass(hint):
        return hint  # type: ignore[return-value]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        inner = [arg for arg in typing.get_args(hint) if dataclasses.is_dataclass(arg)]
        return inner[0] if len(inner) == 1 else None
    return None


def settings(cls: type = config_module.EnvironmentConfig, prefix: str = "") -> Iterator[tuple[str, type, str]]:
    """``(dotted path, owning class, field name)`` of every leaf setting, in declaration order."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        nested = _dataclass_of(hints[f.name])
        if nested is not None:
            yield from settings(nested, f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}", cls, f.name


def _lookup(config: Any, path: str) -> Any:
    value = config
    for part in path.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def format_value(value: Any) -> str:
    if value is None or value == ():
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, tuple) and all(dataclasses.is_dataclass(item) for item in value):
        return ", ".join(str(getattr(item, "name", item)) for item in value)  # e.g. the clients, by name
    if isinstance(value, tuple):
        return ", ".join(f"{k}={v}" for k, v in value)
    return str(value).replace("|", "\\|")


def markdown() -> str:
    """The settings table: one row per setting, one column per environment."""
    configs = {name: config_module.load_config(name, environ={}) for name in config_module.ENVIRONMENT_NAMES}
    descriptions = field_descriptions()
    header = ["setting", *configs, "description"]
    rows = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for path, cls, name in settings():
        description = descriptions.get((cls.__name__, name))
        if description is None:
            raise UndocumentedSettingError(
                f"{cls.__name__}.{name} ({path}) has no description: add a `# …` comment or a docstring in config.py"
            )
        values = [format_value(_lookup(c, path)) for c in configs.values()]
        rows.append(f"| `{path}` | " + " | ".join(values) + f" | {description} |")
    for name, description in DERIVED.items():
        values = [format_value(getattr(c, name)) for c in configs.values()]
        rows.append(f"| `{name}` (derived) | " + " | ".join(values) + f" | {description} |")
    return "\n".join(rows) + "\n"


def replace_block(text: str, table: str) -> str:
    """``text`` with the block between the settings markers replaced by ``table``."""
    return readme_blocks.replace_block(text, START, END, table)
