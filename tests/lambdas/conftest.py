"""Fixtures for the Lambda application tests: one moto account for the package.

Resources mirror the infrastructure exactly (table keys, GSIs, FIFO queue with
content-based deduplication, versioned buckets). Each test gets its own queue
and unique customer ids, so tests never see each other's data and the
expensive setup happens once.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import pytest

from tests.lambdas.events import API_CLIENTS
from tests.lambdas.moto_resources import Aws, create_tables

# Powertools reads these when the handler modules create ``Logger()``/``Metrics()``
# at import, i.e. while pytest collects; they are namespaced, so other test
# packages do not notice them. Everything else is set only while this package's
# tests run (``aws`` fixture), so infra and ops tests never see fake credentials
# or an active moto mock.
POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "payments",
    "POWERTOOLS_METRICS_NAMESPACE": "PaymentApiTest",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_TRACE_DISABLED": "1",
}
AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-northeast-2",
    "AWS_REGION": "ap-northeast-2",
    "AWS_LAMBDA_FUNCTION_NAME": "payment-transactions-test",
    "ENVIRONMENT": "test",
}
os.environ.update(POWERTOOLS_ENVIRONMENT)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Read-only requests publish no application metric; Powertools warns about each.
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning"))


@pytest.fixture(scope="package")
def aws() -> Iterator[Aws]:
    """Fake credentials and one moto account, for the duration of this package's tests."""
    import boto3
    from moto import mock_aws

    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in AWS_ENVIRONMENT.items():
            patch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL"):
            patch.delenv(name, raising=False)
        session = boto3.session.Session(region_name="ap-northeast-2")
        resources = Aws(
            dynamodb=session.client("dynamodb"),
            sqs=session.client("sqs"),
            s3=session.client("s3"),
            sns=session.client("sns"),
            transactions_table="payment-transactions-test",
            idempotency_table="payment-idempotency-test",
            receipts_bucket="payment-receipts-test-123456789012",
            import_bucket="payment-imports-test-123456789012",
            topic_arn="",
        )
        create_tables(resources.dynamodb, resources.transactions_table, resources.idempotency_table)
        for bucket in (resources.receipts_bucket, resources.import_bucket):
            resources.s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"}
            )
            resources.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        resources.topic_arn = resources.sns.create_topic(Name="payment-notifications-test")["TopicArn"]
        # Clients that the handlers build themselves (payments.adapters.aws) must be
        # created inside the mock as well; start each session from a clean cache.
        from payments.adapters import aws as aws_clients

        aws_clients.client.cache_clear()
        yield resources
        aws_clients.client.cache_clear()


@pytest.fixture
def queue_url(aws: Aws) -> str:
    return aws.new_queue()


@pytest.fixture
def customer_id() -> str:
    return f"cust_{uuid.uuid4().hex[:16]}"


@pytest.fixture
def function_env(aws: Aws, queue_url: str, monkeypatch: pytest.MonkeyPatch) -> Aws:
    """The variables the infrastructure sets on every function, pointing at this test's resources.

    Clears the per-container caches so the real ``handler`` functions rebuild
    their wiring from these variables, as on a cold start.
    """
    monkeypatch.setenv("TRANSACTIONS_TABLE", aws.transactions_table)
    monkeypatch.setenv("IDEMPOTENCY_TABLE", aws.idempotency_table)
    monkeypatch.setenv("QUEUE_URL", queue_url)
    monkeypatch.setenv("RECEIPTS_BUCKET", aws.receipts_bucket)
    monkeypatch.setenv("IMPORT_BUCKET", aws.import_bucket)
    monkeypatch.setenv("IDEMPOTENCY_TTL_SECONDS", "86400")
    monkeypatch.setenv("API_CLIENTS", json.dumps(API_CLIENTS))
    monkeypatch.setenv("SWEEP_OLDER_THAN_SECONDS", "600")
    monkeypatch.setenv("SWEEP_LOOKBACK_SECONDS", "172800")
    from payments.handlers import batch_import, health, settlement, status, sweep, transactions, workflow

    for cached in (
        transactions._api,
        status._app,
        health._app,
        settlement._consumer,
        batch_import._importer,
        sweep._sweeper,
        workflow._validate_steps,
        workflow._process_steps,
    ):
        cached.cache_clear()
    return aws
