"""The two sites of a disaster-recoverable environment, as their stacks' outputs name them, and how to reach them.

``payment-<env>`` runs in ``region``, its warm standby ``payment-<env>-dr`` in ``fallback_region``. Everything the
failover tools touch is named by the outputs file cdktf writes (``make output``, ``{stack: {output: value}}``, read by
:mod:`scripts.stack_outputs`), never by hand: the settlement pipe, the sweep rule, the stage URL, the settlement queue,
the workflow and the replicated tables. A site's region is the one in its state machine's ARN.

A site in a region that may be down is reached with short timeouts and one retry (:meth:`Reach.client` with
``quick=True``), so a dead region costs seconds, and a failure is told apart as *unreachable* (no answer: network,
timeout) or *refused* (AWS answered with an error) by :func:`describe_failure`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.stack_outputs import OutputsError, load

PIPE = "pipes_settlement_pipe_name"
SWEEP_RULE = "events_sweep_rule_name"
URL = "apigateway_url"
QUEUE = "sqs_transaction_queue_url"
STATE_MACHINE = "sfn_state_machine_arn"
TABLES = ("dynamodb_transactions_table_name", "dynamodb_idempotency_table_name")
SITE_OUTPUTS = (PIPE, SWEEP_RULE, URL, QUEUE, STATE_MACHINE, *TABLES)
CUSTOM_DOMAIN_URL = "apigateway_custom_domain_url"
"""Only with ``dr.failover_mode = "dns"``: the domain clients use, which Route 53 moves between the regions."""
DEFAULT_PRIMARY_TIMEOUT = 5.0


class SiteError(LookupError):
    """A stack's outputs are missing or incomplete: nothing can be switched on them."""


def primary_stack(env: str) -> str:
    return f"payment-{env}"


def standby_stack(env: str) -> str:
    """The warm standby's stack in the fallback region (docs/disaster-recovery.md)."""
    return f"payment-{env}-dr"


@dataclass(frozen=True)
class Site:
    """One region's API and settlement path."""

    role: str
    """``primary`` or ``standby``."""
    stack: str
    region: str
    url: str
    pipe: str
    sweep_rule: str
    queue_url: str
    state_machine_arn: str
    tables: tuple[str, ...]
    custom_domain_url: str | None = None

    @classmethod
    def from_outputs(cls, role: str, stack: str, outputs: Mapping[str, Any], source: str) -> Site:
        missing = [name for name in SITE_OUTPUTS if not isinstance(outputs.get(name), str) or not outputs[name]]
        if missing:
            raise SiteError(
                f"{source}: stack {stack} lacks the output(s) {', '.join(missing)} (is it deployed "
                "with disaster recovery? refresh the file: make output STACK=...)"
            )
        arn = str(outputs[STATE_MACHINE]).split(":")
        if len(arn) < 6 or arn[2] != "states" or not arn[3]:
            raise SiteError(f"{source}: {stack}.{STATE_MACHINE} = {outputs[STATE_MACHINE]!r}: not a state machine ARN")
        return cls(
            role=role,
            stack=stack,
            region=arn[3],
            url=str(outputs[URL]),
            pipe=str(outputs[PIPE]),
            sweep_rule=str(outputs[SWEEP_RULE]),
            queue_url=str(outputs[QUEUE]),
            state_machine_arn=str(outputs[STATE_MACHINE]),
            tables=tuple(str(outputs[t]) for t in TABLES),
            custom_domain_url=str(outputs[CUSTOM_DOMAIN_URL]) if outputs.get(CUSTOM_DOMAIN_URL) else None,
        )


def _outputs(files: Iterable[Path], stack: str) -> tuple[Mapping[str, Any], str] | None:
    """The outputs of ``stack`` from the first file that has them (the later files may be per-stack copies)."""
    for path in files:
        try:
            return load(path, stack), str(path)
        except OutputsError:
            continue
    return None


def load_sites(env: str, files: Iterable[Path]) -> tuple[Site | None, Site]:
    """``(primary, standby)``; the primary is ``None`` when no file has its outputs (its state may be unreachable)."""
    files = list(files)
    found = _outputs(files, standby_stack(env))
    if found is None:
        names = ", ".join(str(path) for path in files)
        raise SiteError(
            f"no outputs of {standby_stack(env)} in {names}: run "
            f"make output STACK={standby_stack(env)} OUTPUTS_FILE=<file> (its state is in the fallback "
            "region), and check that this environment has disaster recovery (dr.enabled)"
        )
    standby = Site.from_outputs("standby", standby_stack(env), found[0], found[1])
    found = _outputs(files, primary_stack(env))
    primary = Site.from_outputs("primary", primary_stack(env), found[0], found[1]) if found else None
    if primary is not None and primary.region == standby.region:
        raise SiteError(f"{primary.stack} and {standby.stack} are both in {primary.region}: not a standby")
    return primary, standby


def parse_endpoints(values: Iterable[str]) -> dict[str, str]:
    """``REGION=URL`` pairs (``--endpoint-url``: a local emulator or moto) as a mapping."""
    endpoints = {}
    for value in values:
        region, sep, url = value.partition("=")
        if not sep or not region or not url.startswith(("http://", "https://")):
            raise SiteError(f"--endpoint-url {value!r}: expected REGION=http(s)://host:port")
        endpoints[region] = url
    return endpoints


class Reach:
    """boto3 clients per (service, region); ``quick`` ones give up after ``primary_timeout`` seconds, one retry."""

    def __init__(
        self,
        endpoints: Mapping[str, str] | None = None,
        *,
        primary_timeout: float = DEFAULT_PRIMARY_TIMEOUT,
        session: Any = None,
    ) -> None:
        self._endpoints = dict(endpoints or {})
        self._timeout = primary_timeout
        self._session = session
        self._clients: dict[tuple[str, str, bool], Any] = {}

    def client(self, service: str, region: str, *, quick: bool = False) -> Any:
        key = (service, region, quick)
        if key not in self._clients:
            import boto3
            from botocore.config import Config

            config = (
                Config(
                    connect_timeout=self._timeout,
                    read_timeout=self._timeout,
                    retries={"mode": "standard", "total_max_attempts": 2},
                )
                if quick
                else Config(retries={"mode": "standard"})
            )
            session = self._session or boto3.session.Session()
            self._clients[key] = session.client(
                service, region_name=region, config=config, endpoint_url=self._endpoints.get(region)
            )
        return self._clients[key]


def describe_failure(exc: Exception) -> tuple[bool, str]:
    """``(unreachable, text)``: True when nothing answered (connection, timeout), False when AWS refused."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return False, f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip().rstrip(":")
    if isinstance(exc, ConnectionError | HTTPClientError):  # no connection, closed, or no answer in time
        return True, f"{type(exc).__name__}: {exc}"
    return False, f"{type(exc).__name__}: {exc}"
