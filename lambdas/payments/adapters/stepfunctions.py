"""Starts the settlement workflow: one Standard execution per transaction, named after its id.

Step Functions keeps an execution's name unique within the state machine (for 90 days after it
closed), which makes the name an idempotency key: a redelivered or duplicated queue message cannot
start a second settlement. ``StartExecution`` with the name of an existing execution
- and the same input, while that execution runs: returns the original execution (no error);
- once it has closed, or with another input: fails with ``ExecutionAlreadyExists``.
The input is built from the transaction id alone (``execution_input``), so an existing execution
of that name was started for this transaction: both cases mean "its settlement is under way or
done" and are reported as ``already_started``. Re-running a closed execution is an operator's
decision (docs/operations.md), never a side effect of redelivery.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from payments.adapters.aws import dependency_error, error_code
from payments.domain.errors import ValidationError

#: StartExecution ``name``: 1-80 characters; no whitespace, brackets, wildcards, the characters
#: ``" # % \ ^ | ~ ` $ & , ; : /`` or control characters (AWS API reference).
EXECUTION_NAME = re.compile(r"[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}")
StartOutcome = Literal["started", "already_started"]


def execution_name(transaction_id: str) -> str:
    """The execution name of a transaction's settlement: its id, checked against the API's rules."""
    if not EXECUTION_NAME.fullmatch(transaction_id):
        raise ValidationError(
            f"transaction id {transaction_id!r} is not a valid execution name (1-80 characters, no whitespace, "
            'brackets, wildcards or " # % \\ ^ | ~ ` $ & , ; : /)',
            param="transaction_id",
        )
    return transaction_id


def execution_input(transaction_id: str) -> str:
    """The workflow input; canonical (sorted keys, no spaces) so a restart sends identical bytes."""
    return json.dumps({"transaction_id": transaction_id}, separators=(",", ":"), sort_keys=True)


class StepFunctionsSettlementStarter:
    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._client = client
        self._state_machine_arn = state_machine_arn

    def start(self, transaction_id: str) -> StartOutcome:
        """Start the transaction's execution; ``already_started`` if it has one (running or closed)."""
        try:
            self._client.start_execution(
                stateMachineArn=self._state_machine_arn,
                name=execution_name(transaction_id),
                input=execution_input(transaction_id),
            )
        except ClientError as exc:
            if error_code(exc) == "ExecutionAlreadyExists":
                return "already_started"
            raise dependency_error("states", "StartExecution", exc) from exc
        except BotoCoreError as exc:
            raise dependency_error("states", "StartExecution", exc) from exc
        return "started"
