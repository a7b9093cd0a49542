"""moto's response machinery remembers what depends only on a class or a service model, not on the request.

Two things moto recomputed on every request (docs/emulator-profile.md, create phase of the bench):
- ``BaseResponse.call_action`` listed the methods of the response class (``inspect.getmembers``) to find the
  action's method; a response class's methods do not change once moto is imported: now listed once per class.
  The action's name (and, in SQS, each queue attribute's name) went through ``camelcase_to_underscores``'s
  regular expressions every time: now once per name.
- The response serializer asks ``AttributePicker`` for each member of each output structure (every attribute of
  every DynamoDB item), and it built six alias providers per member to find the keys to try. For a plain ``dict``
  (what moto's JSON services return) those keys depend only on the member's name, its shape and the shape's
  parent, so they are remembered per (picker class, name, shape, parent); the value is then looked up exactly as
  moto does (first key present, then moto's response transformers). With the same keys, a structure member none of
  whose keys is in the ``dict`` is passed over without asking: moto would have found ``None`` and written nothing
  (a DynamoDB ``AttributeValue`` has ten members, one of them set: a dict smaller than its structure is walked
  by its own keys, in the structure's member order).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

import moto.core.responses
import moto.core.utils
import moto.sqs.models
from moto.core.serialize import (
    DEFAULT_ALIAS_PROVIDERS,
    AttributePicker,
    AttributePickerContext,
    ResponseSerializer,
    XFormedAttributePicker,
)
from moto.core.utils import MISSING, get_value

_original_method_names = moto.core.responses.method_names_from_class
_original_camelcase = moto.core.utils.camelcase_to_underscores
_camelcase_cached = cache(_original_camelcase)
#: Where moto turns an action or attribute name into a method name on every request (Queue.attributes: for each
#: attribute of the queue, on every SendMessage and per received message).
_CAMELCASE_USERS = (moto.core.responses, moto.sqs.models)
_original_pick = AttributePicker.__call__
_original_structure = ResponseSerializer._serialize_type_structure
_MEMOISED_PICKERS = (AttributePicker, XFormedAttributePicker)
_keys: dict[tuple[Any, ...], tuple[str, ...]] = {}
_structures: dict[tuple[Any, ...], _Layout] = {}
_lock = threading.Lock()


def _memoisable(picker: Any) -> bool:
    return type(picker) in _MEMOISED_PICKERS and picker.alias_providers is DEFAULT_ALIAS_PROVIDERS


def _possible_keys(picker: AttributePicker, context: AttributePickerContext) -> tuple[str, ...]:
    """The keys ``picker`` tries, in its order, for ``context`` whose ``obj`` is a plain ``dict``."""
    shape = context.shape
    memo = (type(picker), context.key, shape, getattr(shape, "parent", None))
    keys = _keys.get(memo)
    if keys is None:
        keys = _keys[memo] = tuple(picker.get_possible_keys(context))
    return keys


def _pick(self: AttributePicker, context: AttributePickerContext) -> Any:
    if type(context.obj) is not dict or not _memoisable(self):
        return _original_pick(self, context)
    obj, keys = context.obj, _possible_keys(self, context)
    for possible_key in keys:
        value = get_value(obj, possible_key, MISSING)
        if value is not MISSING:
            break
    else:
        value = None
    if self.response_transformers:
        key_path = f"{context.key_path}.{context.key}"
        for transform_path, transform in self.response_transformers.items():
            if key_path.endswith(transform_path):
                return transform(value)
    return value


@dataclass(frozen=True)
class _Layout:
    """A structure's members with the keys a picker tries for each in a ``dict``, and which member each key feeds."""

    members: list[tuple[str, Any, frozenset[str] | None]]
    """(name, shape, keys); keys ``None``: a dotted key, a path moto walks: always asked."""
    by_key: dict[str, tuple[int, ...]]
    always: tuple[int, ...]


def _layout(picker: AttributePicker, shape: Any) -> _Layout:
    memo = (type(picker), shape)
    layout = _structures.get(memo)
    if layout is None:
        members: list[tuple[str, Any, frozenset[str] | None]] = []
        by_key: dict[str, list[int]] = {}
        for index, (member_key, member_shape) in enumerate(shape.members.items()):
            member_shape.parent = shape
            keys = _possible_keys(picker, AttributePickerContext(obj={}, key=member_key, shape=member_shape))
            dotted = any("." in k for k in keys)
            members.append((member_key, member_shape, None if dotted else frozenset(keys)))
            for k in keys:
                by_key.setdefault(k, []).append(index)
        always = tuple(i for i, (_, _, keys) in enumerate(members) if keys is None)
        layout = _structures[memo] = _Layout(members, {k: tuple(v) for k, v in by_key.items()}, always)
    return layout


def _candidates(layout: _Layout, value: dict[str, Any]) -> Any:
    """The members that may have a value, in the structure's order (a dict smaller than the structure: by its keys)."""
    if len(value) >= len(layout.members):
        return layout.members
    chosen = set(layout.always)
    for k in value:
        chosen.update(layout.by_key.get(k, ()))
    return [layout.members[i] for i in sorted(chosen)]


def _plain(serializer: ResponseSerializer, value: Any) -> bool:
    picker = serializer._value_picker
    return (
        type(value) is dict
        and _memoisable(picker)
        and not picker.response_transformers
        and type(serializer)._serialize_structure_member is ResponseSerializer._serialize_structure_member
        and type(serializer).get_value is ResponseSerializer.get_value
    )


def _structure(self: ResponseSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
    if not _plain(self, value):
        return _original_structure(self, serialized, value, shape, key)
    wrapper = self.MAP_TYPE() if key else serialized
    for member_key, member_shape, keys in _candidates(_layout(self._value_picker, shape), value):
        member_shape.parent = shape
        if keys is None or not keys.isdisjoint(value):
            self._serialize_structure_member(wrapper, value, member_shape, member_key)
    if key:
        self._default_serialize(serialized, wrapper, shape, key)


def install() -> None:
    """Remember method names and serializer keys in this process (idempotent)."""
    with _lock:
        moto.core.responses.method_names_from_class = cache(_original_method_names)
        for module in _CAMELCASE_USERS:
            module.camelcase_to_underscores = _camelcase_cached
        AttributePicker.__call__ = _pick  # type: ignore[method-assign]
        ResponseSerializer._serialize_type_structure = _structure  # type: ignore[method-assign]


def uninstall() -> None:
    """moto's own lookups again (the tests compare both)."""
    with _lock:
        moto.core.responses.method_names_from_class = _original_method_names
        for module in _CAMELCASE_USERS:
            module.camelcase_to_underscores = _original_camelcase
        AttributePicker.__call__ = _original_pick  # type: ignore[method-assign]
        ResponseSerializer._serialize_type_structure = _original_structure  # type: ignore[method-assign]
