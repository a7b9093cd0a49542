"""The settlement path's switches act as on AWS: a stopped pipe carries nothing until it starts again (then it goes on
from where it stopped), a DISABLED sweep rule does not run; and the emulator answers the stack's outputs."""

from __future__ import annotations

import time

from tests.e2e.conftest import Emulator


def _pipe_and_rule(emulator: Emulator) -> tuple[str, str]:
    (pipe,) = emulator.info["pipes"]
    (rule,) = emulator.info["schedules"]
    return pipe, rule


def test_a_stopped_pipe_carries_nothing_and_resumes_where_it_stopped(emulator: Emulator, customer_id: str) -> None:
    pipes = emulator.client("pipes")
    pipe, _ = _pipe_and_rule(emulator)
    assert pipes.describe_pipe(Name=pipe)["DesiredState"] == "RUNNING"  # the stack's default
    pipes.stop_pipe(Name=pipe)
    try:
        time.sleep(0.3)  # the state is read at most every 0.25 s (AWS: "typically less than two minutes")
        response = emulator.post({"customer_id": customer_id, "amount": 700, "currency": "EUR"})
        assert response.status_code == 201, response.text
        transaction_id = response.json()["transaction_id"]
        time.sleep(1.5)  # the pipe polls every 0.1 s: a running one would have carried it by now
        assert emulator.deliveries(transaction_id, settled=False) == []
        assert emulator.status(transaction_id) == "pending"
    finally:
        pipes.start_pipe(Name=pipe)
    assert emulator.wait_settled(transaction_id) == "succeeded"


def test_a_disabled_sweep_rule_does_not_run(emulator: Emulator) -> None:
    events = emulator.client("events")
    _, rule = _pipe_and_rule(emulator)
    assert events.describe_rule(Name=rule)["State"] == "ENABLED"
    events.disable_rule(Name=rule)
    try:
        time.sleep(0.3)  # the state is read at most every 0.25 s
        runs = emulator.http.post(f"{emulator.base_url}/__local/schedules", timeout=60).json()["runs"]
        assert runs == [{"skipped": f"rule {rule} is DISABLED"}]
    finally:
        events.enable_rule(Name=rule)
    time.sleep(0.3)
    (run,) = emulator.http.post(f"{emulator.base_url}/__local/schedules", timeout=60).json()["runs"]
    assert "redriven" in run


def test_the_emulator_answers_the_stacks_outputs(emulator: Emulator) -> None:
    outputs = emulator.info["outputs"]
    assert outputs["apigateway_url"] == emulator.base_url
    assert outputs["sqs_transaction_queue_url"] == emulator.info["settlement_queue_url"]
    assert outputs["sfn_state_machine_arn"] == emulator.info["state_machine_arn"]
    assert outputs["dynamodb_transactions_table_name"] == emulator.info["transactions_table"]
    assert "cloudwatch_dashboard_url" in outputs  # a literal: no reference to resolve
    assert all("${" not in str(value) for value in outputs.values())
