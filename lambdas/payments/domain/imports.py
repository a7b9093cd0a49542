"""The CSV batch import use case: one uploaded object of ``imports/<client>/`` becomes transactions.

Its own module (not :mod:`payments.domain.services`) so that only the batch-import function loads the CSV
parser (tests/lambdas/test_cold_imports.py holds each function to the modules it declares).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from datetime import datetime

from payments.domain.clients import CLIENT_NAME_PATTERN
from payments.domain.csv_import import ImportFileError, ParsedRow, RejectedRow, decode_file, parse_rows
from payments.domain.errors import AlreadyExistsError
from payments.domain.ports import ReportStore, TransactionRepository
from payments.domain.transaction import Transaction, derived_transaction_id, format_timestamp, new_pending


@dataclass(frozen=True)
class ImportSource:
    bucket: str
    key: str
    #: The client owning the file (``imports/<client>/<name>.csv``) and every row's transaction.
    client_id: str
    version_id: str | None
    #: Identifies this upload of the object: the version id, or the event's
    #: ``sequencer`` when the bucket is not versioned. Part of every row's id.
    revision: str
    #: ``eventTime`` of the S3 notification: the creation time of every row's
    #: transaction, so a redelivered event rebuilds exactly the same items.
    uploaded_at: datetime


@dataclass
class ImportReport:
    source: ImportSource
    created: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    file_error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "report_version": 1,
            "source": {"bucket": self.source.bucket, "key": self.source.key, "version_id": self.source.version_id},
            "uploaded_at": format_timestamp(self.source.uploaded_at),
            "file_error": self.file_error,
            "created_count": len(self.created),
            "duplicate_count": len(self.duplicates),
            "rejected_count": len(self.rejected),
            "transaction_ids": self.created + self.duplicates,
            "rejected": [row.to_report() for row in self.rejected],
        }


IMPORT_PREFIX = "imports/"
REPORT_PREFIX = "reports/"


def import_owner(import_key: str) -> str | None:
    """The client of ``imports/<client>/<name>.csv``; ``None`` for any other key."""
    parts = import_key.split("/")
    if len(parts) < 3 or parts[0] + "/" != IMPORT_PREFIX or not CLIENT_NAME_PATTERN.match(parts[1]):
        return None
    return parts[1] if all(parts[2:]) else None


def report_key(import_key: str) -> str:
    """``imports/<client>/b.csv`` -> ``reports/<client>/b.csv.report.json`` (the client's own prefix)."""
    if import_key.startswith(IMPORT_PREFIX):
        relative = import_key[len(IMPORT_PREFIX) :]
    else:
        relative = posixpath.basename(import_key)
    return f"{REPORT_PREFIX}{relative}.report.json"


class ImportService:
    """Turns one uploaded CSV object into transactions, one per valid row."""

    def __init__(self, repository: TransactionRepository, files: ReportStore) -> None:
        self._repository = repository
        self._files = files

    def import_object(self, source: ImportSource) -> ImportReport:
        report = ImportReport(source)
        try:
            rows = parse_rows(decode_file(self._files.read_import(source.key, source.version_id)))
        except ImportFileError as exc:
            report.file_error = exc.message
            report.rejected.append(RejectedRow(1, exc.code, exc.message))
            rows = []
        for row in rows:
            if isinstance(row, RejectedRow):
                report.rejected.append(row)
                continue
            self._create_row(source, row, report)
        self._files.put_report(report_key(source.key), report.to_json())
        return report

    def _create_row(self, source: ImportSource, row: ParsedRow, report: ImportReport) -> Transaction:
        transaction = new_pending(
            transaction_id=derived_transaction_id("import", source.bucket, source.key, source.revision, str(row.line)),
            customer_id=row.request.customer_id,
            money=row.request.money,
            description=row.request.description,
            created_at=source.uploaded_at,
            source="batch",
            client_id=source.client_id,
        )
        try:
            self._repository.put_new(transaction)
            report.created.append(transaction.transaction_id)
        except AlreadyExistsError:
            # Same object processed again: same id and key, so nothing new is written. Its settlement
            # follows from the first write (stream, or the sweep if that event was lost).
            report.duplicates.append(transaction.transaction_id)
        return transaction
