"""The local emulator (``python -m payment_local``) in a subprocess, once per session.

A subprocess keeps the handlers' per-process caches (settings, boto3 clients,
Powertools state) away from tests/lambdas, which run the same modules in-process
against ``mock_aws``. The stack is the session's fresh synth (``synth_dir``), so the
emulator always matches the infrastructure code under test.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from payment_local.process import EmulatorStartError, child_environment, running_emulator

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


@dataclass
class Emulator:
    """The running emulator as seen by one client (``client`` is its name, ``api_key`` its key).

    ``base_url`` is the stage URL (``http://127.0.0.1:<port>/dev`` here, ``https://…execute-api…/dev`` when
    deployed): tests build every URL from it and take the key from ``api_key``, never from a literal.
    """

    base_url: str
    api_key: str
    info: dict[str, Any]
    http: requests.Session
    client_name: str = ""
    _notifications: list[dict[str, Any]] = field(default_factory=list)

    def client(self, service: str) -> Any:
        import boto3

        endpoint = self.info["sfn_endpoint_url" if service == "stepfunctions" else "aws_endpoint_url"]
        return boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=self.info["region"]
        ).client(service, endpoint_url=endpoint)

    # -- the settlement workflow ---------------------------------------------------------------------------

    def executions(self, transaction_id: str) -> list[dict[str, Any]]:
        """Executions of the state machine named after the transaction (its settlement)."""
        listed = self.client("stepfunctions").list_executions(stateMachineArn=self.info["state_machine_arn"])
        return [e for e in listed["executions"] if e["name"] == transaction_id]

    def wait_execution(self, transaction_id: str, timeout: float = 30) -> dict[str, Any]:
        """The transaction's execution once it has closed (described, with input/output/error)."""
        sfn = self.client("stepfunctions")

        def closed() -> dict[str, Any] | None:
            found = self.executions(transaction_id)
            if not found:
                return None
            described = sfn.describe_execution(executionArn=found[0]["executionArn"])
            return described if described["status"] != "RUNNING" else None

        return self.wait_for(closed, timeout, f"the execution of {transaction_id} to close")

    def task_failures(self, execution_arn: str) -> list[tuple[str, str]]:
        """``(state, error)`` of every failed task attempt, in order (from the execution history)."""
        events = self.client("stepfunctions").get_execution_history(executionArn=execution_arn)["events"]
        failures, state = [], ""
        for event in events:
            if "stateEnteredEventDetails" in event:
                state = event["stateEnteredEventDetails"]["name"]
            if event["type"] == "TaskFailed":
                failures.append((state, event["taskFailedEventDetails"]["error"]))
        return failures

    def notifications(self, transaction_id: str) -> list[dict[str, Any]]:
        """Messages published to the notifications topic about the transaction (read from a tap queue)."""
        sqs = self.client("sqs")
        while True:
            batch = sqs.receive_message(
                QueueUrl=self.info["notifications_tap_url"], MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                self._notifications.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.info["notifications_tap_url"], ReceiptHandle=message["ReceiptHandle"])
        return [n for n in self._notifications if n.get("transaction_id") == transaction_id]

    def post(self, body: dict[str, Any], key: str | None = None, **kwargs: Any) -> requests.Response:
        headers = {"Idempotency-Key": key or uuid.uuid4().hex}
        return self.http.post(f"{self.base_url}/transactions", json=body, headers=headers, timeout=15, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(f"{self.base_url}{path}", timeout=15, **kwargs)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    def status(self, transaction_id: str) -> str:
        return self.get(f"/status/{transaction_id}").json()["status"]

    def wait_settled(self, transaction_id: str, timeout: float = 20) -> str:
        return self.wait_for(
            lambda: (s := self.status(transaction_id)) in ("succeeded", "failed") and s,
            timeout,
            f"{transaction_id} to settle",
        )

    def fault(self, kind: str, customer_id: str | None = None, times: int | None = None, **target: Any) -> None:
        """A fault rule in the emulator: ``Faults.add``'s arguments (``target``: ``transaction_id``, ``skip``)."""
        spec = {"kind": kind, "customer_id": customer_id, "times": times, "transaction_id": None, "skip": 0, **target}
        response = self.http.post(f"{self.base_url}/__local/faults", json=spec, timeout=5)
        assert response.status_code == 201, response.text

    def faults(self) -> list[dict[str, Any]]:
        return self.http.get(f"{self.base_url}/__local/faults", timeout=5).json()["rules"]

    def sweep(self) -> list[str]:
        """Run the scheduled sweep now; the transaction ids it re-sent."""
        runs = self.http.post(f"{self.base_url}/__local/schedules", timeout=60).json()["runs"]
        return [transaction_id for run in runs for transaction_id in run.get("redriven", [])]

    def concurrency(self) -> dict[str, dict[str, int]]:
        return self.http.get(f"{self.base_url}/__local/concurrency", timeout=5).json()

    def receipt_keys(self, transaction_id: str) -> list[str]:
        return sorted({v["Key"] for v in self.receipt_versions(transaction_id)})

    def deliveries(self, transaction_id: str, *, settled: bool = True) -> list[dict[str, Any]]:
        """Messages the settlement poller handled for the transaction (waits for a success if ``settled``)."""

        def fetch() -> list[dict[str, Any]]:
            response = self.get("/__local/deliveries", params={"transaction_id": transaction_id})
            return response.json()["deliveries"]

        if settled:
            self.wait_for(lambda: any(d["outcome"] == "succeeded" for d in fetch()), 20, "a successful delivery")
        return fetch()

    def receipt_versions(self, transaction_id: str) -> list[dict[str, Any]]:
        s3 = self.client("s3")
        versions = s3.list_object_versions(Bucket=self.info["receipts_bucket"], Prefix="receipts/").get("Versions", [])
        return [v for v in versions if v["Key"].endswith(f"/{transaction_id}.json")]


@pytest.fixture(scope="session")
def emulator(synth_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    workdir = tmp_path_factory.mktemp("emulator")
    # Two clients: the first is the stack's default client, the second proves that clients never meet.
    args = [
        "--env",
        "dev",
        "--stack-file",
        str(synth_dir / "stacks" / "payment-dev" / "cdk.tf.json"),
        "--no-throttle",
        "--test-hooks",
        "--retry-delay",
        "1",
        "--log-level",
        "WARNING",
        "--api-key",
        f"key-a-{uuid.uuid4().hex}",
        "--api-key",
        f"key-b-{uuid.uuid4().hex}",
        "--workflow-time-scale",
        "0.05",
        "--sdk-backoff-scale",
        "0.05",
        # The sweep runs when a test asks (POST /__local/schedules), for records older than 2 s.
        "--sweep-interval",
        "3600",
        "--sweep-older-than",
        "2",
    ]
    try:
        with running_emulator(args, env=child_environment(), workdir=workdir, timeout=START_TIMEOUT) as info:
            sessions = []
            views = []
            for client in info["clients"]:
                http = requests.Session()
                http.headers["x-api-key"] = client["api_key"]
                sessions.append(http)
                views.append(
                    Emulator(
                        base_url=info["base_url"],
                        api_key=client["api_key"],
                        info=info,
                        http=http,
                        client_name=client["name"],
                    )
                )
            EMULATOR_CLIENTS[:] = views
            yield views[0]
            for http in sessions:
                http.close()
    except EmulatorStartError as error:
        pytest.fail(str(error))


#: Every client of the session's emulator (filled by the ``emulator`` fixture).
EMULATOR_CLIENTS: list[Emulator] = []


@pytest.fixture(scope="session")
def other_client(emulator: Emulator) -> Emulator:
    """The emulator seen by a second client (another API key, another client)."""
    return EMULATOR_CLIENTS[1]


@pytest.fixture
def customer_id() -> str:
    return f"cust_{uuid.uuid4().hex[:16]}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.e2e)
