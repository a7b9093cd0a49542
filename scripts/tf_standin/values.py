"""Terraform values on the wire (msgpack, unknown = extension 0) and what a plan makes of them.

Only what the stand-in needs: decode a ``DynamicValue``, mark computed attributes that are still null as unknown
(what any provider does on create), and make placeholder values for data sources.
"""

from __future__ import annotations

from typing import Any

import msgpack

UNKNOWN_EXT = 0


class Unknown:
    """A value Terraform knows only after apply."""

    def __repr__(self) -> str:
        return "Unknown"


UNKNOWN = Unknown()


def _ext_hook(code: int, data: bytes) -> Any:
    if code == UNKNOWN_EXT:
        return UNKNOWN
    return msgpack.ExtType(code, data)


def _default(value: Any) -> Any:
    if isinstance(value, Unknown):
        return msgpack.ExtType(UNKNOWN_EXT, b"")
    raise TypeError(f"cannot encode {type(value).__name__}")


def decode(raw: bytes) -> Any:
    if not raw:
        return None
    return msgpack.unpackb(raw, ext_hook=_ext_hook, raw=False, strict_map_key=False)


def encode(value: Any) -> bytes:
    return msgpack.packb(value, default=_default, use_bin_type=True)


def plan_create(block: dict[str, Any], proposed: Any) -> Any:
    """``proposed`` (an object of ``block``) with every computed attribute that is null made unknown."""
    if proposed is None or isinstance(proposed, Unknown):
        return proposed
    out = dict(proposed)
    for name, attr in block.get("attributes", {}).items():
        if attr.get("computed") and out.get(name) is None:
            out[name] = UNKNOWN
        elif "nested_type" in attr and out.get(name) is not None:
            nested_type = attr["nested_type"]
            out[name] = _each(nested_type["nesting_mode"], out[name], lambda v, t=nested_type: plan_create(t, v))
    for name, nested in block.get("block_types", {}).items():
        if out.get(name) is not None:
            out[name] = _each(nested["nesting_mode"], out[name], lambda v, n=nested: plan_create(n["block"], v))
    return out


def _is_dynamic_wrapper(value: Any) -> bool:
    """A block holding ``dynamic`` values travels as ``[type JSON, value]`` (its implied type is dynamic)."""
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], bytes)


def _each(nesting: str, value: Any, fn: Any) -> Any:
    if isinstance(value, Unknown) or _is_dynamic_wrapper(value):
        return value  # left as configured: its computed attributes stay null, which a plan accepts
    if nesting == "single":
        return fn(value)
    if nesting == "map":
        return {k: fn(v) for k, v in value.items()}
    return [fn(v) for v in value]


def placeholder(type_: Any, name: str) -> Any:
    """A known value of ``type_`` for a data source attribute nobody set (Terraform needs data fully known)."""
    if type_ == "string":
        return f"stand-in-{name}"
    if type_ == "number":
        return 0
    if type_ == "bool":
        return False
    if isinstance(type_, list) and type_[0] in ("list", "set") and type_[1] in ("string", "number"):
        # three distinct items: configurations index into lists such as availability zone names
        return [placeholder(type_[1], f"{name}-{i}") if type_[1] == "string" else i for i in range(3)]
    if isinstance(type_, list) and type_[0] in ("list", "set"):
        return []
    if isinstance(type_, list) and type_[0] == "map":
        return {}
    return None


def read_data(block: dict[str, Any], config: Any) -> Any:
    """``config`` with every unset computed attribute of a data source filled with a placeholder."""
    out = dict(config or {})
    for name, attr in block.get("attributes", {}).items():
        if attr.get("computed") and out.get(name) is None:
            out[name] = placeholder(attr.get("type"), name)
    return out
