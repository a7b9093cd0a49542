"""JSON-logging functions let Lambda pass the lines Powertools is configured to write.

With ``logging_config.log_format = JSON`` Lambda sets ``AWS_LAMBDA_LOG_LEVEL`` from ``application_log_level``
(INFO when unset) and drops lines below it; Powertools gives ``AWS_LAMBDA_LOG_LEVEL`` precedence over
``POWERTOOLS_LOG_LEVEL`` (Powertools logger docs, "AWS Lambda Advanced Logging Controls"). So each such
function must set ``application_log_level`` to a value Lambda accepts whose Powertools meaning
(``LAMBDA_ADVANCED_LOGGING_LEVELS``) is the function's ``POWERTOOLS_LOG_LEVEL``.
"""

from __future__ import annotations

from aws_lambda_powertools.shared.constants import LAMBDA_ADVANCED_LOGGING_LEVELS

from tests.apply_rules.support import Stacks, broken, of_type

LAMBDA_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")  # the provider's validation.StringInSlice


def log_level_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in sorted(stacks.items()):
        for lid, function in sorted(of_type(stack, "aws_lambda_function").items()):
            config = function.get("logging_config") or {}
            if config.get("log_format") != "JSON":
                continue
            wanted = (function.get("environment") or {}).get("variables", {}).get("POWERTOOLS_LOG_LEVEL", "INFO")
            level = config.get("application_log_level")
            where = f"{stack_id}: aws_lambda_function.{lid}"
            if level not in LAMBDA_LOG_LEVELS:
                problems.append(
                    f"{where}: application_log_level = {level!r}; allowed {', '.join(LAMBDA_LOG_LEVELS)} "
                    f"(unset, Lambda filters at INFO whatever POWERTOOLS_LOG_LEVEL says)"
                )
            elif LAMBDA_ADVANCED_LOGGING_LEVELS[level] != wanted:
                problems.append(
                    f"{where}: application_log_level {level} is Powertools' "
                    f"{LAMBDA_ADVANCED_LOGGING_LEVELS[level]}, POWERTOOLS_LOG_LEVEL is {wanted}"
                )
    return problems


def test_log_level_rule_holds(all_stacks: Stacks) -> None:
    assert log_level_problems(all_stacks) == []


def test_log_level_rule_catches_an_unset_and_a_mismatched_level(all_stacks: Stacks) -> None:
    def edit(stack: dict) -> None:
        functions = iter(of_type(stack, "aws_lambda_function").values())
        del next(functions)["logging_config"]["application_log_level"]
        debug = next(functions)
        debug["environment"]["variables"]["POWERTOOLS_LOG_LEVEL"] = "DEBUG"

    problems = log_level_problems(broken(all_stacks, "payment-dev", edit))
    assert len(problems) == 2, problems
    assert "application_log_level = None" in " ".join(problems)
    assert "application_log_level INFO is Powertools' INFO, POWERTOOLS_LOG_LEVEL is DEBUG" in " ".join(problems)


def test_every_configured_level_maps_back_to_itself() -> None:
    from payment_infra.config import LAMBDA_APPLICATION_LOG_LEVELS, LOG_LEVELS

    assert set(LAMBDA_APPLICATION_LOG_LEVELS) == set(LOG_LEVELS)
    for level, lambda_level in LAMBDA_APPLICATION_LOG_LEVELS.items():
        assert lambda_level in LAMBDA_LOG_LEVELS and LAMBDA_ADVANCED_LOGGING_LEVELS[lambda_level] == level
