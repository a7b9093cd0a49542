"""``make failover-drill``: prod loses its region, fails over to the warm standby, comes back and fails back, locally.

Both stacks are served from their synthesized JSON in their two emulated regions (:mod:`payment_local.two_regions`:
global tables and receipts replicated asynchronously, a region failed by refusing its endpoint and freezing its
emulator). The drill, step by step, as an operator would see it:

1. payments created and settled in the primary, and read back from the standby once replicated;
2. the primary region fails; a health probe of the primary's ``/health`` detects it;
3. ``payment_ops failover --apply`` (what ``make failover APPLY=1`` runs) against the emulator's endpoints: the
   primary does not answer (its switches are reported unreachable), the standby's pipe and sweep rule go on;
4. every earlier transaction is read from the standby, an Idempotency-Key used before the outage returns the same
   transaction, and new payments settle there;
5. the primary region comes back (its path still on: the failover could not reach it); ``failover`` is run again, as
   its output asks, then ``failback``; a payment settles in the primary again;
6. no transaction was settled in two regions (the global tables' journal of each region's own writes), and both
   regions read every transaction alike.

It prints RPO as the replication lag measured on every replicated change, and RTO from the outage's detection to
the standby accepting and settling (the failover command done, its first payment settled). Exit status 0 when every
check passed, 1 otherwise; ``--report-file`` writes the figures and checks as JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess  # nosec B404 - runs this repository's payment_ops CLI, fixed argv
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from payment_local.drill_checks import Check, lag_summary, same_transactions, settled_twice
from payment_local.drill_observe import outcomes_by_region
from payment_local.process import child_environment
from payment_local.stack import REPO_ROOT
from payment_local.two_regions import Site, TwoRegions

FINAL = ("succeeded", "failed")


@dataclass(frozen=True)
class Options:
    env: str = "prod"
    payments: int = 5
    standby_payments: int = 3
    replication_lag: float = 0.5
    probe_interval: float = 0.5
    probe_timeout: float = 1.0
    probe_failures: int = 2
    primary_timeout: float = 2.0
    settle_timeout: float = 60.0


@dataclass
class Figures:
    detection_seconds: float = 0.0
    failover_command_seconds: float = 0.0
    first_standby_settlement_seconds: float = 0.0
    rto_seconds: float = 0.0
    visible_in_standby_seconds: list[float] = field(default_factory=list)
    lags_before_outage: dict[str, list[float]] = field(default_factory=dict)
    """Write -> applied in the other region, every change replicated while both regions were up (the RPO)."""
    unreplicated_at_outage: int = 0
    oldest_unreplicated_seconds: float = 0.0
    replication: dict[str, Any] = field(default_factory=dict)


class Api:
    """One site's stage URL with the drill's API key."""

    def __init__(self, site: Site, api_key: str) -> None:
        self.site, self.base = site, site.info["base_url"]
        self.http = requests.Session()
        self.http.headers["x-api-key"] = api_key

    def create(self, customer_id: str, key: str, amount: int = 1250) -> requests.Response:
        return self.http.post(
            f"{self.base}/transactions",
            json={"customer_id": customer_id, "amount": amount, "currency": "EUR"},
            headers={"Idempotency-Key": key},
            timeout=15,
        )

    def read(self, transaction_id: str) -> dict[str, Any] | None:
        response = self.http.get(f"{self.base}/transactions/{transaction_id}", timeout=15)
        return response.json() if response.status_code == 200 else None

    def wait_final(self, transaction_id: str, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.read(transaction_id)
            if found and found["status"] in FINAL:
                return found
            time.sleep(0.1)
        return None


class Drill:
    def __init__(self, world: TwoRegions, options: Options, api_key: str) -> None:
        self.world, self.options = world, options
        self.primary, self.standby = Api(world.primary, api_key), Api(world.standby, api_key)
        self.figures = Figures()
        self.checks: list[Check] = []
        self.transactions: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, tuple[str, str]] = {}  # transaction id -> (customer, Idempotency-Key)
        self.log: list[str] = []

    def say(self, line: str) -> None:
        self.log.append(line)
        print(line, flush=True)

    def check(self, what: str, ok: bool, detail: str = "") -> bool:
        self.checks.append(Check(what, ok, detail))
        self.say(self.checks[-1].line())
        return ok

    def _pay(self, api: Api, count: int, label: str) -> list[str]:
        created = []
        for index in range(count):
            customer, key = f"cust_drill_{label}_{index}", f"drill-{label}-{index}-{uuid.uuid4().hex[:8]}"
            response = api.create(customer, key, amount=1000 + index)
            if response.status_code != 201:
                self.check(f"create {label} payment {index} in {api.site.role}", False, response.text[:200])
                continue
            transaction_id = response.json()["transaction_id"]
            self.keys[transaction_id] = (customer, key)
            created.append(transaction_id)
        return created

    def _settle_all(self, api: Api, transaction_ids: list[str]) -> bool:
        settled = {txn: api.wait_final(txn, self.options.settle_timeout) for txn in transaction_ids}
        self.transactions.update({txn: found for txn, found in settled.items() if found})
        late = [txn for txn, found in settled.items() if not found or found["status"] != "succeeded"]
        return self.check(
            f"{len(transaction_ids)} payment(s) created in the {api.site.role} settled there",
            not late,
            f"not settled: {late}" if late else "",
        )

    def ops(self, command: str) -> tuple[int, float]:
        """``python -m payment_ops <command> --apply`` against the emulator's endpoints (as ``make`` runs it)."""
        args = [
            sys.executable,
            "-m",
            "payment_ops",
            command,
            "--env",
            self.options.env,
            "--apply",
            "--outputs-file",
            str(self.world.outputs_file),
            "--primary-timeout",
            str(self.options.primary_timeout),
            "--drain-timeout",
            "120",
            "--replication-timeout",
            "60",
            *[f"--endpoint-url={region}={url}" for region, url in self.world.endpoints.items()],
        ]
        environment = {**child_environment(), "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
        started = time.monotonic()
        done = subprocess.run(  # noqa: S603  # nosec B603 - make with fixed arguments
            args,
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        seconds = time.monotonic() - started
        self.say(f"$ make {command} ENV={self.options.env} APPLY=1   (exit {done.returncode}, {seconds:.1f} s)")
        for line in (done.stdout + done.stderr).strip().splitlines():
            self.say(f"    {line}")
        return done.returncode, seconds

    # -- the steps ------------------------------------------------------------------------------------------------

    def before_outage(self) -> None:
        self.say(f"1. {self.options.payments} payments in the primary ({self.world.primary.region})")
        ids = self._pay(self.primary, self.options.payments, "before")
        self._settle_all(self.primary, ids)
        for txn in ids:
            started = time.monotonic()
            seen = self.standby.read(txn)
            while (seen is None or seen.get("status") != "succeeded") and time.monotonic() - started < 30:
                time.sleep(0.05)
                seen = self.standby.read(txn)
            self.figures.visible_in_standby_seconds.append(round(time.monotonic() - started, 3))
        self.check(
            "every one is read from the standby once replicated",
            not same_transactions(
                {t: self.transactions[t] for t in ids if t in self.transactions}, {t: self.standby.read(t) for t in ids}
            ),
        )

    def _detect(self) -> float:
        """Probe the primary's /health until ``probe_failures`` probes in a row failed; when that happened."""
        failures = 0
        while failures < self.options.probe_failures:
            try:
                requests.get(f"{self.primary.base}/health", timeout=self.options.probe_timeout).raise_for_status()
                failures = 0
            except requests.RequestException:
                failures += 1
            if failures < self.options.probe_failures:
                time.sleep(self.options.probe_interval)
        return time.monotonic()

    def outage_and_failover(self) -> None:
        region = self.world.primary.region
        self.say(f"2. the primary region {region} fails")
        replicator = self.world.replicator
        self.figures.lags_before_outage = {kind: replicator.lags(kind) for kind in ("dynamodb", "s3")}
        waiting = [entry for entry in replicator.backlog() if entry.source == region and entry.count]
        self.figures.unreplicated_at_outage = sum(entry.count for entry in waiting)
        ages = [replicator.now() - entry.oldest_written_at for entry in waiting if entry.oldest_written_at]
        self.figures.oldest_unreplicated_seconds = round(max(ages, default=0.0), 3)
        failed_at = time.monotonic()
        self.world.fail(region)
        detected = self._detect()
        self.figures.detection_seconds = round(detected - failed_at, 3)
        self.say(
            f"   outage detected {self.figures.detection_seconds:.2f} s later ({self.options.probe_failures} "
            f"failed /health probes, every {self.options.probe_interval:g} s, timeout "
            f"{self.options.probe_timeout:g} s)"
        )
        self.say("3. failover")
        code, seconds = self.ops("failover")
        self.figures.failover_command_seconds = round(seconds, 3)
        self.check(
            "failover switched the standby on and reported the primary unreachable (exit 1: re-run later)", code == 1
        )
        first = self._pay(self.standby, 1, "first")
        settled = self.standby.wait_final(first[0], self.options.settle_timeout) if first else None
        if settled:
            self.transactions[first[0]] = settled
        self.figures.first_standby_settlement_seconds = round(time.monotonic() - detected - seconds, 3)
        self.figures.rto_seconds = round(time.monotonic() - detected, 3)
        self.check("the standby accepts and settles payments", bool(settled and settled["status"] == "succeeded"))

    def after_failover(self) -> None:
        self.say("4. the standby serves")
        earlier = {txn: found for txn, found in self.transactions.items() if self.keys[txn][1].startswith("drill-bef")}
        differ = same_transactions(earlier, {txn: self.standby.read(txn) for txn in earlier})
        self.check(
            f"all {len(earlier)} transactions from before the outage are read from the standby, unchanged",
            not differ,
            f"missing or different: {differ}" if differ else "",
        )
        txn = next(iter(earlier))
        customer, key = self.keys[txn]
        again = self.standby.create(customer, key, amount=1000)
        self.check(
            "an Idempotency-Key used before the outage returns the same transaction from the standby",
            again.status_code in (200, 201) and again.json().get("transaction_id") == txn,
            again.text[:200],
        )
        self._settle_all(self.standby, self._pay(self.standby, self.options.standby_payments, "standby"))

    def primary_returns_and_failback(self) -> None:
        region = self.world.primary.region
        self.say(f"5. the primary region {region} comes back (its settlement path as it was: on)")
        self.world.restore(region)
        code, _ = self.ops("failover")
        self.check("failover, run again now that the primary answers, switches it off (exit 0)", code == 0)
        code, _ = self.ops("failback")
        self.check("failback switches the standby off and the primary on (exit 0)", code == 0)
        self._settle_all(self.primary, self._pay(self.primary, 1, "after"))

    def verdict(self) -> None:
        self.say("6. nothing settled twice")
        self.world.replicator.wait_caught_up(30)
        table = self.world.primary.info["transactions_table"]
        twice = settled_twice(vars(w) for w in self.world.tables.local_writes(table))
        self.check(
            "no transaction settled in two regions (each one's status changed by one region only)",
            not twice,
            f"settled twice: {twice}" if twice else "",
        )
        primary = {txn: self.primary.read(txn) for txn in self.transactions}
        standby = {txn: self.standby.read(txn) for txn in self.transactions}
        differ = same_transactions({t: v for t, v in primary.items() if v}, standby, ("status", "settled_at"))
        self.check(
            f"both regions read all {len(self.transactions)} transactions alike",
            not differ and all(primary.values()),
            f"differ: {differ}" if differ else "",
        )
        self.figures.replication = self.world.replication()
        self.outcomes = outcomes_by_region(self.world, self.transactions)

    def run(self) -> bool:
        self.before_outage()
        self.outage_and_failover()
        self.after_failover()
        self.primary_returns_and_failback()
        self.verdict()
        return all(check.ok for check in self.checks)


def summary(drill: Drill) -> list[str]:
    figures, lags = drill.figures, drill.figures.lags_before_outage
    visible = max(figures.visible_in_standby_seconds, default=0.0)
    lines = [
        "",
        f"RPO (replication lag before the outage, measured; the emulator's lag setting is "
        f"{drill.options.replication_lag:g} s):",
        f"  DynamoDB global tables: {lag_summary(lags.get('dynamodb', [])).text()}",
        f"  S3 receipts replication: {lag_summary(lags.get('s3', [])).text()}",
        f"  a settled payment was read from the standby's API at most {visible:.2f} s after the primary's",
        f"  at the outage {figures.unreplicated_at_outage} change(s) had not reached the standby (oldest "
        f"{figures.oldest_unreplicated_seconds:.2f} s): they arrived when the region came back",
        f"RTO (outage detected -> standby accepting and settling): {figures.rto_seconds:.2f} s",
        f"  = failover command {figures.failover_command_seconds:.2f} s + first payment on the standby settled "
        f"{figures.first_standby_settlement_seconds:.2f} s; detection took {figures.detection_seconds:.2f} s more",
    ]
    lines += [f"  {line}" for line in drill.outcomes.lines()]
    ok = all(check.ok for check in drill.checks)
    lines.append(
        "FAILOVER DRILL " + ("PASSED" if ok else "FAILED: " + "; ".join(c.what for c in drill.checks if not c.ok))
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m payment_local.drill", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Options()
    parser.add_argument("--env", default=defaults.env)
    parser.add_argument("--payments", type=int, default=defaults.payments)
    parser.add_argument("--replication-lag", type=float, default=defaults.replication_lag)
    parser.add_argument("--stacks-dir", type=Path, default=REPO_ROOT / "cdktf.out")
    parser.add_argument("--workdir", type=Path, help="keep the emulators' logs here (default: a temporary folder)")
    parser.add_argument("--report-file", type=Path, help="write figures and checks as JSON here")
    args = parser.parse_args(argv)
    options = Options(env=args.env, payments=args.payments, replication_lag=args.replication_lag)
    api_key = f"drill-{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="failover-drill-") as scratch:
        workdir = args.workdir or Path(scratch)
        with TwoRegions(
            options.env,
            workdir,
            [api_key],
            stacks_dir=args.stacks_dir,
            replication_lag=options.replication_lag,
            emulator_args=["--no-throttle", "--log-level", "WARNING"],
        ) as world:
            print(
                f"FAILOVER DRILL: {world.primary.name} ({world.primary.region}) -> {world.standby.name} "
                f"({world.standby.region}), emulated; logs in {workdir}",
                flush=True,
            )
            drill = Drill(world, options, api_key)
            ok = drill.run()
            lines = summary(drill)
    print("\n".join(lines), flush=True)
    if args.report_file:
        args.report_file.write_text(
            json.dumps(
                {
                    "ok": ok,
                    "figures": asdict(drill.figures),
                    "outcomes": drill.outcomes.as_dict(),
                    "checks": [asdict(check) for check in drill.checks],
                    "log": drill.log,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
