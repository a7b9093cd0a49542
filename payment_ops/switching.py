"""Turn one site's settlement path on or off: its stream pipe (StartPipe/StopPipe) and its sweep rule (EnableRule/
DisableRule). Each switch is read first (already in the wanted state: nothing to call), then flipped, then read
again to confirm; a dry run only reads. Nothing else of the site changes: its API keeps answering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from payment_ops.sites import Reach, Site, describe_failure

PLANNED, DONE, ALREADY = "planned", "done", "already"
UNREACHABLE, REFUSED, SKIPPED = "unreachable", "refused", "skipped"


@dataclass(frozen=True)
class Step:
    """One switch of one site and what happened to it."""

    site: Site
    action: str
    name: str
    outcome: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in (PLANNED, DONE, ALREADY)

    def line(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"  {self.site.role:<8} {self.site.region:<15} {self.action:<12} {self.name:<40} {self.outcome}{detail}"


@dataclass(frozen=True)
class _Switch:
    action: str
    name: str
    read: Any
    flip: Any
    wanted: str


def _switches(reach: Reach, site: Site, *, on: bool, quick: bool) -> list[_Switch]:
    pipes = reach.client("pipes", site.region, quick=quick)
    events = reach.client("events", site.region, quick=quick)
    pipe_state = f"DesiredState {'RUNNING' if on else 'STOPPED'}"
    rule_state = f"State {'ENABLED' if on else 'DISABLED'}"
    return [
        _Switch(
            "StartPipe" if on else "StopPipe",
            site.pipe,
            lambda: f"DesiredState {pipes.describe_pipe(Name=site.pipe)['DesiredState']}",
            lambda: (pipes.start_pipe if on else pipes.stop_pipe)(Name=site.pipe),
            pipe_state,
        ),
        _Switch(
            "EnableRule" if on else "DisableRule",
            site.sweep_rule,
            lambda: f"State {events.describe_rule(Name=site.sweep_rule)['State']}",
            lambda: (events.enable_rule if on else events.disable_rule)(Name=site.sweep_rule),
            rule_state,
        ),
    ]


def _flip(switch: _Switch, site: Site, apply: bool) -> Step:
    before = switch.read()
    if before == switch.wanted:
        return Step(site, switch.action, switch.name, ALREADY, before)
    if not apply:
        return Step(site, switch.action, switch.name, PLANNED, f"now {before}")
    switch.flip()
    after = switch.read()
    if after != switch.wanted:
        return Step(site, switch.action, switch.name, REFUSED, f"still {after} after the call")
    return Step(site, switch.action, switch.name, DONE, after)


def set_path(reach: Reach, site: Site, *, on: bool, apply: bool, quick: bool = False) -> list[Step]:
    """Flip (``apply``) or read both switches of ``site``; once the region does not answer, the rest is skipped."""
    steps: list[Step] = []
    for switch in _switches(reach, site, on=on, quick=quick):
        if steps and steps[-1].outcome == UNREACHABLE:
            steps.append(Step(site, switch.action, switch.name, SKIPPED, "the region did not answer"))
            continue
        try:
            steps.append(_flip(switch, site, apply))
        except Exception as exc:  # classified: unreachable (no answer) or refused (AWS said no)
            unreachable, text = describe_failure(exc)
            steps.append(Step(site, switch.action, switch.name, UNREACHABLE if unreachable else REFUSED, text))
    return steps


def reachable(reach: Reach, site: Site) -> str | None:
    """``None`` if the site's region answers (its pipe is read), else why not."""
    try:
        reach.client("pipes", site.region, quick=True).describe_pipe(Name=site.pipe)
    except Exception as exc:
        return describe_failure(exc)[1]
    return None
