"""Static checks of the code and config we deploy: no account id or access key is hard-coded (the public
Powertools layer account is the one documented exception). bandit is ``make security-lint``, a part of ``make test``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.security.support import REPO_ROOT

SCANNED = ("lambdas", "payment_infra", "main.py", "cdktf.json")
TEXT_SUFFIXES = {".py", ".json", ".js", ".md", ".txt", ".yml", ".yaml", ".toml", ".cfg", ".ini", ".sh", ".csv"}
ACCOUNT_ID = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
ACCESS_KEY = re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")
# Twelve-digit numbers allowed, with where and why.
ALLOWED_NUMBERS: dict[str, tuple[str, str]] = {
    # AWS-owned account that publishes the public Powertools for AWS Lambda layers (documented by AWS).
    "017000801446": ("*", "public Powertools layer account"),
    # Not an account: the largest Amount (minor units) in the OpenAPI schema.
    "999999999999": ("lambdas/openapi.json", "Amount.maximum"),
}


def scanned_files() -> list[Path]:
    files = []
    for name in SCANNED:
        path = REPO_ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [p for p in candidates if p.is_file() and p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts]
    return files


def secret_findings(path: Path, text: str) -> list[str]:
    relative = path.relative_to(REPO_ROOT).as_posix() if path.is_absolute() else path.as_posix()
    findings = []
    for number, line in ((m[0], text.count("\n", 0, m.start()) + 1) for m in ACCOUNT_ID.finditer(text)):
        where, _ = ALLOWED_NUMBERS.get(number, ("", ""))
        if where not in ("*", relative):
            findings.append(f"{relative}:{line}: twelve-digit number {number} (account id?)")
    for match in ACCESS_KEY.finditer(text):
        findings.append(f"{relative}:{text.count(chr(10), 0, match.start()) + 1}: access key id {match[0][:8]}…")
    return findings


def test_no_account_id_or_access_key_is_hard_coded() -> None:
    files = scanned_files()
    assert len(files) > 20, "scanned almost nothing: the layout changed"
    findings = [f for path in files for f in secret_findings(path, path.read_text(errors="replace"))]
    assert not findings, "\n".join(findings)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('ACCOUNT = "123456789012"', True),
        ("arn:aws:iam::210987654321:role/deploy", True),
        ('key = "AKIAABCDEFGHIJKLMNOP"', True),
        ("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:27", False),
        ("amount 1234567890123 is thirteen digits", False),
        ("maximum = 999999999999", True),  # only allowed in the OpenAPI document
    ],
)
def test_secret_patterns(text: str, found: bool) -> None:
    assert bool(secret_findings(Path("payment_infra/x.py"), text)) is found
