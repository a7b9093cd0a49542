"""The stack's outputs as the emulator's resources answer them: what ``cdktf output`` would print for this stack.

Operator tools read names from the outputs file (``{stack: {output: value}}``, :mod:`scripts.stack_outputs`), so the
emulator writes the same file for its stacks (the failover drill) and the tools run unchanged. An output whose
references name nothing the emulator creates (a dashboard, an alarm) is left out, never guessed.
"""

from __future__ import annotations

import json
from typing import Any

from payment_local.stack import Stack, StackError


def local_outputs(stack: Stack, base_url: str) -> dict[str, Any]:
    """Every output the emulated resources resolve; ``base_url`` is the stage URL (``apigateway_url``)."""
    for logical_id in stack.resources("aws_api_gateway_stage"):
        stack.attributes[("aws_api_gateway_stage", logical_id)] = {"invoke_url": base_url}
    resolved = {}
    for name, spec in stack.document.get("output", {}).items():
        try:
            text = stack.resolve(json.dumps(spec["value"]))
        except StackError:
            continue
        if "${" not in text:
            resolved[name] = json.loads(text)
    return resolved
