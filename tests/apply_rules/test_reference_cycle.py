"""Apply-time rule: the reference graph of each stack has no cycle.

Terraform builds one graph from every ``${...}`` reference (in any string of a resource or data source body) and
every ``depends_on``; a cycle stops ``terraform plan`` with ``Error: Cycle`` before anything is created.
"""

from __future__ import annotations

from tests.apply_rules.support import REFERENCE, Stacks, broken, strings


def _nodes(stack: dict):
    for rtype, by_id in stack.get("resource", {}).items():
        for logical_id, body in by_id.items():
            yield f"{rtype}.{logical_id}", body
    for rtype, by_id in stack.get("data", {}).items():
        for logical_id, body in by_id.items():
            yield f"data.{rtype}.{logical_id}", body


def _graph(stack: dict) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for address, body in _nodes(stack):
        edges = {
            m["address"]
            for text in strings({k: v for k, v in body.items() if k != "depends_on"})
            for m in REFERENCE.finditer(text)
        }
        edges |= {dep for dep in body.get("depends_on", []) if dep.startswith(("aws_", "data."))}
        graph[address] = {edge for edge in edges if edge != address}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), so every cycle is reported, not the first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for edge in sorted(graph.get(node, ())):
            if edge not in index:
                visit(edge)
                low[node] = min(low[node], low[edge])
            elif edge in on_stack:
                low[node] = min(low[node], index[edge])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def reference_cycle_problems(stacks: Stacks) -> list[str]:
    problems = []
    for stack_id, stack in stacks.items():
        for component in _cycles(_graph(stack)):
            problems.append(
                f"{stack_id}: reference cycle between {', '.join(component)}; Terraform stops with 'Error: Cycle'"
            )
    return problems


def _new_problems(all_stacks: Stacks, stack_id: str, mutate) -> list[str]:
    """Problems of the broken copy that the real stacks do not have (so a catch test holds on any baseline)."""
    baseline = set(reference_cycle_problems(all_stacks))
    return [p for p in reference_cycle_problems(broken(all_stacks, stack_id, mutate)) if p not in baseline]


def test_reference_cycle_holds(all_stacks: Stacks) -> None:
    assert reference_cycle_problems(all_stacks) == []


def test_reference_cycle_catches_queue_and_dlq_naming_each_other(all_stacks: Stacks) -> None:
    def queue_dlq_cycle(stack: dict) -> None:
        queues = stack["resource"]["aws_sqs_queue"]
        queues["queue_x"] = {"redrive_policy": '{"deadLetterTargetArn":"${aws_sqs_queue.dlq_x.arn}"}'}
        queues["dlq_x"] = {"redrive_allow_policy": '{"sourceQueueArns":["${aws_sqs_queue.queue_x.arn}"]}'}

    problems = _new_problems(all_stacks, "payment-dev", queue_dlq_cycle)
    assert len(problems) == 1 and "aws_sqs_queue.queue_x" in problems[0] and "aws_sqs_queue.dlq_x" in problems[0]


def test_reference_cycle_catches_a_depends_on_loop(all_stacks: Stacks) -> None:
    def depends_on_loop(stack: dict) -> None:
        groups = stack["resource"].setdefault("aws_cloudwatch_log_group", {})
        groups["a_x"] = {"name": "a", "depends_on": ["aws_cloudwatch_log_group.b_x"]}
        groups["b_x"] = {"name": "${aws_cloudwatch_log_group.a_x.name}-b"}

    problems = _new_problems(all_stacks, "payment-dev", depends_on_loop)
    assert len(problems) == 1 and "a_x" in problems[0]
