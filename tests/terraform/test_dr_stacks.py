"""Terraform core validates and plans the disaster-recovery stacks through the stand-in: the standby, its region's
baseline and prod with DNS failover (replica blocks, aws_kms_replica_key, S3 replication, Route 53, ACM)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from scripts.tf_standin import terraform
from tests.terraform.test_stacks import _assert_plans_exactly, _assert_valid_and_planned

pytestmark = pytest.mark.slow  # Terraform core: make test-slow runs it


def _all(dr_stacks: dict, dns_stacks: dict) -> dict[str, dict]:
    return {
        **dr_stacks,
        "dns/payment-prod": dns_stacks["payment-prod"],
        "dns/payment-prod-dr": dns_stacks["payment-prod-dr"],
    }


def test_terraform_validates_and_plans_every_dr_stack(
    dr_terraform_results: dict, dr_stacks: dict, dns_stacks: dict
) -> None:
    for name, stack in _all(dr_stacks, dns_stacks).items():
        result = dr_terraform_results[name]
        _assert_valid_and_planned(result)
        _assert_plans_exactly(result, stack)
        assert result.plan_json is not None
        assert set(result.plan_json.get("output_changes", {})) == set(stack.get("output", {})), name


def test_the_dns_plan_holds_the_route53_and_acm_resources(dr_terraform_results: dict) -> None:
    planned = {c["type"] for c in dr_terraform_results["dns/payment-prod"].plan_json["resource_changes"]}
    assert {
        "aws_route53_health_check",
        "aws_route53_record",
        "aws_acm_certificate",
        "aws_acm_certificate_validation",
        "aws_api_gateway_domain_name",
        "aws_api_gateway_base_path_mapping",
        "aws_kms_replica_key",
        "aws_s3_bucket_replication_configuration",
    } <= planned


def test_a_standby_plan_stops_until_its_primary_stored_the_keys(
    standin: terraform.StandIn, dr_stacks: dict, synth_dir, tmp_path
) -> None:
    """Deploying payment-prod-dr before payment-prod: its replicated secret holds no key yet."""
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"aws_secretsmanager_secret_version": {"secret_string": "{}"}}))
    workdir = terraform.workdir_copy(
        dr_stacks["payment-prod-dr"], tmp_path / "standby", synth_dir / "stacks" / "payment-prod" / "assets"
    )
    result = terraform.check(dataclasses.replace(standin, data=answers), workdir)
    assert result.plan is not None and result.plan.returncode != 0
    assert "holds no value for default/v1: deploy the primary payment-prod first" in " ".join(result.output.split())
