"""Apply-time rule: every log group an AWS service writes to on its own is managed by the stack.

A stage with method settings ``logging_level`` INFO or ERROR makes API Gateway write execution logs to
``API-Gateway-Execution-Logs_<rest api id>/<stage name>`` (API Gateway Developer Guide, "Set up CloudWatch
logging for REST APIs"); if the stack does not own that group, API Gateway creates it on the first request,
kept forever and without the logs CMK. The stage and its method settings must depend on the managed group, so
it exists before the first log line.

Setting the region's CloudWatch role (``aws_api_gateway_account``) makes API Gateway write a first message to
``/aws/apigateway/welcome``; unmanaged, that group too is created kept forever and without a CMK. The stack
holding the setting must manage it, and the setting must depend on it.
"""

from __future__ import annotations

from tests.apply_rules.support import REFERENCE, Stacks, broken, of_type
from tests.conftest import ACCOUNT_STACK

WELCOME_GROUP = "/aws/apigateway/welcome"


def _address(value: str) -> str | None:
    match = REFERENCE.search(value)
    return match["address"] if match else None


def service_log_group_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        groups = {f"aws_cloudwatch_log_group.{lid}": g for lid, g in of_type(stack, "aws_cloudwatch_log_group").items()}
        stages = of_type(stack, "aws_api_gateway_stage")
        for lid, settings in of_type(stack, "aws_api_gateway_method_settings").items():
            if (settings.get("settings") or {}).get("logging_level", "OFF") == "OFF":
                continue
            api = _address(settings["rest_api_id"])
            stage_names = [s["stage_name"] for s in stages.values() if _address(s["rest_api_id"]) == api]
            stage_name = settings["stage_name"]
            stage_address = _address(stage_name)
            if stage_address:
                stage_name = stages[stage_address.split(".", 1)[1]]["stage_name"]
            wanted = f"API-Gateway-Execution-Logs_${{{api}.id}}/{stage_name}"
            managed = [address for address, g in groups.items() if g.get("name") == wanted]
            if not managed:
                problems.append(
                    f"{stack_id}: aws_api_gateway_method_settings.{lid} logs at "
                    f"{settings['settings']['logging_level']} but no log group {wanted} is managed "
                    f"(stages {stage_names}); API Gateway would create it unencrypted, kept forever"
                )
                continue
            for address, body in [
                (f"aws_api_gateway_method_settings.{lid}", settings),
                *[
                    (f"aws_api_gateway_stage.{s}", b)
                    for s, b in stages.items()
                    if b["stage_name"] == stage_name and _address(b["rest_api_id"]) == api
                ],
            ]:
                if managed[0] not in body.get("depends_on", []):
                    problems.append(f"{stack_id}: {address} does not depend on {managed[0]}")
        for lid, account in of_type(stack, "aws_api_gateway_account").items():
            welcome = [address for address, g in groups.items() if g.get("name") == WELCOME_GROUP]
            if not welcome:
                problems.append(
                    f"{stack_id}: aws_api_gateway_account.{lid} but no log group {WELCOME_GROUP} is "
                    "managed; API Gateway would create it unencrypted, kept forever"
                )
            elif welcome[0] not in account.get("depends_on", []):
                problems.append(f"{stack_id}: aws_api_gateway_account.{lid} does not depend on {welcome[0]}")
    return list(dict.fromkeys(problems))


def test_service_log_groups_hold(all_stacks: Stacks) -> None:
    assert service_log_group_problems(all_stacks) == []


def test_service_log_groups_catch_an_unmanaged_execution_log_group(all_stacks: Stacks) -> None:
    def drop_execution_group(stack: dict) -> None:
        groups = stack["resource"]["aws_cloudwatch_log_group"]
        for lid in [lid for lid, g in groups.items() if g["name"].startswith("API-Gateway-Execution-Logs_")]:
            del groups[lid]

    problems = service_log_group_problems(broken(all_stacks, "payment-dev", drop_execution_group))
    # both method settings (the stage's and /health's) log at INFO
    assert len(problems) == 2 and all("no log group API-Gateway-Execution-Logs_" in p for p in problems)


def test_service_log_groups_catch_a_stage_created_before_its_log_group(all_stacks: Stacks) -> None:
    def no_dependency(stack: dict) -> None:
        for stage in stack["resource"]["aws_api_gateway_stage"].values():
            stage["depends_on"] = [d for d in stage.get("depends_on", []) if "execution_logs" not in d]

    problems = service_log_group_problems(broken(all_stacks, "payment-dev", no_dependency))
    assert len(problems) == 1 and "aws_api_gateway_stage." in problems[0]


def test_service_log_groups_catch_an_unmanaged_welcome_group_and_a_setting_made_first(all_stacks: Stacks) -> None:
    def drop_welcome(stack: dict) -> None:
        groups = stack["resource"]["aws_cloudwatch_log_group"]
        for lid in [lid for lid, g in groups.items() if g["name"] == WELCOME_GROUP]:
            del groups[lid]

    (problem,) = service_log_group_problems(broken(all_stacks, ACCOUNT_STACK, drop_welcome))
    assert f"no log group {WELCOME_GROUP} is managed" in problem

    def no_dependency(stack: dict) -> None:
        for account in stack["resource"]["aws_api_gateway_account"].values():
            account["depends_on"] = [d for d in account["depends_on"] if "welcome" not in d]

    (problem,) = service_log_group_problems(broken(all_stacks, ACCOUNT_STACK, no_dependency))
    assert "aws_api_gateway_account." in problem and "does not depend on aws_cloudwatch_log_group." in problem
