"""scripts/cost.py: the fixed monthly cost per stack, and the README table it generates."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from payment_infra.stack_ids import stack_ids
from tests.conftest import ACCOUNT_STACK, ENVIRONMENTS, REPO_ROOT


def _cost_module():
    spec = importlib.util.spec_from_file_location("payment_cost_script", REPO_ROOT / "scripts" / "cost.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


cost = _cost_module()


PREVIEW = "payment-pr-123"  # the README's preview row: `make cost COST_UPDATE_README=1 ENV=pr-123`
DEV_BUDGET_USD = 40  # the product spec: dev costs at most this a month before traffic


@pytest.fixture(scope="module")
def ordered_stacks(
    stacks: dict[str, dict], account_stack: dict, side_by_side: dict[str, dict], dr_stacks: dict[str, dict]
) -> dict[str, dict]:
    """Every stack in deploy order (stack_ids: prod's standby and its region's baseline included), then the preview."""
    by_id = {ACCOUNT_STACK: account_stack, **{f"payment-{env}": stacks[env] for env in ENVIRONMENTS}, **dr_stacks}
    return {**{stack: by_id[stack] for stack in stack_ids({})}, PREVIEW: side_by_side[PREVIEW]}


def test_readme_table_equals_the_scripts_output(ordered_stacks: dict[str, dict]) -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    block = readme.split(cost.BEGIN, 1)[1].split(cost.END, 1)[0].strip()
    assert block == cost.cost_table(ordered_stacks), "run `make cost COST_UPDATE_README=1 ENV=pr-123`"


def test_costs_of_the_real_stacks(ordered_stacks: dict[str, dict]) -> None:
    dev = cost.fixed_monthly_cost(ordered_stacks["payment-dev"])
    # SQS + Step Functions interface endpoints in dev's one endpoint AZ: 2 AZ-endpoints x 730 h.
    assert dev["interface endpoints"] == pytest.approx(2 * 730 * cost.INTERFACE_ENDPOINT_PER_AZ_HOUR)
    assert dev["DynamoDB minimum"] == 0  # on-demand
    assert dev["total"] <= DEV_BUDGET_USD
    prod = cost.fixed_monthly_cost(ordered_stacks["payment-prod"])
    assert prod["interface endpoints"] == pytest.approx(4 * 730 * cost.INTERFACE_ENDPOINT_PER_AZ_HOUR)
    staging = cost.fixed_monthly_cost(ordered_stacks["payment-staging"])
    # table + 2 GSIs at the autoscaling minimum of 5 RCU and 5 WCU each
    expected = 15 * 730 * (cost.DYNAMODB_RCU_PER_HOUR + cost.DYNAMODB_WCU_PER_HOUR)
    assert staging["DynamoDB minimum"] == pytest.approx(expected)
    account = cost.fixed_monthly_cost(ordered_stacks[ACCOUNT_STACK])
    # the shared preview network's two interface endpoints in one AZ, and the account's logs key
    assert account["interface endpoints"] == pytest.approx(2 * 730 * cost.INTERFACE_ENDPOINT_PER_AZ_HOUR)
    assert account["KMS keys"] == cost.KMS_KEY_PER_MONTH


def test_the_table_shows_what_disaster_recovery_adds(ordered_stacks: dict[str, dict]) -> None:
    prod = cost.fixed_monthly_cost(ordered_stacks["payment-prod"])
    staging = cost.fixed_monthly_cost(ordered_stacks["payment-staging"])
    # prod's tables and their replicas (25 RCU/WCU minimum on the table and each GSI), twice
    assert prod["DynamoDB minimum"] == pytest.approx(
        2 * 3 * 25 * 730 * (cost.DYNAMODB_RCU_PER_HOUR + cost.DYNAMODB_WCU_PER_HOUR)
    )
    assert prod["KMS keys"] == 6 * cost.KMS_KEY_PER_MONTH  # 4 + the multi-region data key + its replica
    assert prod["Secrets, Route 53"] == pytest.approx(2 * cost.SECRET_PER_MONTH)  # the keys' secret and its replica
    assert staging["Secrets, Route 53"] == 0
    standby = cost.fixed_monthly_cost(ordered_stacks["payment-prod-dr"])
    assert standby["DynamoDB minimum"] == 0 and standby["WAF"] == prod["WAF"]
    expected = (
        standby["total"]
        + cost.fixed_monthly_cost(ordered_stacks["payment-account-dr"])["total"]
        + prod["DynamoDB minimum"] / 2
        + 2 * cost.KMS_KEY_PER_MONTH
        + 2 * cost.SECRET_PER_MONTH
    )
    assert cost.disaster_recovery_cost(ordered_stacks) == pytest.approx(expected)
    assert f"Disaster recovery adds {expected:,.2f} USD per month" in cost.cost_table(ordered_stacks)
    without = {k: v for k, v in ordered_stacks.items() if k in (ACCOUNT_STACK, "payment-dev")}
    assert "Disaster recovery" not in cost.cost_table(without)


def test_dns_failover_adds_its_health_check(dns_stacks: dict[str, dict]) -> None:
    check = cost.fixed_monthly_cost(dns_stacks["payment-prod"])["Secrets, Route 53"] - 2 * cost.SECRET_PER_MONTH
    # an HTTPS check at the fast (10 s) interval: the check and two optional features
    assert check == pytest.approx(cost.HEALTH_CHECK_PER_MONTH + 2 * cost.HEALTH_CHECK_FEATURE_PER_MONTH)


def test_each_billed_resource_is_counted() -> None:
    stack = {
        "resource": {
            "aws_vpc_endpoint": {
                "a": {"vpc_endpoint_type": "Interface", "subnet_ids": ["s1", "s2", "s3"]},
                "b": {"vpc_endpoint_type": "Gateway", "route_table_ids": ["r"]},
            },
            "aws_kms_key": {"k1": {}, "k2": {}},
            "aws_wafv2_web_acl": {"w": {"rule": [{}, {}, {}]}},
            "aws_cloudwatch_dashboard": {"d": {}},
            "aws_cloudwatch_metric_alarm": {
                "single": {"metric_name": "Errors"},
                "math": {"metric_query": [{"metric": {}}, {"metric": {}}, {"expression": "m1/m2"}]},
            },
            "aws_dynamodb_table": {
                "t": {"billing_mode": "PROVISIONED", "read_capacity": 10, "write_capacity": 2,
                      "global_secondary_index": [{"read_capacity": 1, "write_capacity": 1}]},
            },
        }
    }  # fmt: skip
    costs = cost.fixed_monthly_cost(stack)
    assert costs["interface endpoints"] == pytest.approx(3 * 730 * cost.INTERFACE_ENDPOINT_PER_AZ_HOUR)
    assert costs["KMS keys"] == 2 * cost.KMS_KEY_PER_MONTH
    assert costs["WAF"] == cost.WAF_WEB_ACL_PER_MONTH + 3 * cost.WAF_RULE_PER_MONTH
    assert costs["CloudWatch"] == pytest.approx(cost.CLOUDWATCH_DASHBOARD_PER_MONTH + 3 * 0.10)
    assert costs["DynamoDB minimum"] == pytest.approx(
        730 * (11 * cost.DYNAMODB_RCU_PER_HOUR + 3 * cost.DYNAMODB_WCU_PER_HOUR)
    )
    assert costs["total"] == pytest.approx(sum(v for k, v in costs.items() if k != "total"))


def test_replace_block_needs_the_markers() -> None:
    with pytest.raises(ValueError, match="cost-table"):
        cost.replace_block("# README without the block\n", "| table |")
    assert cost.replace_block(f"a\n{cost.BEGIN}\nold\n{cost.END}\nb", "new") == f"a\n{cost.BEGIN}\nnew\n{cost.END}\nb"


def test_a_dev_profile_preview_costs_dev_without_the_endpoints(side_by_side: dict[str, dict]) -> None:
    """README: a preview pays its profile's cost minus the interface endpoints (the shared network's, in the
    account baseline's row)."""
    dev = cost.fixed_monthly_cost(side_by_side["payment-dev"])
    preview = cost.fixed_monthly_cost(side_by_side["payment-pr-123"])
    assert preview["interface endpoints"] == 0 and dev["interface endpoints"] > 0
    assert preview["total"] == pytest.approx(dev["total"] - dev["interface endpoints"]) and preview["total"] > 0
    assert "| `payment-pr-123` |" in cost.cost_table({"payment-pr-123": side_by_side["payment-pr-123"]})
