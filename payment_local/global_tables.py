"""DynamoDB global tables (version 2019.11.21) for the emulator, from the stack's ``replica`` blocks.

moto has no replicas, so this module adds them in the process that runs moto: :meth:`GlobalTables.create_replicas`
creates each replica table (same keys, indexes, TTL and stream as the table it replicates) in its region, and a
hook on moto's stream shard sees every write to a member table. As on AWS:

- **asynchronous**: a write in one region reaches the others through :class:`payment_local.replication.Replicator`
  (in write order, after its lag, only while both regions are up);
- **last writer wins**: every item version carries the time and region of its write; a replicated version older
  than the one the target holds is dropped, so concurrent writes in two regions converge on the later one (a
  conditional write checks only its own region's copy: it cannot see a write not replicated yet);
- **a replica emits its own stream records**: a replicated write is an ordinary write to the replica table, so its
  stream (and a pipe reading it) sees it; it is not replicated back.

Stream records also get their table's region as ``awsRegion`` (moto writes ``us-east-1`` into every record).
:meth:`GlobalTables.local_writes` is the ground truth of which region wrote what (the drill counts settlements
with it).
"""

from __future__ import annotations

import functools
import json
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import StreamShard

from payment_local import moto_fidelity
from payment_local.replication import Change, Replicator
from payment_local.stack import FAKE_ACCOUNT_ID, Stack, StackError

_hook_lock = threading.Lock()
_hooked = False
_instances: list[GlobalTables] = []
_applying = threading.local()
Version = tuple[float, str]


@dataclass(frozen=True)
class GlobalTable:
    name: str
    home_region: str
    replica_regions: tuple[str, ...]

    @property
    def regions(self) -> tuple[str, ...]:
        return (self.home_region, *self.replica_regions)


@dataclass(frozen=True)
class LocalWrite:
    """A write made in ``region`` itself (not replicated into it); images are DynamoDB JSON, ``None`` if absent."""

    region: str
    table: str
    key: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    written_at: float


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return list(value or [])


def global_tables_of(stack: Stack) -> list[GlobalTable]:
    """The stack's tables with ``replica`` blocks; AWS refuses a replica on a table without NEW_AND_OLD_IMAGES."""
    found = []
    for spec in stack.resources("aws_dynamodb_table").values():
        replicas = _blocks(spec.get("replica"))
        if not replicas:
            continue
        if not spec.get("stream_enabled") or spec.get("stream_view_type") != "NEW_AND_OLD_IMAGES":
            raise StackError(
                f"table {spec['name']}: a replica needs stream_enabled = true and stream_view_type = "
                f"NEW_AND_OLD_IMAGES, got {spec.get('stream_enabled')!r} / {spec.get('stream_view_type')!r}"
            )
        regions = tuple(block["region_name"] for block in replicas)
        if stack.region in regions or len(set(regions)) != len(regions):
            raise StackError(
                f"table {spec['name']}: replica regions {regions} repeat a region or the table's own ({stack.region})"
            )
        found.append(GlobalTable(spec["name"], stack.region, regions))
    return found


def _install_hook() -> None:
    global _hooked
    with _hook_lock:
        if _hooked:
            return
        original = StreamShard.add

        @functools.wraps(original)
        def add(shard: StreamShard, old: Any, new: Any) -> None:
            original(shard, old, new)
            if shard.items:
                shard.items[-1].record["awsRegion"] = shard.table.region_name
            for instance in list(_instances):
                instance.observe(shard.table, old, new)

        StreamShard.add = add  # type: ignore[method-assign]
        _hooked = True


def _image(item: Any) -> dict[str, Any] | None:
    return None if item is None else json.loads(json.dumps(item.to_json()["Attributes"]))


def _key(table: Any, item: Any) -> dict[str, Any]:
    key = {table.hash_key_attr: item.hash_key.to_json()}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = item.range_key.to_json()
    return key


class GlobalTables:
    """The global tables of one stack, replicated through ``replicator``; :meth:`install` before the first write."""

    def __init__(
        self,
        tables: Iterable[GlobalTable],
        replicator: Replicator,
        *,
        account_id: str = FAKE_ACCOUNT_ID,
        journal_size: int = 100_000,
    ) -> None:
        self.tables = list(tables)
        self._members = {(table.name, region): table for table in self.tables for region in table.regions}
        self._replicator, self._account = replicator, account_id
        self._versions: dict[tuple[str, str, str], Version] = {}
        self._last_time = 0.0
        self._journal: deque[LocalWrite] = deque(maxlen=journal_size)
        self.superseded = 0
        """Replicated versions dropped because the target held a later one (last writer wins)."""

    def install(self) -> None:
        moto_fidelity.install()  # writes serialised: the version check and the write are one step
        _install_hook()
        _instances.append(self)

    def uninstall(self) -> None:
        if self in _instances:
            _instances.remove(self)

    def create_replicas(self, client: Callable[[str, str], Any]) -> None:
        """Create every replica table like its home table; ``client(service, region)`` is a boto3 client."""
        for table in self.tables:
            home = client("dynamodb", table.home_region)
            description = home.describe_table(TableName=table.name)["Table"]
            ttl = home.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"]
            for region in table.replica_regions:
                replica = client("dynamodb", region)
                replica.create_table(**_replica_request(description))
                if ttl.get("TimeToLiveStatus") == "ENABLED":
                    replica.update_time_to_live(
                        TableName=table.name,
                        TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
                    )

    def local_writes(self, table: str | None = None) -> list[LocalWrite]:
        return [write for write in list(self._journal) if table is None or write.table == table]

    # -- the hook (moto's write lock is held) --------------------------------------------------------------------

    def observe(self, table: Any, old: Any, new: Any) -> None:
        member = self._members.get((table.name, table.region_name))
        if member is None:
            return
        region = table.region_name
        key = _key(table, new if new is not None else old)
        key_id = json.dumps(key, sort_keys=True)
        replicated: Version | None = getattr(_applying, "version", None)
        if replicated is not None:
            self._versions[(region, table.name, key_id)] = replicated
            return
        written_at = max(self._replicator.now(), self._last_time + 1e-6)
        self._last_time = written_at
        version = (written_at, region)
        self._versions[(region, table.name, key_id)] = version
        image = _image(new)
        self._journal.append(LocalWrite(region, table.name, key_id, _image(old), image, written_at))
        for target in member.regions:
            if target != region:
                apply = functools.partial(self._apply, target, table.name, key, key_id, image, version)
                self._replicator.submit(Change(region, target, "dynamodb", f"{table.name} {key_id}", written_at, apply))

    def _apply(
        self, region: str, table: str, key: dict[str, Any], key_id: str, image: dict[str, Any] | None, version: Version
    ) -> None:
        with moto_fidelity.serialised_writes():
            current = self._versions.get((region, table, key_id))
            if current is not None and current >= version:
                self.superseded += 1
                return
            backend = dynamodb_backends[self._account][region]
            _applying.version = version
            try:
                if image is None:
                    backend.delete_item(table, key)
                else:
                    backend.put_item(table, image)
            finally:
                _applying.version = None
            self._versions[(region, table, key_id)] = version


def _replica_request(description: dict[str, Any]) -> dict[str, Any]:
    """CreateTable arguments for a replica of the described table (global tables need NEW_AND_OLD_IMAGES)."""
    request: dict[str, Any] = {
        "TableName": description["TableName"],
        "KeySchema": description["KeySchema"],
        "AttributeDefinitions": description["AttributeDefinitions"],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }
    billing = (description.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    request["BillingMode"] = billing

    def throughput(described: dict[str, Any]) -> dict[str, int]:  # moto describes an index's as 0: not creatable
        given = described.get("ProvisionedThroughput") or {}
        return {name: max(1, int(given.get(name) or 0)) for name in ("ReadCapacityUnits", "WriteCapacityUnits")}

    if billing == "PROVISIONED":
        request["ProvisionedThroughput"] = throughput(description)
    indexes = []
    for index in description.get("GlobalSecondaryIndexes", []):
        entry = {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"], "Projection": index["Projection"]}
        if billing == "PROVISIONED":
            entry["ProvisionedThroughput"] = throughput(index)
        indexes.append(entry)
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    return request
