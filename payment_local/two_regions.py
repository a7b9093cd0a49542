"""An environment with disaster recovery, emulated: its primary and standby stacks in their two regions.

This process runs moto for both regions (:mod:`payment_local.regions`), the global tables of the primary's
``replica`` blocks and the S3 replication (:mod:`payment_local.replication`); each stack is served by its own
emulator process (``python -m payment_local --aws-endpoint-url <its region's endpoint>``), because handlers keep
their settings and clients per process, as each region's functions do. :meth:`TwoRegions.fail` takes a region away:
its endpoint refuses connections and its emulator process is frozen (SIGSTOP: its API no longer answers, its
threads do nothing); :meth:`TwoRegions.restore` gives it back as it was (SIGCONT).

The outputs of both stacks are written to one outputs file, as ``make output`` writes it, so the operator tools
(``payment_ops``) find their names there. ``python -m payment_local.two_regions`` serves the same for tests in
another process, with a small control API (:func:`serve`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from payment_local import stop_signal
from payment_local.global_tables import GlobalTables, global_tables_of
from payment_local.moto_server import local_session
from payment_local.process import child_environment, running_emulator
from payment_local.regions import Regions
from payment_local.replication import Replicator
from payment_local.s3_replication import S3Replication
from payment_local.stack import REPO_ROOT, Stack, load_stack, stack_path


def standby_stack_name(env: str) -> str:
    return f"payment-{env}-dr"


@dataclass
class Site:
    """One stack, served: ``info`` is its emulator's ready file (base URL, endpoints, outputs, pid)."""

    role: str
    stack: Stack
    info: dict[str, Any]

    @property
    def region(self) -> str:
        return self.stack.region

    @property
    def name(self) -> str:
        return self.stack.path.parent.name


@dataclass
class TwoRegions:
    """Start with :meth:`start` (or ``with``); ``primary`` and ``standby`` are the served stacks."""

    env: str
    workdir: Path
    api_keys: Sequence[str]
    stacks_dir: Path = REPO_ROOT / "cdktf.out"
    replication_lag: float = 0.5
    emulator_args: Sequence[str] = ()
    start_timeout: float = 120
    primary: Site = field(init=False)
    standby: Site = field(init=False)

    def __post_init__(self) -> None:
        self.outputs_file = self.workdir / "outputs.json"
        self._exit = contextlib.ExitStack()
        self._frozen: set[int] = set()

    def _client(self, service: str, region: str) -> Any:
        return local_session(region).client(service, endpoint_url=self.endpoints[region])

    def _serve(self, role: str, stack: Stack) -> Site:
        workdir = self.workdir / role
        workdir.mkdir(parents=True, exist_ok=True)
        args = [
            "--env",
            self.env,
            "--stack-file",
            str(stack.path),
            "--aws-endpoint-url",
            self.endpoints[stack.region],
            *[f"--api-key={key}" for key in self.api_keys],
            *self.emulator_args,
        ]
        info = self._exit.enter_context(
            running_emulator(args, env=child_environment(), workdir=workdir, timeout=self.start_timeout)
        )
        self.regions.route(stack.region, "AWSStepFunctions.", info["sfn_endpoint_url"])
        return Site(role, stack, info)

    def start(self) -> TwoRegions:
        primary = load_stack(self.env, path=stack_path(self.env, self.stacks_dir))
        standby = load_stack(
            self.env,
            path=self.stacks_dir / "stacks" / standby_stack_name(self.env) / "cdk.tf.json",
            synth_if_missing=False,
        )
        self.regions = Regions([primary.region, standby.region])
        self.endpoints = self.regions.start()
        self._exit.callback(self.regions.stop)
        self.replicator = Replicator(self.regions, lag=self.replication_lag)
        self.tables = GlobalTables(global_tables_of(primary), self.replicator, account_id=primary.account_id)
        self.receipts = S3Replication(self.replicator)
        self.tables.install()
        self.receipts.install()
        self._exit.callback(self.tables.uninstall)
        self._exit.callback(self.receipts.uninstall)
        self.replicator.start()
        self._exit.callback(self.replicator.stop)
        try:
            self.primary = self._serve("primary", primary)
            self.tables.create_replicas(self._client)
            self.standby = self._serve("standby", standby)
        except BaseException:
            self.stop()
            raise
        self._exit.callback(self._terminate_sites)  # both stop at once, then each site's exit waits for its own
        self._exit.callback(self._thaw_all)  # a frozen child must run again to take its SIGTERM
        outputs = {site.name: site.info["outputs"] for site in (self.primary, self.standby)}
        self.outputs_file.write_text(json.dumps(outputs, indent=2), encoding="utf-8")
        return self

    def site(self, region: str) -> Site:
        return next(site for site in (self.primary, self.standby) if site.region == region)

    def fail(self, region: str) -> None:
        """The region is gone: endpoint refused, its emulator frozen."""
        pid = int(self.site(region).info["pid"])
        os.kill(pid, signal.SIGSTOP)
        self._frozen.add(pid)
        self.regions.fail(region)

    def restore(self, region: str) -> None:
        """The region is back, as it was when it failed."""
        self.regions.restore(region)
        pid = int(self.site(region).info["pid"])
        os.kill(pid, signal.SIGCONT)
        self._frozen.discard(pid)

    def _terminate_sites(self) -> None:
        for site in (self.primary, self.standby):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(site.info["pid"]), signal.SIGTERM)

    def _thaw_all(self) -> None:
        for pid in list(self._frozen):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self._frozen.clear()

    def replication(self) -> dict[str, Any]:
        """Measured lags (seconds, per kind), what waits per link, last-writer-wins drops."""
        return {
            "lags": {kind: self.replicator.lags(kind) for kind in ("dynamodb", "s3")},
            "backlog": [vars(entry) for entry in self.replicator.backlog()],
            "superseded": self.tables.superseded,
        }

    def stop(self) -> None:
        self._exit.close()

    def __enter__(self) -> TwoRegions:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _control(world: TwoRegions) -> Any:
    """A WSGI app: POST /regions/<region>/fail|restore, GET /replication, GET /writes[?table=]."""
    from werkzeug.wrappers import Request, Response

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        parts = request.path.strip("/").split("/")
        body: Any
        if request.method == "POST" and len(parts) == 3 and parts[0] == "regions" and parts[2] in ("fail", "restore"):
            getattr(world, parts[2])(parts[1])
            body = {"region": parts[1], "down": world.regions.is_down(parts[1])}
        elif request.method == "GET" and parts == ["replication"]:
            body = world.replication()
        elif request.method == "GET" and parts == ["writes"]:
            body = [vars(w) for w in world.tables.local_writes(request.args.get("table"))]
        else:
            return Response("not found", status=404)(environ, start_response)
        return Response(json.dumps(body), content_type="application/json")(environ, start_response)

    return app


def serve(argv: Sequence[str] | None = None) -> int:
    """Run :class:`TwoRegions` until SIGTERM; the ready file holds both sites' infos and the control URL."""
    from werkzeug.serving import make_server

    parser = argparse.ArgumentParser(prog="python -m payment_local.two_regions", description=__doc__)
    parser.add_argument("--env", default="prod")
    parser.add_argument("--stacks-dir", type=Path, default=REPO_ROOT / "cdktf.out")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--api-key", action="append", required=True, dest="api_keys")
    parser.add_argument("--replication-lag", type=float, default=0.5)
    args, emulator_args = parser.parse_known_args(argv)
    stop = stop_signal.stop_event(signal.SIGTERM)
    with TwoRegions(
        args.env,
        args.workdir,
        args.api_keys,
        stacks_dir=args.stacks_dir,
        replication_lag=args.replication_lag,
        emulator_args=emulator_args,
    ) as world:
        server = make_server("127.0.0.1", 0, _control(world), threaded=True)
        threading.Thread(target=server.serve_forever, name="control", daemon=True).start()
        ready = {
            "control_url": f"http://127.0.0.1:{server.server_address[1]}",
            "endpoints": world.endpoints,
            "outputs_file": str(world.outputs_file),
            "primary": world.primary.info,
            "standby": world.standby.info,
        }
        args.ready_file.with_suffix(".tmp").write_text(json.dumps(ready), encoding="utf-8")
        os.replace(args.ready_file.with_suffix(".tmp"), args.ready_file)
        stop_signal.wait(stop)
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
