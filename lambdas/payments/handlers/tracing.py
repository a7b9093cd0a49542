"""What X-Ray traces in each function: the AWS SDK calls it makes, and nothing else.

``Tracer()`` patches every library the X-Ray SDK supports (``patch_all``: botocore, requests, httplib, sqlite3
and nine more), importing each one that is installed, at cold start. Our functions reach AWS through botocore
only, and health calls nothing, so each asks for what it uses. Powertools keeps the tracer configuration per
process (on the class), so both arguments are passed every time: an earlier ``auto_patch=False`` must not
carry over to the next function in the same process (the local emulator runs them all in one).
"""

from __future__ import annotations

from aws_lambda_powertools import Tracer

#: The library through which every function that calls AWS does so.
TRACED_LIBRARIES = ("botocore",)


def aws_calls_tracer() -> Tracer:
    """A tracer that records the function's AWS SDK calls as subsegments."""
    return Tracer(auto_patch=True, patch_modules=TRACED_LIBRARIES)


def handler_only_tracer() -> Tracer:
    """A tracer for a function that calls no other service: the handler's own segment, no library patched."""
    return Tracer(auto_patch=False)
