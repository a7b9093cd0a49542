#!/usr/bin/env python3
"""The fixed monthly cost of each synthesized stack: what it costs before any traffic.

Reads ``cdktf.out/stacks/*/cdk.tf.json`` (``make synth`` first) and counts the resources billed by the hour or
the month whatever the traffic: interface VPC endpoints per AZ-hour, KMS keys, the WAF web ACL and its rules,
CloudWatch dashboards and alarms, and the provisioned DynamoDB capacity at its autoscaling minimum. Requests,
storage, log ingestion and data transfer are usage and are left out. Free tiers (first 3 dashboards, 10 alarms,
25 RCU/WCU per account) are ignored: several deployments share them.

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

from payment_infra import doc_blocks  # noqa: E402  (after the path set-up above)
from payment_infra.stack_ids import stack_ids  # noqa: E402

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

COLUMNS = ("interface endpoints", "KMS keys", "WAF", "CloudWatch", "DynamoDB minimum", "total")


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
    capacity_cost = 0.0
    for table in _resources(stack, "aws_dynamodb_table"):
        if table.get("billing_mode") != "PROVISIONED":
            continue
        parts = [table, *table.get("global_secondary_index", [])]
        reads = sum(p.get("read_capacity", 0) for p in parts)
        writes = sum(p.get("write_capacity", 0) for p in parts)
        capacity_cost += (reads * DYNAMODB_RCU_PER_HOUR + writes * DYNAMODB_WCU_PER_HOUR) * HOURS_PER_MONTH
    costs = {
        "interface endpoints": endpoint_az_hours * INTERFACE_ENDPOINT_PER_AZ_HOUR,
        "KMS keys": len(_resources(stack, "aws_kms_key")) * KMS_KEY_PER_MONTH,
        "WAF": sum(WAF_WEB_ACL_PER_MONTH + len(acl.get("rule", [])) * WAF_RULE_PER_MONTH for acl in acls),
        "CloudWatch": len(_resources(stack, "aws_cloudwatch_dashboard")) * CLOUDWATCH_DASHBOARD_PER_MONTH
        + sum(_alarm_metrics(a) for a in _resources(stack, "aws_cloudwatch_metric_alarm"))
        * CLOUDWATCH_ALARM_METRIC_PER_MONTH,
        "DynamoDB minimum": capacity_cost,
    }
    costs["total"] = sum(costs.values())
    return costs


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
    lines.append(
        f"USD per month before traffic; unit prices for {PRICES_REGION} noted {PRICES_DATE} (constants in "
        "`scripts/cost.py`), free tiers ignored."
    )
    return "\n".join(lines)


def load_stacks(stacks_dir: Path) -> dict[str, dict[str, Any]]:
    """Every stack under ``stacks_dir`` in deploy order (``stack_ids``: the account baseline, the environments in
    promotion order, the preview), then any other by name."""
    found = {p.name: json.loads((p / "cdk.tf.json").read_text()) for p in sorted(stacks_dir.iterdir())}
    order = {stack: index for index, stack in enumerate(stack_ids())}
    return dict(sorted(found.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))


def replace_block(readme: str, table: str) -> str:
    return doc_blocks.replace_block(readme, BEGIN, END, table)


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
