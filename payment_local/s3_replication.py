"""S3 replication for the emulator: what a bucket's replication configuration says, done in the moto process.

moto stores a bucket's replication configuration (``PutBucketReplication``, written by provisioning from the
stack's ``aws_s3_bucket_replication_configuration``) but copies nothing. :class:`S3Replication` hooks moto's object
writes: a new object version in a bucket whose configuration has an enabled rule matching its key (``Filter.Prefix``
or the rule's ``Prefix``; an empty filter matches every key) is copied, body and metadata, to the rule's destination
bucket through :class:`payment_local.replication.Replicator` (asynchronous, in order, while both regions are up).
A replica is an ordinary new version in the destination; it is never replicated again. Deletes are not replicated
(the stack's receipts are never deleted; AWS replicates delete markers only when asked to).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.s3.models import S3Backend

from payment_local.replication import Change, Replicator

_hook_lock = threading.Lock()
_hooked = False
_instances: list[S3Replication] = []
_applying = threading.local()


def _install_hook() -> None:
    global _hooked
    with _hook_lock:
        if _hooked:
            return
        original = S3Backend.put_object

        @functools.wraps(original)
        def put_object(backend: S3Backend, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
            written = original(backend, bucket_name, key_name, *args, **kwargs)
            if not getattr(_applying, "active", False):
                for instance in list(_instances):
                    instance.observe(backend, bucket_name, written)
            return written

        S3Backend.put_object = put_object  # type: ignore[method-assign]
        _hooked = True


def _matches(rule: dict[str, Any], key: str) -> bool:
    if rule.get("Status") != "Enabled":
        return False
    selector = rule.get("Filter")
    if selector is None:
        return key.startswith(rule.get("Prefix") or "")
    prefix = selector.get("Prefix") or (selector.get("And") or {}).get("Prefix") or ""
    return key.startswith(prefix)


def _destination_bucket(rule: dict[str, Any]) -> str:
    return str(rule["Destination"]["Bucket"]).removeprefix("arn:aws:s3:::")


class S3Replication:
    """Every bucket's replication rules, in the process that runs moto; :meth:`install` before the first write."""

    def __init__(self, replicator: Replicator) -> None:
        self._replicator = replicator
        self.replicated = 0

    def install(self) -> None:
        _install_hook()
        _instances.append(self)

    def uninstall(self) -> None:
        if self in _instances:
            _instances.remove(self)

    def observe(self, backend: S3Backend, bucket_name: str, written: Any) -> None:
        source = backend.get_bucket(bucket_name)
        configuration = getattr(source, "replication", None) or {}
        rules = sorted(configuration.get("Rule", []), key=lambda rule: int(rule.get("Priority", 1)), reverse=True)
        rule = next((r for r in rules if _matches(r, written.name)), None)
        if rule is None:
            return
        target = backend.get_bucket(_destination_bucket(rule))
        apply = functools.partial(self._copy, backend, target.name, written)
        self._replicator.submit(
            Change(
                source.region_name,
                target.region_name,
                "s3",
                f"s3://{bucket_name}/{written.name}",
                self._replicator.now(),
                apply,
            )
        )

    def _copy(self, backend: S3Backend, bucket_name: str, source_key: Any) -> None:
        _applying.active = True
        try:
            replica = backend.put_object(bucket_name, source_key.name, source_key.value)
        finally:
            _applying.active = False
        replica.set_metadata(dict(source_key.metadata))
        self.replicated += 1
