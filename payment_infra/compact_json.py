"""Compact JSON text for the values CDKTF takes as strings: policies, the API body, the state machine, redrive
settings, the access-log format.

One rendering everywhere keeps the synthesized strings stable (a re-synth never shows a whitespace-only
diff) and as short as the AWS size limits on policies like them to be.
"""

from __future__ import annotations

import json


def compact_json(value: object, *, sort_keys: bool = False) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys)
