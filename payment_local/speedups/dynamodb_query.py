"""moto's DynamoDB ``Query`` on a table's own key reads that key's items, not the whole table.

moto's ``Table.query`` without an index lists *every* item of the table, sorts them all by key (Python
comparisons of ``DynamoType`` values) and then keeps those of the queried partition: O(n log n) per query, so a
``GET /transactions/{id}`` slowed down as the table grew (44% of the emulator's samples in the get phase of the
bench, docs/emulator-profile.md). The items of one partition are already a dict in ``Table.items`` (keyed by the
hash key, the same lookup moto's ``GetItem`` uses); ``install`` hands ``Table.query`` just those. moto keeps its
own filter by hash key and its own sort by range key afterwards, so results, order, ``Limit``, pagination and
``ScannedCount`` are unchanged. Index queries are left alone (an index has no per-partition dict).
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

from moto.dynamodb.models.table import Table

_original_query = Table.query
_INDEX_NAME = list(inspect.signature(_original_query).parameters).index("index_name") - 2  # after self, hash_key
_lock = threading.Lock()


class _OnePartition:
    """``table`` as ``Table.query`` sees it, with ``all_items`` narrowed to the items of one hash key."""

    def __init__(self, table: Table, hash_key: Any) -> None:
        self._table = table
        self._hash_key = hash_key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def all_items(self) -> list[Any]:
        found = self._table.items.get(self._hash_key)  # .get: never add an empty partition to the defaultdict
        if found is None:
            return []
        return list(found.values()) if self._table.range_key_attr else [found]


def _query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    index_name = args[_INDEX_NAME] if len(args) > _INDEX_NAME else kwargs.get("index_name")
    if index_name or hash_key is None:
        return _original_query(self, hash_key, *args, **kwargs)
    return _original_query(_OnePartition(self, hash_key), hash_key, *args, **kwargs)  # type: ignore[arg-type]


def install() -> None:
    """Narrow moto's table queries in this process (idempotent)."""
    with _lock:
        Table.query = _query  # type: ignore[method-assign]


def uninstall() -> None:
    """moto's own ``Table.query`` again (the tests compare both)."""
    with _lock:
        Table.query = _original_query  # type: ignore[method-assign]
