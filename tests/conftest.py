"""Session-wide fixtures: the app is synthesized once and every infra test reads the parsed JSON.

The synth accelerator is enabled before anything imports the framework (which starts the jsii kernel), as
``main.py`` does; without its folder the suite runs the stock, slower way.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from payment_infra.config import ENVIRONMENT_NAMES

try:
    import payment_infra.accelerate as accelerate
except ModuleNotFoundError as missing:  # the accelerator folder was deleted: the app works, slower
    if missing.name != "payment_infra.accelerate":
        raise
    accelerate = None

ACCELERATION = accelerate.enable() if accelerate is not None else None

REPO_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ENVIRONMENT_NAMES  # every environment of the matrix, in promotion order
ACCOUNT_STACK = "payment-account"  # the account baseline, synthesized beside the environments

# Synth must not depend on the developer's shell: no remote backend, default region (the engine is kept).
_SYNTH_ENV = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENT_") or k == "PAYMENT_ENGINE"}


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A directory that ``build`` fills once per test run, shared read-only by every pytest-xdist worker.

    Under xdist the first worker to ask builds it under an exclusive lock in the run's common temporary
    directory; the others wait for the lock and reuse it. A build that raises leaves no ``.done`` marker, so
    every worker that needs the directory tries again and fails with its own error (nothing half-written is
    ever reused). Without xdist it is a plain temporary directory of this session.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        outdir = tmp_path_factory.mktemp(name)
        build(outdir)
        return outdir
    shared = tmp_path_factory.getbasetemp().parent  # the run's basetemp; each worker's basetemp is below it
    outdir, done = shared / name, shared / f"{name}.done"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if build raises
        if not done.exists():
            shutil.rmtree(outdir, ignore_errors=True)
            outdir.mkdir()
            build(outdir)
            done.touch()
    return outdir


def _synth_all(outdir: Path) -> None:
    from payment_infra.app import build_app

    build_app(outdir=str(outdir), environ=_SYNTH_ENV).synth()


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All stacks synthesized once per test run (once for all xdist workers) into a temporary cdktf.out.

    Read it, never write to it: other workers read the same directory.
    """
    return built_once(tmp_path_factory, "cdktf.out", _synth_all)


@pytest.fixture(scope="session")
def stacks(synth_dir: Path) -> dict[str, dict]:
    """``{"dev": <parsed cdk.tf.json>, ...}``."""
    return {
        env: json.loads((synth_dir / "stacks" / f"payment-{env}" / "cdk.tf.json").read_text()) for env in ENVIRONMENTS
    }


@pytest.fixture(scope="session")
def account_stack(synth_dir: Path) -> dict:
    """The parsed ``payment-account`` stack (account singletons)."""
    return json.loads((synth_dir / "stacks" / ACCOUNT_STACK / "cdk.tf.json").read_text())


#: The standbys the default settings synthesize (prod's, dr.enabled) and their region's account baseline.
STANDBY_STACKS = ("payment-prod-dr",)
DR_ACCOUNT_STACK = "payment-account-dr"


@pytest.fixture(scope="session")
def dr_stacks(synth_dir: Path) -> dict[str, dict]:
    """``{"payment-prod-dr": <parsed cdk.tf.json>, "payment-account-dr": ...}``: the disaster-recovery stacks."""
    return {
        stack_id: json.loads((synth_dir / "stacks" / stack_id / "cdk.tf.json").read_text())
        for stack_id in (*STANDBY_STACKS, DR_ACCOUNT_STACK)
    }


#: prod with dr.failover_mode dns (a custom domain moved by Route 53), as a user would configure it.
DNS_FAILOVER_ENV = {
    "PAYMENT_DR_FAILOVER_MODE": "dns",
    "PAYMENT_DR_DOMAIN_NAME": "api.payments.example.org",
    "PAYMENT_DR_HOSTED_ZONE_ID": "Z0123456789ABCDEFGHIJ",
}


@pytest.fixture(scope="session")
def dns_stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """prod, its standby and both baselines synthesized with ``DNS_FAILOVER_ENV``: ``{stack id: parsed stack}``."""
    from payment_infra.app import build_app

    outdir = built_once(
        tmp_path_factory, "dns-failover.out",
        lambda out: build_app(environments=("prod",), outdir=str(out), environ={**_SYNTH_ENV, **DNS_FAILOVER_ENV}).synth(),
    )  # fmt: skip
    return {path.name: json.loads((path / "cdk.tf.json").read_text()) for path in sorted((outdir / "stacks").iterdir())}


@pytest.fixture(scope="session", params=ENVIRONMENTS)
def env(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def stack(stacks: dict[str, dict], env: str) -> dict:
    return stacks[env]


PREVIEWS = ("pr-123", "alice-try-new-ledger")  # two previews synthesized beside one environment


@pytest.fixture(scope="session")
def side_by_side(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """dev and two previews (PAYMENT_DEPLOYMENT names) synthesized in one app: ``{stack id: parsed stack}``."""
    from payment_infra.app import build_app

    outdir = built_once(
        tmp_path_factory,
        "side-by-side.out",
        lambda out: build_app(environments=("dev", *PREVIEWS), outdir=str(out), environ=_SYNTH_ENV).synth(),
    )
    return {
        stack_id: json.loads((outdir / "stacks" / stack_id / "cdk.tf.json").read_text())
        for stack_id in ("payment-dev", *(f"payment-{name}" for name in PREVIEWS))
    }


#: Session fixtures that take seconds to build (a naive synth, Terraform plans, an emulator workload); tests that
#: share one are kept on one worker (the others would wait on its ``built_once`` lock).
SLOW_FIXTURES = ("naive_synth", "terraform_results", "dr_terraform_results", "recorded_calls", "probed_synth")


def _slow_group(item: pytest.Item) -> str | None:
    """The slow work an item waits on (a slow fixture, else its module if marked ``slow``); None if quick."""
    fixtures = getattr(item, "fixturenames", ())
    for name in SLOW_FIXTURES:
        if name in fixtures:
            return name
    return item.nodeid.split("::")[0] if item.get_closest_marker("slow") is not None else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, start the slow work first and on every worker at once: the run is as long as its tail.

    pytest-xdist's worksteal hands each of the N workers an equal, contiguous share of the collection, in order,
    and idle workers later steal from the end of the longest queue. The slow groups (see ``_slow_group``) are
    dealt in turn to the heads of the shares, so each worker starts on
    slow work at once instead of one worker meeting it all late. The order is deterministic (xdist requires
    every worker to collect the same order); without xdist nothing changes.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers < 2 or len(items) < workers:
        return
    groups: dict[str, list[pytest.Item]] = {}
    rest: list[pytest.Item] = []
    for item in items:
        group = _slow_group(item)
        (groups.setdefault(group, []) if group else rest).append(item)
    heads: list[list[pytest.Item]] = [[] for _ in range(workers)]
    for index, name in enumerate(sorted(groups)):  # one slow build per worker in turn
        heads[index % workers].extend(groups[name])
    share = -(-len(items) // workers)  # the size of each worker's first share
    ordered: list[pytest.Item] = []
    for head in heads:
        take = max(0, share - len(head))
        ordered += head + rest[:take]
        rest = rest[take:]
    ordered += rest
    assert len(ordered) == len(items) and {id(i) for i in ordered} == {id(i) for i in items}
    items[:] = ordered
