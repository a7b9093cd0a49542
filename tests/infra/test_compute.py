"""Lambda functions: one per application FunctionSpec, each with its own role, log group, VPC and limits."""

from __future__ import annotations

import zipfile

import pytest

from payment_infra.application import functions_module
from payment_infra.lambda_package import build_lambda_package, runtime_files
from tests.infra.synth_helpers import policy, ref, resources

MEMORY = {"dev": 512, "staging": 1024, "prod": 2048}
API_CONCURRENCY = {"dev": 10, "staging": 50, "prod": 200}
# Sized by need (issue 14): a liveness probe and the queue-paced workers reserve little.
HEALTH_CONCURRENCY = {"dev": 1, "staging": 2, "prod": 5}
WORKER_CONCURRENCY = {"dev": 2, "staging": 5, "prod": 20}
LOG_DAYS = {"dev": 7, "staging": 14, "prod": 30}
SPECS = {spec.name: spec for spec in functions_module().FUNCTIONS}


def _functions(stack: dict) -> dict[str, tuple[str, dict]]:
    return {f["function_name"]: (key, f) for key, f in resources(stack, "aws_lambda_function").items()}


def test_one_function_per_spec(stack: dict, env: str) -> None:
    assert set(_functions(stack)) == {f"payment-{name}-{env}" for name in SPECS}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_function_settings(stack: dict, env: str, name: str) -> None:
    spec = SPECS[name]
    _, fn = _functions(stack)[f"payment-{name}-{env}"]
    assert fn["handler"] == spec.handler
    assert fn["runtime"] == "python3.12" and fn["architectures"] == ["arm64"]
    assert fn["memory_size"] == MEMORY[env]
    assert fn["timeout"] == spec.timeout_seconds
    expected_concurrency = (
        API_CONCURRENCY[env] if name in {"transactions", "status"} else HEALTH_CONCURRENCY[env] if name == "health"
        else WORKER_CONCURRENCY[env]
    )  # fmt: skip
    assert fn["reserved_concurrent_executions"] == expected_concurrency
    assert fn["tracing_config"] == {"mode": "Active"}
    assert len(fn["vpc_config"]["subnet_ids"]) >= 2 and len(fn["vpc_config"]["security_group_ids"]) == 1
    assert fn["kms_key_arn"].startswith("${aws_kms_key.") and fn["dead_letter_config"]["target_arn"].startswith(
        "${aws_sqs_queue."
    )
    ((parameter_id, parameter),) = stack["data"]["aws_ssm_parameter"].items()  # one per stack, for every function
    assert parameter["name"] == "/aws/service/powertools/python/arm64/python3.12/3.37.0"
    assert fn["layers"] == [f"${{data.aws_ssm_parameter.{parameter_id}.insecure_value}}"]
    variables = fn["environment"]["variables"]
    assert set(variables) == set(functions_module().COMMON_ENVIRONMENT) | set(spec.environment)
    assert variables["ENVIRONMENT"] == env
    assert all(value != "" for value in variables.values())


def test_every_function_has_its_log_group_created_first(stack: dict, env: str) -> None:
    groups = {g["name"]: (k, g) for k, g in resources(stack, "aws_cloudwatch_log_group").items()}
    for name in SPECS:
        _, fn = _functions(stack)[f"payment-{name}-{env}"]
        group_key, group = groups[f"/aws/lambda/payment-{name}-{env}"]
        assert group["retention_in_days"] == LOG_DAYS[env]
        assert group["kms_key_id"].startswith("${aws_kms_key.")
        assert f"aws_cloudwatch_log_group.{group_key}" in fn["depends_on"]
        assert fn["logging_config"]["log_group"] == ref("aws_cloudwatch_log_group", group_key, "name")


def test_each_function_has_its_own_role_and_policy(stack: dict) -> None:
    roles = [fn["role"] for _, fn in _functions(stack).values()]
    assert len(roles) == len(set(roles))
    policies = resources(stack, "aws_iam_role_policy")
    for _, fn in _functions(stack).values():
        role_key = fn["role"].split(".")[1]
        attached = [p for p in policies.values() if p["role"] == ref("aws_iam_role", role_key)]
        assert len(attached) == 1
        trust = policy(resources(stack, "aws_iam_role")[role_key], "assume_role_policy")
        assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_settlement_consumes_the_fifo_queue_with_partial_batch_failures(stack: dict, env: str) -> None:
    (mapping,) = resources(stack, "aws_lambda_event_source_mapping").values()
    key, _ = _functions(stack)[f"payment-settlement-{env}"]
    assert mapping["function_name"] == ref("aws_lambda_function", key, "arn")
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    queue = next(
        k for k, q in resources(stack, "aws_sqs_queue").items() if q["name"] == f"transaction-queue-{env}.fifo"
    )
    assert mapping["event_source_arn"] == ref("aws_sqs_queue", queue, "arn")


def test_asset_hash_is_content_based_and_shared(stack: dict) -> None:
    package = build_lambda_package()
    hashes = {fn["source_code_hash"] for _, fn in _functions(stack).values()}
    assert hashes == {package.content_hash}
    assert all(package.content_hash in fn["filename"] for _, fn in _functions(stack).values())


def test_package_holds_only_runtime_files(tmp_path) -> None:
    source = tmp_path / "src"
    (source / "pkg" / "__pycache__").mkdir(parents=True)
    (source / "pkg" / "mod.py").write_text("x = 1\n")
    (source / "pkg" / "data.json").write_text("{}")
    (source / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (source / "notes.txt").write_text("no")
    first = build_lambda_package(source, tmp_path / "build")
    assert first.files == ("pkg/data.json", "pkg/mod.py")
    with zipfile.ZipFile(first.path) as archive:
        assert archive.namelist() == list(first.files)
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    zip_bytes = first.path.read_bytes()
    (source / "pkg" / "__pycache__" / "other.pyc").write_bytes(b"\1")
    first.path.unlink()
    again = build_lambda_package(source, tmp_path / "build")
    assert again.content_hash == first.content_hash and again.path.read_bytes() == zip_bytes  # byte-identical
    (source / "pkg" / "mod.py").write_text("x = 2\n")
    changed = build_lambda_package(source, tmp_path / "build")
    assert changed.content_hash != first.content_hash
    assert [p.name for p in (tmp_path / "build").iterdir()] == [changed.path.name]  # stale zips removed


def test_real_package_has_no_tests_or_caches() -> None:
    files = [p.as_posix() for p in runtime_files()]
    assert files and not [f for f in files if "__pycache__" in f or "/tests/" in f]
