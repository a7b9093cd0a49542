"""The stand-in's data source answers: right-shaped defaults, and ``TF_STANDIN_DATA`` overriding them per type.

Shown through Terraform core itself (a plan of a small configuration whose outputs are the answers), so what a
stack's quota or account check sees in tests/terraform is exactly what these tests pin.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from scripts.tf_standin import data_sources, terraform

pytestmark = pytest.mark.slow  # Terraform core: make test-slow runs it

QUOTAS = {"lambda_concurrency": ("lambda", "L-B99A9384"), "vpcs": ("vpc", "L-F678F1CE")}
CONFIG = {
    "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws"}}},
    "provider": {"aws": [{"region": "eu-west-1"}]},
    "data": {
        "aws_caller_identity": {"me": {}},
        "aws_partition": {"here": {}},
        "aws_region": {"here": {}},
        "aws_availability_zones": {"here": {}},
        "aws_servicequotas_service_quota": {
            name: {"service_code": service, "quota_code": code} for name, (service, code) in QUOTAS.items()
        },
        "aws_ssm_parameter": {"powertools": {"name": "/aws/service/powertools/python/arm64/python3.12/3.37.0"}},
    },
    "output": {
        "account_id": {"value": "${data.aws_caller_identity.me.account_id}"},
        "caller_arn": {"value": "${data.aws_caller_identity.me.arn}"},
        "partition": {"value": "${data.aws_partition.here.partition}"},
        "region": {"value": "${data.aws_region.here.name}"},
        "zones": {"value": "${data.aws_availability_zones.here.names}"},
        **{name: {"value": f"${{data.aws_servicequotas_service_quota.{name}.value}}"} for name in QUOTAS},
        "powertools_layer": {"value": "${data.aws_ssm_parameter.powertools.insecure_value}"},
    },
}


def _outputs(standin: terraform.StandIn, workdir: Path) -> dict:
    result = terraform.check(standin, terraform.workdir_copy(CONFIG, workdir))
    assert result.ok, result.output
    assert result.plan_json is not None
    return {name: out["value"] for name, out in result.plan_json["planned_values"]["outputs"].items()}


def test_defaults_have_the_shape_of_a_fresh_account(standin: terraform.StandIn, tmp_path: Path) -> None:
    outputs = _outputs(standin, tmp_path)

    assert len(outputs["account_id"]) == 12 and outputs["account_id"].isdigit()
    assert outputs["caller_arn"].startswith(f"arn:aws:sts::{outputs['account_id']}:")
    assert outputs["partition"] == "aws"
    assert outputs["region"] == "eu-west-1"  # the provider block's region
    assert outputs["zones"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert outputs["lambda_concurrency"] == 1000
    assert outputs["vpcs"] == 5
    # The Powertools release's public parameter holds a layer ARN of the runtime and architecture it names.
    assert outputs["powertools_layer"].startswith(
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:"
    )


def test_tf_standin_data_overrides_every_data_source_of_a_type(standin: terraform.StandIn, tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({
        "aws_servicequotas_service_quota": {"value": 10},
        "aws_caller_identity": {"account_id": "210987654321"},
    }))  # fmt: skip

    outputs = _outputs(dataclasses.replace(standin, data=answers), tmp_path / "stack")

    assert outputs["lambda_concurrency"] == 10 and outputs["vpcs"] == 10
    assert outputs["account_id"] == "210987654321"
    assert outputs["region"] == "eu-west-1"  # types not in the file keep their defaults


def test_tf_standin_data_is_read_from_the_environment(
    standin: terraform.StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"aws_region": {"name": "ap-south-2"}}))
    monkeypatch.setenv(data_sources.DATA_ENV, str(answers))

    assert _outputs(standin, tmp_path / "stack")["region"] == "ap-south-2"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"aws_no_such_thing": {"value": 1}}, "'aws_no_such_thing' is not a data source"),
        ({"aws_servicequotas_service_quota": {"valeu": 1}}, "aws_servicequotas_service_quota has no attribute valeu"),
        (["not", "a", "map"], "expected {"),
    ],
)
def test_a_bad_tf_standin_data_file_fails_the_plan_naming_the_mistake(
    standin: terraform.StandIn, tmp_path: Path, answers: object, message: str
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))

    result = terraform.check(dataclasses.replace(standin, data=path), terraform.workdir_copy(CONFIG, tmp_path / "s"))

    assert not result.ok
    assert message in " ".join(result.output.split()), result.output
