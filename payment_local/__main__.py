"""``python -m payment_local``: run the payment API locally (see ``--help``)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path

from payment_local import stop_signal
from payment_local.stack import ENVIRONMENTS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m payment_local",
        description="Serve the payment API on 127.0.0.1 without Docker: the real handlers behind an API Gateway "
        "emulation, against moto's server mode, with resources created from the synthesized stack.",
    )
    parser.add_argument(
        "--env",
        default="dev",
        help="stack to emulate: " + ", ".join(ENVIRONMENTS) + " or a "
        "preview name (PAYMENT_DEPLOYMENT, e.g. pr-123; synthesized when missing; default: dev)",
    )
    parser.add_argument("--port", type=int, default=3000, help="HTTP port on 127.0.0.1 (default: 3000; 0 = free)")
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        dest="api_keys",
        metavar="API_KEY",
        help="API key to accept; repeat it for more clients, each key its own client with the "
        "default tier (default: one random key, printed on start)",
    )
    parser.add_argument(
        "--stack-file",
        type=Path,
        help="cdk.tf.json to read (default: cdktf.out/stacks/payment-<env>/; synthesized if missing)",
    )
    parser.add_argument("--no-throttle", action="store_true", help="ignore the usage plan's throttle and quota")
    parser.add_argument(
        "--retry-delay",
        type=int,
        default=1,
        help="seconds before a failed settlement message is redelivered (default: 1)",
    )
    parser.add_argument(
        "--workflow-time-scale",
        type=float,
        default=1.0,
        help="multiply the workflow's retry intervals by this (default: 1, the definition's own)",
    )
    parser.add_argument(
        "--sweep-interval",
        type=float,
        default=None,
        help="seconds between runs of the scheduled sweep (default: the stack's schedule)",
    )
    parser.add_argument(
        "--sweep-older-than",
        type=int,
        default=None,
        metavar="SECONDS",
        help="the sweep re-sends pending transactions older than this (default: the stack's)",
    )
    parser.add_argument(
        "--sdk-backoff-scale",
        type=float,
        default=1.0,
        help="multiply the AWS SDK's pauses between retries in the handlers by this, in (0, 1] "
        "(default: 1, botocore's own)",
    )
    parser.add_argument("--log-level", help="POWERTOOLS_LOG_LEVEL for the handlers (default: the stack's)")
    parser.add_argument(
        "--ready-file", type=Path, help="write base URL, API key and resource names here as JSON once serving"
    )
    parser.add_argument(
        "--aws-endpoint-url",
        help="use this running moto server (one process serving several "
        "regions, as the failover drill runs them) instead of starting one",
    )
    parser.add_argument(
        "--no-speedups",
        action="store_true",
        help="serve without payment_local.speedups (same answers, slower): every AWS call over loopback HTTP",
    )
    parser.add_argument("--test-hooks", action="store_true", help=argparse.SUPPRESS)
    return _checked(parser, parser.parse_args(argv))


def _checked(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """What argparse cannot check itself: the backoff range, the deployment name, distinct keys."""
    if not 0 < args.sdk_backoff_scale <= 1:
        parser.error(f"--sdk-backoff-scale must be in (0, 1], got {args.sdk_backoff_scale}")
    from payment_local.stack import StackError, check_deployment_name

    try:
        check_deployment_name(args.env)
    except StackError as error:
        parser.error(str(error))
    if len(set(args.api_keys)) != len(args.api_keys) or not all(args.api_keys):
        parser.error("each --api-key must be a different, non-empty value: one key is one client")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from payment_local.app import Emulator, Options

    emulator = Emulator(
        Options(
            env=args.env,
            port=args.port,
            api_keys=args.api_keys,
            stack_file=args.stack_file,
            throttle=not args.no_throttle,
            test_hooks=args.test_hooks,
            retry_delay=args.retry_delay,
            log_level=args.log_level,
            workflow_time_scale=args.workflow_time_scale,
            sweep_interval=args.sweep_interval,
            extra_env={"SWEEP_OLDER_THAN_SECONDS": str(args.sweep_older_than)} if args.sweep_older_than else {},
            sdk_backoff_scale=args.sdk_backoff_scale,
            aws_endpoint_url=args.aws_endpoint_url,
            speedups=not args.no_speedups,
        )
    )
    stop = stop_signal.stop_event(signal.SIGTERM, signal.SIGINT)
    emulator.start()
    info = emulator.info
    print(f"payment API ({info['env']}) on {info['base_url']}", file=sys.stderr)
    for client in info["clients"]:
        print(f"  API key of client {client['name']}:  {client['api_key']}", file=sys.stderr)
    print(f"  AWS (moto) endpoint: {info['aws_endpoint_url']}  region {info['region']}", file=sys.stderr)
    print(
        f"  Step Functions endpoint: {info['sfn_endpoint_url']}  state machine {info['state_machine_arn']}",
        file=sys.stderr,
    )
    print(
        f"  try: curl -s -H 'x-api-key: {info['api_key']}' '{info['base_url']}/transactions?customer_id=cust_1'",
        file=sys.stderr,
    )
    for warning in emulator.warnings:
        print(f"  warning (gateway responses): {warning}", file=sys.stderr)
    print("Ctrl-C to stop", file=sys.stderr, flush=True)
    if args.ready_file:
        tmp = args.ready_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
        os.replace(tmp, args.ready_file)
    try:
        stop_signal.wait(stop)
    finally:
        print("stopping", file=sys.stderr, flush=True)
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
