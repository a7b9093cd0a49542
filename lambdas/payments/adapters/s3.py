"""S3 writer for receipts and import reports, reader for import files."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from payments.adapters.aws import dependency_error
from payments.domain.services import receipt_key
from payments.domain.transaction import Transaction


def _json_bytes(document: dict[str, object]) -> bytes:
    return (json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


class S3Objects:
    """JSON documents in one bucket. Encryption comes from the bucket's default (KMS)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put_json(self, key: str, document: dict[str, object]) -> None:
        try:
            self._client.put_object(
                Bucket=self._bucket, Key=key, Body=_json_bytes(document), ContentType="application/json"
            )
        except (ClientError, BotoCoreError) as exc:
            raise dependency_error("s3", "PutObject", exc) from exc


class S3ReceiptStore(S3Objects):
    def put_receipt(self, transaction: Transaction, receipt: dict[str, object]) -> str:
        key = receipt_key(transaction)
        self.put_json(key, receipt)
        return key


class S3ImportFiles(S3Objects):
    """Reads ``imports/*.csv`` and writes ``reports/*`` in the import bucket."""

    def read_import(self, key: str, version_id: str | None) -> bytes:
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            response = self._client.get_object(**kwargs)
            return bytes(response["Body"].read())
        except (ClientError, BotoCoreError) as exc:
            raise dependency_error("s3", "GetObject", exc) from exc

    def put_report(self, key: str, report: dict[str, object]) -> None:
        self.put_json(key, report)
