"""``batch-import`` function: S3 ``ObjectCreated`` events for ``imports/<client>/*.csv``.

A file belongs to the client named by its folder, and so does every transaction
it creates. Each valid row becomes a ``pending`` transaction (settled from the table's stream);
every object gets a JSON report ``reports/<client>/<name>.csv.report.json`` listing the
created ids and the rejected rows with line number and reason. The CSV format is
documented in :mod:`payments.domain.csv_import`.

Row transaction ids are derived from bucket, key, object version (or the event
sequencer) and line number, and the creation time is the event time: a
redelivered event rebuilds exactly the same items, which the conditional put
turns into no-ops.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from payments.adapters import aws
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.adapters.s3 import S3ImportFiles
from payments.domain.imports import ImportService, ImportSource, import_owner
from payments.handlers.tracing import aws_calls_tracer
from payments.settings import BatchImportSettings

logger = Logger()
tracer = aws_calls_tracer()
metrics = Metrics()


def _event_time(value: str) -> datetime:
    # S3 sends e.g. 2026-11-25T07:58:00.123Z
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def sources_from_event(event: dict[str, Any], bucket: str, clients: frozenset[str]) -> list[ImportSource]:
    """The CSV objects of an S3 notification that this function should import: ``imports/<client>/*.csv``."""
    sources = []
    for record in event.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record["s3"]
        key = unquote_plus(s3["object"]["key"])
        owner = import_owner(key)
        if s3["bucket"]["name"] != bucket or owner is None or owner not in clients or not key.endswith(".csv"):
            logger.warning("ignoring object outside imports/<client>/*.csv", extra={"key": key})
            continue
        version_id = s3["object"].get("versionId") or None
        revision = version_id or s3["object"].get("sequencer") or s3["object"].get("eTag") or "unversioned"
        sources.append(
            ImportSource(
                bucket=bucket,
                key=key,
                client_id=owner,
                version_id=version_id,
                revision=revision,
                uploaded_at=_event_time(record["eventTime"]),
            )
        )
    return sources


class BatchImporter:
    def __init__(self, service: ImportService, bucket: str, clients: frozenset[str]) -> None:
        self._service = service
        self._bucket = bucket
        self._clients = clients

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        summaries = []
        for source in sources_from_event(event, self._bucket, self._clients):
            report = self._service.import_object(source)
            summary = {
                "key": source.key,
                "client_id": source.client_id,
                "created": len(report.created),
                "duplicates": len(report.duplicates),
                "rejected": len(report.rejected),
            }
            logger.info("import processed", extra=summary)
            metrics.add_metric(name="ImportRowsCreated", unit=MetricUnit.Count, value=len(report.created))
            metrics.add_metric(name="ImportRowsRejected", unit=MetricUnit.Count, value=len(report.rejected))
            summaries.append(summary)
        return {"imports": summaries}


def build_importer(settings: BatchImportSettings, *, dynamodb: Any, s3: Any) -> BatchImporter:
    service = ImportService(
        repository=DynamoDBTransactionRepository(dynamodb, settings.transactions_table),
        files=S3ImportFiles(s3, settings.import_bucket),
    )
    return BatchImporter(service, settings.import_bucket, settings.clients.names)


@cache
def _importer() -> BatchImporter:
    return build_importer(BatchImportSettings.from_env(), dynamodb=aws.client("dynamodb"), s3=aws.client("s3"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _importer().handle(event)
