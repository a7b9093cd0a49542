"""Each class of error Terraform core finds, shown on a deliberately broken copy of the dev stack.

So the check in test_stacks.py cannot pass by accident: the stand-in provider must serve a schema strict enough for
Terraform to reject each of these, and Terraform must name the resource and the mistake.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from scripts.tf_standin import terraform
from tests.terraform.conftest import check_all

pytestmark = pytest.mark.slow  # Terraform core: make test-slow runs it

REFERENCE = re.compile(r"\$\{(aws_sqs_queue\.[A-Za-z0-9_]+)\.arn\}")


def _one(stack: dict, rtype: str, predicate: Callable[[dict], bool] = lambda body: True) -> tuple[str, dict]:
    matches = [(i, body) for i, body in stack["resource"][rtype].items() if predicate(body)]
    assert matches, f"no {rtype} to break"
    return f"{rtype}.{matches[0][0]}", matches[0][1]


def without_redrive_cycle(stack: dict) -> dict:
    """``stack`` with any DLQ ``redrive_allow_policy`` moved to an ``aws_sqs_queue_redrive_allow_policy``.

    The base of every case, so each shows one error: today's stacks still carry that queue <-> DLQ cycle, which
    Terraform reports before anything else. Once the stacks use the separate resource this changes nothing.
    """
    queues = stack["resource"]["aws_sqs_queue"]
    for logical_id, queue in queues.items():
        if "redrive_allow_policy" in queue:
            stack["resource"].setdefault("aws_sqs_queue_redrive_allow_policy", {})[f"{logical_id}_allow"] = {
                "queue_url": "${aws_sqs_queue." + logical_id + ".url}",
                "redrive_allow_policy": queue.pop("redrive_allow_policy"),
            }
    return stack


def redrive_cycle(stack: dict) -> str:
    """The queue names its DLQ in redrive_policy; make the DLQ name the queue in redrive_allow_policy."""
    address, queue = _one(stack, "aws_sqs_queue", lambda body: "redrive_policy" in body)
    dlq = REFERENCE.search(queue["redrive_policy"]).group(1)
    stack["resource"]["aws_sqs_queue"][dlq.split(".")[1]]["redrive_allow_policy"] = (
        '{"redrivePermission":"byQueue","sourceQueueArns":["${' + address + '.arn}"]}'
    )
    return address


def misspelled_attribute(stack: dict) -> str:
    address, queue = _one(stack, "aws_sqs_queue", lambda body: "visibility_timeout_seconds" in body)
    queue["visibilty_timeout_seconds"] = queue.pop("visibility_timeout_seconds")
    return address


def wrong_value_type(stack: dict) -> str:
    address, function = _one(stack, "aws_lambda_function")
    function["memory_size"] = {"megabytes": 512}
    return address


def missing_required_argument(stack: dict) -> str:
    address, function = _one(stack, "aws_lambda_function")
    del function["role"]
    return address


def reference_to_missing_attribute(stack: dict) -> str:
    address, function = _one(stack, "aws_lambda_function")
    queue = next(iter(stack["resource"]["aws_sqs_queue"]))
    function["description"] = "${aws_sqs_queue." + queue + ".no_such_attribute}"
    return address


def too_many_blocks(stack: dict) -> str:
    address, function = _one(stack, "aws_lambda_function", lambda body: "vpc_config" in body)
    function["vpc_config"] = [function["vpc_config"], function["vpc_config"]]
    return address


def too_few_blocks(stack: dict) -> str:
    address, acl = _one(stack, "aws_wafv2_web_acl")
    del acl["visibility_config"]
    return address


def block_as_string(stack: dict) -> str:
    address, function = _one(stack, "aws_lambda_function", lambda body: "tracing_config" in body)
    function["tracing_config"] = "Active"
    return address


def unknown_resource_type(stack: dict) -> str:
    logical_id, queue = next(iter(stack["resource"]["aws_sqs_queue"].items()))
    stack["resource"]["aws_sqs_queu"] = {logical_id: dict(queue)}
    return '"aws_sqs_queu": {'  # Terraform names the type, not an address


# breakage -> what Terraform must say (every line must appear)
CASES: dict[Callable[[dict], str], list[str]] = {
    redrive_cycle: ["Error: Cycle:", "aws_sqs_queue."],
    misspelled_attribute: [
        "Error: Extraneous JSON object property",
        'No argument or block type is named "visibilty_timeout_seconds". Did you mean "visibility_timeout_seconds"?',
    ],
    wrong_value_type: [
        "Error: Incorrect attribute value type",
        'Inappropriate value for attribute "memory_size": number required.',
    ],
    missing_required_argument: ["Error: Missing required argument", 'The argument "role" is required'],
    reference_to_missing_attribute: ["Error: Unsupported attribute", '"no_such_attribute"'],
    too_many_blocks: ["Error: Too many vpc_config blocks", 'No more than 1 "vpc_config" blocks are allowed'],
    too_few_blocks: ["Error: Insufficient visibility_config blocks", 'At least 1 "visibility_config" blocks are'],
    block_as_string: ["Error: Incorrect JSON value type", '"tracing_config"'],
    unknown_resource_type: [
        "Error: Invalid resource type",
        'does not support resource type "aws_sqs_queu". Did you mean "aws_sqs_queue"?',
    ],
}


@pytest.fixture(scope="session")
def broken_results(
    standin: terraform.StandIn, stacks: dict[str, dict], synth_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[str, terraform.Result]]:
    """``{case name: (broken resource address, validate result)}``, all cases validated in parallel."""
    configs, addresses = {}, {}
    for breakage in CASES:
        config = without_redrive_cycle(copy.deepcopy(stacks["dev"]))
        addresses[breakage.__name__] = breakage(config)
        configs[breakage.__name__] = config
    configs["unbroken"], addresses["unbroken"] = without_redrive_cycle(copy.deepcopy(stacks["dev"])), ""
    assets = synth_dir / "stacks" / "payment-dev" / "assets"
    results = check_all(standin, configs, tmp_path_factory.mktemp("tf-broken"), assets, plan=False)
    return {name: (addresses[name], result) for name, result in results.items()}


def test_the_base_of_the_broken_copies_is_valid(broken_results: dict) -> None:
    """Without a breakage the base validates: each case fails for its own reason only."""
    _, result = broken_results["unbroken"]

    assert result.validate.returncode == 0, result.output


@pytest.mark.parametrize("breakage", list(CASES), ids=lambda b: b.__name__)
def test_terraform_reports(broken_results: dict, breakage: Callable[[dict], str]) -> None:
    address, result = broken_results[breakage.__name__]
    out = " ".join(result.output.split())  # Terraform wraps long lines

    assert result.validate.returncode != 0, out
    for expected in CASES[breakage]:
        assert " ".join(expected.split()) in out, f"{expected!r} not in:\n{result.output}"
    assert address in out, f"the error does not name {address}:\n{result.output}"
