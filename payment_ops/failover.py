"""Move settlement from one region to the other: ``make failover`` (to the standby) and ``make failback`` (home).

At any time at most one region's settlement path (stream pipe + sweep rule) is on: a payment settled by both would
be settled twice, and the tables are replicated asynchronously, so a conditional write in one region cannot see a
settlement the other has not replicated yet. Both commands therefore run in the same order:

1. switch the *source* path off (failover: the primary's, with short timeouts, since its region may be down;
   whatever does not answer is reported, and the command ends with exit status 1 so the operator repeats it once
   the region answers);
2. if the source answered: wait until its in-flight settlements are over and replicated (:mod:`payment_ops.catch_up`);
3. switch the *target* path on and print the target's stage URL (clients or the failover DNS record go there).

Failback needs both regions: it changes nothing unless the primary answers. If waiting times out, the target is not
started (settlement is then off in both regions; payments wait as ``pending`` and nothing is lost) and the command
says so; ``--force`` starts it anyway. Dry run unless ``--apply`` (``APPLY=1``): it reads every switch and prints
the plan. Exit status 0 done, 1 partly done (read the output), 2 nothing done (outputs, arguments, a region).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from payment_infra.config import ENVIRONMENT_NAMES
from payment_ops import catch_up
from payment_ops.sites import (
    DEFAULT_PRIMARY_TIMEOUT,
    Reach,
    Site,
    SiteError,
    describe_failure,
    load_sites,
    parse_endpoints,
)
from payment_ops.switching import UNREACHABLE, Step, reachable, set_path

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
DEFAULT_OUTPUTS_FILE = Path("cdktf.out/outputs.json")
DEFAULT_DRAIN_TIMEOUT = 300.0
DEFAULT_REPLICATION_TIMEOUT = 120.0


@dataclass
class Report:
    command: str
    apply: bool
    source: Site | None
    target: Site
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fatal: str | None = None
    target_on: bool = False

    @property
    def exit_code(self) -> int:
        if self.fatal:
            return EXIT_USAGE
        return EXIT_PARTIAL if self.problems else EXIT_OK


@dataclass(frozen=True)
class Waits:
    drain_timeout: float = DEFAULT_DRAIN_TIMEOUT
    replication_timeout: float = DEFAULT_REPLICATION_TIMEOUT
    force: bool = False
    drain: Callable[..., str | None] = catch_up.drain
    replicated: Callable[..., str | None] = catch_up.replicated


def _wait_for_source(report: Report, reach: Reach, source: Site, target: Site, waits: Waits) -> bool:
    """True when the source's settlements are over and replicated (or ``--force``); notes what was waited for."""
    if not report.apply:
        report.notes.append(
            f"would wait for {source.stack}'s queue and workflow to drain (up to "
            f"{waits.drain_timeout:g} s) and for a canary to replicate to {target.region} (up to "
            f"{waits.replication_timeout:g} s)"
        )
        return True
    try:
        late = waits.drain(reach, source, timeout=waits.drain_timeout) or waits.replicated(
            reach, source, target, timeout=waits.replication_timeout
        )
    except Exception as exc:
        late = f"could not check: {describe_failure(exc)[1]}"
    if late is None:
        report.notes.append(f"{source.stack}: nothing in flight, replicated to {target.region}")
        return True
    if waits.force:
        report.problems.append(f"{source.stack}: {late}; started {target.stack} anyway (--force)")
        return True
    report.problems.append(
        f"{source.stack}: {late}. {target.stack} was NOT started: settlement is off in both "
        "regions (payments wait as pending, nothing is lost). Re-run, or add --force / FORCE=1"
    )
    return False


def _switch_off_source(report: Report, reach: Reach, source: Site | None, *, quick: bool) -> bool | None:
    """Switch the source off; True: done, False: it refused (stop here), None: unreachable or unknown (go on)."""
    if source is None:
        report.problems.append(
            "no outputs of the primary: its settlement path was not switched off. Refresh them "
            "(make output STACK=payment-<env>) once its region answers and re-run"
        )
        return None
    steps = set_path(reach, source, on=False, apply=report.apply, quick=quick)
    report.steps += steps
    if any(step.outcome == UNREACHABLE for step in steps):
        report.problems.append(
            f"{source.region} did not answer: {source.stack}'s settlement path may still be on. "
            f"Re-run this command as soon as {source.region} answers, until it exits 0"
        )
        return None
    if not all(step.ok for step in steps):
        report.problems.append(
            f"{source.stack} refused to switch off: {report.target.stack} was NOT started "
            "(two regions settling could settle a payment twice). Fix it and re-run"
        )
        return False
    return True


def _switch_on_target(report: Report, reach: Reach, target: Site) -> None:
    steps = set_path(reach, target, on=True, apply=report.apply)
    report.steps += steps
    if all(step.ok for step in steps):
        report.target_on = report.apply
    else:
        report.problems.append(f"{target.stack}'s settlement path could not be switched on: see the steps above")


def failover(reach: Reach, primary: Site | None, standby: Site, *, apply: bool, waits: Waits = Waits()) -> Report:
    """Primary off (best effort: its region may be down), then the standby on."""
    report = Report("failover", apply, primary, standby)
    switched_off = _switch_off_source(report, reach, primary, quick=True)
    if switched_off is False:
        return report
    if switched_off and primary is not None and not _wait_for_source(report, reach, primary, standby, waits):
        return report
    _switch_on_target(report, reach, standby)
    return report


def failback(reach: Reach, primary: Site | None, standby: Site, *, apply: bool, waits: Waits = Waits()) -> Report:
    """The standby off, its settlements over and replicated, then the primary on; needs both regions."""
    if primary is None:
        report = Report("failback", apply, standby, standby)
        report.fatal = "no outputs of the primary stack: refresh them with make output STACK=payment-<env>"
        return report
    report = Report("failback", apply, standby, primary)
    why = reachable(reach, primary)
    if why is not None:
        report.fatal = f"the primary ({primary.region}) does not answer, nothing changed: {why}"
        return report
    if _switch_off_source(report, reach, standby, quick=False) is not True:
        return report
    if _wait_for_source(report, reach, standby, primary, waits):
        _switch_on_target(report, reach, primary)
    return report


def format_report(report: Report) -> str:
    source = report.source.stack if report.source else "the primary (outputs unknown)"
    lines = [
        f"{report.command.upper()}: {source} -> {report.target.stack} ({report.target.region})",
        "APPLY" if report.apply else "DRY RUN: nothing was changed (add --apply / APPLY=1 to act)",
    ]
    if report.fatal:
        return "\n".join([*lines, f"nothing done: {report.fatal}"])
    lines += [step.line() for step in report.steps]
    lines += [f"  {note}" for note in report.notes]
    lines += [f"PROBLEM: {problem}" for problem in report.problems]
    if report.target_on:
        lines.append(f"{report.target.role} serving: {report.target.url}")
        if report.target.custom_domain_url:
            lines.append(
                f"  clients of {report.target.custom_domain_url} follow the failover DNS record (Route 53 "
                "health check on the primary); others go to the URL above"
            )
    return "\n".join(lines)


def add_parsers(commands: Any) -> None:
    for name, run_flow, what in (
        ("failover", failover, "primary -> standby"),
        ("failback", failback, "standby -> primary"),
    ):
        parser = commands.add_parser(
            name,
            help=f"move settlement {what} (dry run by default)",
            description=__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("--env", required=True, choices=ENVIRONMENT_NAMES)
        parser.add_argument("--apply", action="store_true", help="really switch (default: dry run)")
        parser.add_argument(
            "--outputs-file",
            type=Path,
            action="append",
            dest="outputs_files",
            help=f"cdktf outputs JSON holding both stacks (repeatable; default {DEFAULT_OUTPUTS_FILE})",
        )
        parser.add_argument(
            "--endpoint-url",
            action="append",
            default=[],
            dest="endpoints",
            metavar="REGION=URL",
            help="AWS endpoint of a region (the local emulator, moto); repeatable",
        )
        parser.add_argument(
            "--primary-timeout",
            type=float,
            default=DEFAULT_PRIMARY_TIMEOUT,
            metavar="SECONDS",
            help=f"connect/read timeout towards a region that may be down (default {DEFAULT_PRIMARY_TIMEOUT:g})",
        )
        parser.add_argument("--drain-timeout", type=float, default=DEFAULT_DRAIN_TIMEOUT, metavar="SECONDS")
        parser.add_argument("--replication-timeout", type=float, default=DEFAULT_REPLICATION_TIMEOUT, metavar="SECONDS")
        parser.add_argument(
            "--force",
            action="store_true",
            help="switch the target on even if the source's settlements did not drain or replicate",
        )
        parser.set_defaults(run=lambda args, flow=run_flow: run(args, flow))


def run(args: argparse.Namespace, flow: Callable[..., Report], session: Any = None) -> int:
    try:
        primary, standby = load_sites(args.env, args.outputs_files or [DEFAULT_OUTPUTS_FILE])
        reach = Reach(parse_endpoints(args.endpoints), primary_timeout=args.primary_timeout, session=session)
    except SiteError as exc:
        print(f"{flow.__name__}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    waits = Waits(drain_timeout=args.drain_timeout, replication_timeout=args.replication_timeout, force=args.force)
    report = flow(reach, primary, standby, apply=args.apply, waits=waits)
    print(format_report(report), flush=True)
    return report.exit_code
