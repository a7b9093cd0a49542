"""Scaled AWS SDK retry backoff, for tests: the handlers' retries run as on AWS, only their pauses shrink.

botocore sleeps between the attempts of a throttled or failed call (standard mode: up to 2^n s with full
jitter). The e2e scenarios that inject throttles and 5xx errors waited seconds on those sleeps; with
``--sdk-backoff-scale 0.05`` every pause of the SDK in the emulator's process is that share of its length. The
attempts, their number and their order do not change. ``make local`` keeps the real pauses (scale 1).
"""

from __future__ import annotations

import time
from typing import Any

import botocore.endpoint


class _ScaledSleep:
    """``time`` as botocore's endpoint module sees it, with ``sleep`` scaled."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds * self.scale)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def scale_sdk_backoff(scale: float) -> None:
    """Scale botocore's retry pauses in this process by ``scale`` (0 < scale <= 1; 1 restores them)."""
    if not 0 < scale <= 1:
        raise ValueError(f"sdk backoff scale must be in (0, 1], got {scale}")
    botocore.endpoint.time = time if scale == 1 else _ScaledSleep(scale)  # type: ignore[assignment]
