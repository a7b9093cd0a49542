"""The emulator: moto, the stack's resources, the handlers, the HTTP front, the pollers, the pipe and the schedule."""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.config import Config
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from payment_local import moto_fidelity, speedups
from payment_local.activity import Activity, watch
from payment_local.clients import CLIENTS_VARIABLE, assign_clients, directory
from payment_local.cross_region import provision_cross_region
from payment_local.faults import Faults
from payment_local.gateway import CONTROL_PREFIX, Gateway
from payment_local.iam import Enforcer
from payment_local.moto_server import ExternalMoto, MotoServer, local_session
from payment_local.outputs import local_outputs
from payment_local.pipes import Schedule, StreamPipe, pipes_of, schedules_of
from payment_local.provision import Provisioned, provision
from payment_local.runtime import Runtime, function_environment
from payment_local.sdk_backoff import scale_sdk_backoff
from payment_local.stack import load_stack
from payment_local.stepfunctions import StepFunctions, StepFunctionsServer
from payment_local.stop_signal import SERVER_POLL_SECONDS
from payment_local.switches import Switches
from payment_local.workers import ImportTrigger, SettlementPoller

log = logging.getLogger("payment_local")
HOST = "127.0.0.1"
#: How long a stop waits for the background threads in all (they are daemons: the process exits anyway).
STOP_SECONDS = 5.0


@dataclass
class Options:
    env: str = "dev"
    port: int = 3000
    api_keys: list[str] = field(default_factory=list)
    """One client per key (``payment_local.clients``); none given: one random key."""
    stack_file: Path | None = None
    throttle: bool = True
    test_hooks: bool = False
    retry_delay: int = 1
    workflow_time_scale: float = 1.0
    sdk_backoff_scale: float = 1.0
    """botocore's retry pauses in the handlers times this (payment_local.sdk_backoff)."""
    log_level: str | None = None
    sweep_interval: float | None = None
    """Seconds between runs of each scheduled function; ``None``: the stack's schedule."""
    extra_env: dict[str, str] = field(default_factory=dict)
    aws_endpoint_url: str | None = None
    """A moto server another process runs (several regions: :mod:`payment_local.regions`); ``None``: our own."""
    speedups: bool = True
    """:mod:`payment_local.speedups` (same answers, faster); off: every call over loopback HTTP, moto unpatched."""


class Emulator:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.stack = load_stack(options.env, path=options.stack_file)
        self.clients = assign_clients(self.stack, options.api_keys or [secrets.token_urlsafe(24)])
        self.api_key = self.clients[0].api_key
        self._moto = MotoServer() if options.aws_endpoint_url is None else ExternalMoto(options.aws_endpoint_url)
        # Only our own moto server sees every call; on another process's, the pollers keep their full rate.
        self.activity = Activity(enabled=self._moto.application is not None)
        if self._moto.application is not None:
            self._moto.application = watch(self._moto.application, self.activity)
        self._sfn = StepFunctionsServer()
        self._threads: list[Any] = []
        self._in_process: dict[str, Any] = {}
        self._http: Any = None
        self._http_thread: threading.Thread | None = None
        self.base_url = ""
        self.info: dict[str, Any] = {}
        self.warnings: list[str] = []

    def _client(self, service: str, attempts: int = 2) -> Any:
        config = Config(retries={"max_attempts": attempts})
        return local_session(self.stack.region).client(service, endpoint_url=self._moto.endpoint_url, config=config)

    def start(self) -> None:
        moto_fidelity.install()
        endpoint = self._moto.start()
        sfn_endpoint = self._sfn.start(HOST)
        if self.options.speedups:
            served = {endpoint: self._moto.application, sfn_endpoint: self._sfn.application}
            self._in_process = {url: application for url, application in served.items() if application is not None}
            speedups.install(self._in_process)
        clients = {name: self._client(name) for name in ("dynamodb", "sqs", "s3", "sns")}
        provisioned = provision(self.stack, clients, import_clients=[client.name for client in self.clients])
        provision_cross_region(self.stack, endpoint)
        switches = Switches.provision(self.stack, self._client("pipes"), self._client("events"))
        environment = self._start_runtime(endpoint, sfn_endpoint, sns=clients["sns"])
        self.faults = self._install_faults(environment, sns=clients["sns"])
        self._add_workers(clients, provisioned, switches)
        self._bind_http()
        for thread in self._threads:
            thread.start()
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, args=(SERVER_POLL_SECONDS,), name="http", daemon=True
        )
        self._http_thread.start()
        self.info = self._describe(endpoint, sfn_endpoint, environment, provisioned)

    def _start_runtime(self, endpoint: str, sfn_endpoint: str, *, sns: Any) -> dict[str, str]:
        """Installs the functions' environment (returned), the IAM enforcer, the warm handlers and the workflows."""
        overrides = {CLIENTS_VARIABLE: directory(self.clients), **self.options.extra_env}
        if self.options.log_level:
            overrides["POWERTOOLS_LOG_LEVEL"] = self.options.log_level
        environment = function_environment(
            self.stack, endpoint_url=endpoint, sfn_endpoint_url=sfn_endpoint, overrides=overrides
        )
        Runtime.install_environment(environment)
        scale_sdk_backoff(self.options.sdk_backoff_scale)
        # Every call a handler makes is checked against its role, as on AWS (payment_local.iam).
        self.iam = Enforcer(self.stack, clients=[client.name for client in self.clients])
        Enforcer.install()
        runtime = Runtime(self.stack, enforcer=self.iam)
        runtime.warm_up()
        _handler_clients()  # as a container's init phase would: before the first request, not inside it
        self.runtime = runtime
        self.workflows = StepFunctions(
            self.stack, invoke=runtime.invoke_arn, sns=sns, time_scale=self.options.workflow_time_scale
        )
        self._sfn.service = self.workflows
        return environment

    def _install_faults(self, environment: dict[str, str], *, sns: Any) -> Faults | None:
        """With --test-hooks: fault injection hooked into the handlers' clients and the notifier; else ``None``."""
        if not self.options.test_hooks:
            return None
        faults = Faults(environment["TRANSACTIONS_TABLE"])
        # The handlers' clients are cached per process; hooking them hooks every handler.
        faults.install(*_handler_clients())
        faults.install_notifier(sns)
        return faults

    def _add_workers(self, clients: dict[str, Any], provisioned: Provisioned, switches: Switches) -> None:
        """The settlement poller, the pipes, the schedules and the import trigger (started later, with the API)."""
        faults, runtime = self.faults, self.runtime
        settlement = SettlementPoller(
            sqs=clients["sqs"],
            queue_url=provisioned.settlement_queue_url,
            queue_arn=f"arn:aws:sqs:{self.stack.region}:{self.stack.account_id}:"
            f"{provisioned.settlement_queue_url.rsplit('/', 1)[-1]}",
            region=self.stack.region,
            handler=provisioned.settlement_handler,
            runtime=runtime,
            batch_size=provisioned.settlement_batch_size,
            visibility_timeout=self.stack.functions[provisioned.settlement_handler].timeout_seconds,
            retry_delay=self.options.retry_delay,
            faults=faults,
        )
        self.settlement = settlement
        self._threads.append(settlement)
        self.pipes = []
        for pipe in pipes_of(self.stack):
            pipe_sqs = self._client("sqs", attempts=1)  # the pipe retries a failed batch itself, as Pipes does
            if faults is not None:
                faults.install_sender(pipe_sqs)
            self.pipes.append(
                StreamPipe(
                    pipe,
                    streams=self._client("dynamodbstreams"),
                    sqs=pipe_sqs,
                    queue_url_of=self._queue_url,
                    faults=faults,
                    running=switches.pipe_running(pipe.name),
                )
            )
        self.schedules = [
            Schedule(
                schedule,
                runtime=runtime,
                region=self.stack.region,
                account_id=self.stack.account_id,
                interval_seconds=self.options.sweep_interval,
                enabled=switches.rule_enabled(schedule.rule_name),
            )
            for schedule in schedules_of(self.stack)
        ]
        for poller in (settlement, *self.pipes):
            poller.activity = self.activity
        self._threads += [*self.pipes, *self.schedules]
        if provisioned.import_events_queue_url and provisioned.import_handler:
            trigger = ImportTrigger(
                sqs=clients["sqs"],
                s3=clients["s3"],
                queue_url=provisioned.import_events_queue_url,
                handler=provisioned.import_handler,
                runtime=runtime,
            )
            trigger.activity = self.activity
            self._threads.append(trigger)

    def _bind_http(self) -> None:
        """The gateway on its port (not serving yet); sets ``base_url`` and the gateway's template warnings."""
        gateway = Gateway(
            self.stack,
            self.runtime.invoke,
            clients=self.clients,
            throttle=self.options.throttle,
            control=self._control if self.options.test_hooks else None,
        )
        self.warnings = gateway.gateway_response_warnings()
        self._http = make_server(HOST, self.options.port, gateway, threaded=True)
        port = self._http.server_address[1]
        # The stage URL, as API Gateway's invoke URL: https://{api}.execute-api.{region}.amazonaws.com/{stage}
        self.base_url = f"http://{HOST}:{port}{gateway.stage_prefix}"

    def _describe(
        self, endpoint: str, sfn_endpoint: str, environment: dict[str, str], provisioned: Provisioned
    ) -> dict[str, Any]:
        """What ``make local`` prints and the tests read: URLs, keys, resource names."""
        return {
            "base_url": self.base_url,
            "stage": self.stack.stage_name,
            "api_key": self.api_key,
            "api_key_id": self.clients[0].api_key_id,
            "clients": [vars(client) for client in self.clients],
            "env": self.stack.env,
            "region": self.stack.region,
            "account_id": self.stack.account_id,
            "aws_endpoint_url": endpoint,
            "sfn_endpoint_url": sfn_endpoint,
            "state_machine_arn": environment.get("STATE_MACHINE_ARN"),
            "settlement_queue_url": provisioned.settlement_queue_url,
            "dlq_url": provisioned.dlq_url,
            "max_receive_count": provisioned.max_receive_count,
            "import_bucket": provisioned.import_bucket,
            "notifications_tap_url": provisioned.notifications_tap_url,
            "transactions_table": environment.get("TRANSACTIONS_TABLE"),
            "idempotency_table": environment.get("IDEMPOTENCY_TABLE"),
            "receipts_bucket": environment.get("RECEIPTS_BUCKET"),
            "resources": provisioned.resources,
            "stack_file": str(self.stack.path),
            "pipes": [pipe.pipe.name for pipe in self.pipes],
            "pipe_dlq_urls": [self._queue_url(p.pipe.dead_letter_arn) for p in self.pipes if p.pipe.dead_letter_arn],
            "schedules": [s.schedule.rule_name for s in self.schedules],
            "pid": os.getpid(),
            "outputs": local_outputs(self.stack, self.base_url),
        }

    def _queue_url(self, queue_arn: str) -> str:
        for (kind, _), attributes in self.stack.attributes.items():
            if kind == "aws_sqs_queue" and attributes["arn"] == queue_arn:
                return attributes["url"]
        raise KeyError(queue_arn)

    def stop(self) -> None:
        for thread in self._threads:
            thread.stop_event.set()
        self.activity.touch()  # wakes the pollers waiting for activity, to see that they are stopped
        if self._http is not None:
            self._http.shutdown()
        # One deadline for all: a thread inside an AWS call towards a region that is down may take its whole
        # timeout, and joining each for 10 s let a stop outlast its parent's patience (they are daemons).
        deadline = time.monotonic() + STOP_SECONDS
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        speedups.withdraw(self._in_process)
        self._sfn.stop()
        self._moto.stop()

    # -- test hooks (only with --test-hooks) -----------------------------------------

    def _control(self, request: Request) -> Response | None:
        name = request.path.removeprefix(f"/{self.stack.stage_name}").removeprefix(CONTROL_PREFIX)
        if name == "faults" and request.method == "POST":
            try:
                spec = json.loads(request.get_data() or b"{}")
                rule = self.faults.add(
                    spec.get("kind", ""),
                    spec.get("customer_id"),
                    spec.get("times"),
                    transaction_id=spec.get("transaction_id"),
                    skip=spec.get("skip", 0),
                )
            except (ValueError, TypeError, AttributeError) as exc:
                return _json({"error": str(exc)}, 400)
            return _json(vars(rule), 201)
        if name == "faults" and request.method == "GET":
            return _json({"rules": self.faults.snapshot()})
        if name == "faults" and request.method == "DELETE":
            self.faults.clear()
            return _json({"rules": []})
        if name == "calls" and request.method == "GET":
            return _json({"calls": self.iam.calls(), "invocations": self.iam.invocations()})
        if name == "schedules" and request.method == "POST":
            # Run every scheduled function now (the sweep), as its rule would at its next tick.
            runs = []
            for schedule in self.schedules:
                try:
                    runs.append(schedule.run_now())
                except Exception as exc:
                    runs.append({"error": f"{type(exc).__name__}: {exc}"})
            return _json({"runs": runs})
        if name == "concurrency" and request.method == "GET":
            return _json(
                {
                    "peak": self.runtime.peak,
                    "throttled": self.runtime.throttled,
                    "reserved": {h: self.runtime.concurrency_of(h) for h in self.stack.functions},
                }
            )
        if name == "pipes" and request.method == "GET":
            return _json(
                {
                    "pipes": [
                        {"name": p.pipe.name, "delivered": p.delivered, "dead_lettered": p.dead_lettered}
                        for p in self.pipes
                    ]
                }
            )
        if name == "deliveries" and request.method == "GET":
            return _json({"deliveries": self.settlement.deliveries(request.args.get("transaction_id"))})
        return None


def _handler_clients() -> tuple[Any, Any, Any, Any]:
    """The handlers' shared DynamoDB, S3, Step Functions and SQS clients (built on the first call, then cached).

    Built at start, not by the first invocations: concurrent first invocations would each build their own
    (``functools.cache`` does not lock), and a client costs tens of milliseconds (botocore reads its JSON models).
    """
    from payments.adapters import aws

    return aws.client("dynamodb"), aws.client("s3"), aws.client("stepfunctions"), aws.client("sqs")


def _json(document: Any, status: int = 200) -> Response:
    return Response(json.dumps(document), status=status, content_type="application/json")
