"""No autoscaled capacity is managed by Terraform: ``ignore_changes`` covers every scalable target.

When Application Auto Scaling owns a DynamoDB table's or GSI's capacity, a configured capacity resets it to the
configured value on every apply (and spends one of the day's capacity decreases). terraform-provider-aws's
``aws_dynamodb_table`` docs ask for ``ignore_changes`` on ``read_capacity``/``write_capacity``; a GSI's capacity
sits inside the set-nested ``global_secondary_index`` block, which ``ignore_changes`` can only ignore whole
(hashicorp/terraform-provider-aws#671).
"""

from __future__ import annotations

import re

from tests.apply_rules.support import REFERENCE, Stacks, broken, of_type


def scales_a_replica(stack: dict, resource_id: str) -> bool:
    """``table/<name>`` (or one of its indexes) of a global-table replica the stack reads (a standby's data source)."""
    names = [table["name"] for table in stack.get("data", {}).get("aws_dynamodb_table", {}).values()]
    return any(resource_id == f"table/{name}" or resource_id.startswith(f"table/{name}/index/") for name in names)


_TABLE_TARGET = re.compile(r"^table/(?P<table>\$\{[^}]+\})(?P<index>/index/.+)?$")
_DIMENSION_ATTRIBUTE = {"ReadCapacityUnits": "read_capacity", "WriteCapacityUnits": "write_capacity"}


def autoscaled_capacity_is_ignored(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        tables = of_type(stack, "aws_dynamodb_table")
        for target_id, target in of_type(stack, "aws_appautoscaling_target").items():
            where = f"{stack_id}: aws_appautoscaling_target.{target_id}"
            if target.get("service_namespace") != "dynamodb":
                problems.append(f"{where}: namespace {target.get('service_namespace')!r} is not known to this rule")
                continue
            match = _TABLE_TARGET.match(target.get("resource_id", ""))
            reference = REFERENCE.search(match["table"]) if match else None
            if match is None and scales_a_replica(stack, target.get("resource_id", "")):
                continue  # a standby scales its replica's reads: the primary's stack manages no replica capacity
            if reference is None or not reference["address"].startswith("aws_dynamodb_table."):
                problems.append(f"{where}: resource_id {target.get('resource_id')!r} names no table of this stack")
                continue
            table_id = reference["address"].split(".", 1)[1]
            ignored = set((tables.get(table_id, {}).get("lifecycle") or {}).get("ignore_changes", []))
            if match["index"]:
                needed = "global_secondary_index"
            else:
                needed = _DIMENSION_ATTRIBUTE.get(target.get("scalable_dimension", "").rsplit(":", 1)[-1], "?")
            if needed not in ignored and "all" not in ignored:
                problems.append(
                    f"{where} scales aws_dynamodb_table.{table_id}{match['index'] or ''}, whose lifecycle.ignore_changes "
                    f"lacks {needed!r}: every apply would reset the autoscaled capacity"
                )
    return problems


def test_autoscaled_capacity_is_ignored_holds(all_stacks: Stacks) -> None:
    assert autoscaled_capacity_is_ignored(all_stacks) == []
    assert of_type(all_stacks["payment-prod"], "aws_appautoscaling_target")  # the rule has something to hold


def test_autoscaled_capacity_is_ignored_catches_managed_gsi_capacity(all_stacks: Stacks) -> None:
    def manage_gsis(stack: dict) -> None:
        for table in stack["resource"]["aws_dynamodb_table"].values():
            if table.get("lifecycle"):
                table["lifecycle"]["ignore_changes"] = ["read_capacity", "write_capacity"]

    problems = autoscaled_capacity_is_ignored(broken(all_stacks, "payment-staging", manage_gsis))
    assert len(problems) == 4  # two GSIs x read/write
    assert all("lacks 'global_secondary_index'" in p and "/index/" in p for p in problems)


def test_autoscaled_capacity_is_ignored_catches_managed_table_capacity(all_stacks: Stacks) -> None:
    def manage_table(stack: dict) -> None:
        for table in stack["resource"]["aws_dynamodb_table"].values():
            table.pop("lifecycle", None)

    problems = autoscaled_capacity_is_ignored(broken(all_stacks, "payment-prod", manage_table))
    assert len(problems) == 6
    assert any("lacks 'read_capacity'" in p for p in problems) and any("lacks 'write_capacity'" in p for p in problems)
