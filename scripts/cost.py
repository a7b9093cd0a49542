#!/usr/bin/env python3
"""The fixed monthly cost of each synthesized stack: what it costs before any traffic.

Reads ``cdktf.out/stacks/*/cdk.tf.json`` (``make synth`` first) and counts the resources billed by the hour or
the month whatever the traffic: interface VPC endpoints per AZ-hour, KMS keys (replica keys too), the WAF web ACL
and its rules, CloudWatch dashboards and alarms, the provisioned DynamoDB capacity at its autoscaling minimum
(a global table's replica counts like its table: write capacity is kept equal across replicas, and the standby
scales the replica's reads from the same minimum), Secrets Manager secrets and their replicas, and Route 53 health
checks. Requests, storage, replicated writes, log ingestion and data transfer are usage and are left out. Free tiers
(first 3 dashboards, 10 alarms, 25 RCU/WCU per account) are ignored: several deployments share them.

Disaster recovery (``dr.enabled``): the standby stacks (``*-dr``) are rows of their own, and the line under the
table sums what DR adds: those rows plus the primary's replica capacity, replica and multi-region keys, secret and
health check.

Usage: scripts/cost.py [--stacks DIR] [--update-readme]
    prints the Markdown table; --update-readme writes it between the README's cost-table markers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from payment_infra import readme_blocks  # noqa: E402  (after the path set-up above)

README = REPO_ROOT / "README.md"
BEGIN, END = "<!-- cost-table:begin (scripts/cost.py --update-readme) -->", "<!-- cost-table:end -->"

# Unit prices in USD, AWS public price list for ap-northeast-2 (Seoul), noted 2026-12. Other regions differ by a few
# per cent; re-check at https://calculator.aws before relying on a figure.
PRICES_REGION = "ap-northeast-2"
PRICES_DATE = "2026-12"
HOURS_PER_MONTH = 730
INTERFACE_ENDPOINT_PER_AZ_HOUR = 0.013
KMS_KEY_PER_MONTH = 1.00
WAF_WEB_ACL_PER_MONTH = 5.00
WAF_RULE_PER_MONTH = 1.00  # each rule or managed rule group in a web ACL
CLOUDWATCH_DASHBOARD_PER_MONTH = 3.00
CLOUDWATCH_ALARM_METRIC_PER_MONTH = 0.10  # standard resolution, per metric an alarm evaluates
DYNAMODB_WCU_PER_HOUR = 0.0007049
DYNAMODB_RCU_PER_HOUR = 0.0001410
# Since November 2024 a global table's replicated write unit costs what a write unit costs (AWS price reduction).
SECRET_PER_MONTH = 0.40  # Secrets Manager, per secret and per replica
# Route 53 health checks, the non-AWS-endpoint prices (the conservative reading for an execute-api host): the check,
# plus each optional feature used (HTTPS, the 10-second "fast" interval).
HEALTH_CHECK_PER_MONTH = 0.75
HEALTH_CHECK_FEATURE_PER_MONTH = 2.00
FAST_INTERVAL_SECONDS = 10

COLUMNS = ("interface endpoints", "KMS keys", "WAF", "CloudWatch", "DynamoDB minimum", "Secrets, Route 53", "total")


def _resources(stack: Mapping[str, Any], rtype: str) -> list[dict[str, Any]]:
    return list(stack.get("resource", {}).get(rtype, {}).values())


def _alarm_metrics(alarm: Mapping[str, Any]) -> int:
    queries = alarm.get("metric_query") or []
    return sum(1 for q in queries if "metric" in q) if queries else 1


def fixed_monthly_cost(stack: Mapping[str, Any]) -> dict[str, float]:
    """USD per month by column of ``COLUMNS`` for one parsed stack."""
    endpoint_az_hours = sum(
        len(e.get("subnet_ids", [])) * HOURS_PER_MONTH
        for e in _resources(stack, "aws_vpc_endpoint")
        if e.get("vpc_endpoint_type") == "Interface"
    )
    acls = _resources(stack, "aws_wafv2_web_acl")
    costs = {
        "interface endpoints": endpoint_az_hours * INTERFACE_ENDPOINT_PER_AZ_HOUR,
        "KMS keys": (len(_resources(stack, "aws_kms_key")) + len(_resources(stack, "aws_kms_replica_key")))
        * KMS_KEY_PER_MONTH,
        "WAF": sum(WAF_WEB_ACL_PER_MONTH + len(acl.get("rule", [])) * WAF_RULE_PER_MONTH for acl in acls),
        "CloudWatch": len(_resources(stack, "aws_cloudwatch_dashboard")) * CLOUDWATCH_DASHBOARD_PER_MONTH
        + sum(_alarm_metrics(a) for a in _resources(stack, "aws_cloudwatch_metric_alarm"))
        * CLOUDWATCH_ALARM_METRIC_PER_MONTH,
        "DynamoDB minimum": sum(_capacity_cost(table) for table in _resources(stack, "aws_dynamodb_table")),
        "Secrets, Route 53": _secrets_and_health_checks(stack),
    }
    costs["total"] = sum(costs.values())
    return costs


def _capacity_cost(table: Mapping[str, Any], replicas: bool = True) -> float:
    """The table's provisioned minimum per month, and each replica's alike (``replicas``)."""
    if table.get("billing_mode") != "PROVISIONED":
        return 0.0
    parts = [table, *table.get("global_secondary_index", [])]
    reads = sum(p.get("read_capacity", 0) for p in parts)
    writes = sum(p.get("write_capacity", 0) for p in parts)
    copies = 1 + (len(table.get("replica", [])) if replicas else 0)
    return copies * (reads * DYNAMODB_RCU_PER_HOUR + writes * DYNAMODB_WCU_PER_HOUR) * HOURS_PER_MONTH


def _secrets_and_health_checks(stack: Mapping[str, Any]) -> float:
    secrets = sum(1 + len(s.get("replica", [])) for s in _resources(stack, "aws_secretsmanager_secret"))
    checks = 0.0
    for check in _resources(stack, "aws_route53_health_check"):
        features = (check.get("type") == "HTTPS") + (check.get("request_interval") == FAST_INTERVAL_SECONDS)
        checks += HEALTH_CHECK_PER_MONTH + features * HEALTH_CHECK_FEATURE_PER_MONTH
    return secrets * SECRET_PER_MONTH + checks


def disaster_recovery_cost(stacks: Mapping[str, Mapping[str, Any]]) -> float:
    """What DR adds per month: the ``*-dr`` stacks, and in their primaries the replicas, the replica keys, the
    multi-region key (the single-region one stays), the secret and the health check."""
    total = 0.0
    for stack_id, stack in stacks.items():
        if stack_id.endswith("-dr"):
            total += fixed_monthly_cost(stack)["total"]
            continue
        tables = _resources(stack, "aws_dynamodb_table")
        total += sum(_capacity_cost(t) - _capacity_cost(t, replicas=False) for t in tables)
        multi_region = sum(1 for key in _resources(stack, "aws_kms_key") if key.get("multi_region"))
        total += (len(_resources(stack, "aws_kms_replica_key")) + multi_region) * KMS_KEY_PER_MONTH
        total += _secrets_and_health_checks(stack)
    return total


def cost_table(stacks: Mapping[str, Mapping[str, Any]]) -> str:
    """The Markdown table, one row per stack (in the order given)."""
    lines = [
        f"| stack | {' | '.join(COLUMNS)} |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    for stack_id, stack in stacks.items():
        costs = fixed_monthly_cost(stack)
        lines.append(f"| `{stack_id}` | " + " | ".join(f"{costs[c]:,.2f}" for c in COLUMNS) + " |")
    lines.append("")
    dr = disaster_recovery_cost(stacks)
    if dr:
        lines.append(
            f"Disaster recovery adds {dr:,.2f} USD per month: the `-dr` rows, plus the replicas, replica and "
            "multi-region keys, secret and health check in their primaries' rows.\n"
        )
    lines.append(
        f"USD per month before traffic; unit prices for {PRICES_REGION} noted {PRICES_DATE} (constants in "
        "`scripts/cost.py`), free tiers ignored."
    )
    return "\n".join(lines)


def load_stacks(stacks_dir: Path) -> dict[str, dict[str, Any]]:
    """Every stack under ``stacks_dir``: the account baseline first, then the environments as synthesized."""
    found = {p.name: json.loads((p / "cdk.tf.json").read_text()) for p in sorted(stacks_dir.iterdir())}
    order = {"payment-account": 0, "payment-dev": 1, "payment-staging": 2, "payment-prod": 3, "payment-account-dr": 4,
             "payment-prod-dr": 5}  # fmt: skip
    return dict(sorted(found.items(), key=lambda item: (order.get(item[0], 9), item[0])))


def replace_block(readme: str, table: str) -> str:
    return readme_blocks.replace_block(readme, BEGIN, END, table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=Path, default=REPO_ROOT / "cdktf.out" / "stacks")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args(argv)
    if not args.stacks.is_dir():
        print(f"no synthesized stacks under {args.stacks}: run `make synth` first", file=sys.stderr)
        return 2
    table = cost_table(load_stacks(args.stacks))
    if args.update_readme:
        README.write_text(replace_block(README.read_text(), table))
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
