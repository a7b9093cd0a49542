"""The emulator serves a preview too: ``--env pr-123`` reads (or synthesizes) ``payment-pr-123``."""

from __future__ import annotations

import pytest

from payment_local import __main__ as cli
from payment_local import stack as local_stack


def test_a_preview_name_is_accepted_and_synthesized_with_payment_deployment(monkeypatch, tmp_path) -> None:
    calls = []
    monkeypatch.setattr(local_stack, "synthesize", lambda deployment=None, **_: calls.append(deployment))
    with pytest.raises(FileNotFoundError):
        local_stack.load_stack("pr-123", path=tmp_path / "missing.json")
    assert calls == ["pr-123"]
    assert cli.parse_args(["--env", "pr-123"]).env == "pr-123"


@pytest.mark.parametrize("name", ["PR-1", "account", "pr_1"])
def test_a_bad_preview_name_is_refused_naming_the_field(name: str) -> None:
    with pytest.raises(local_stack.StackError, match=f"env = '{name}': allowed dev, staging, prod or a preview"):
        local_stack.load_stack(name, synth_if_missing=False)
    with pytest.raises(SystemExit):
        cli.parse_args(["--env", name])


def test_synthesize_passes_the_preview_name(monkeypatch) -> None:
    seen = {}
    monkeypatch.setattr(local_stack.subprocess, "run", lambda argv, **kw: seen.update(kw["env"]))
    local_stack.synthesize(deployment="pr-123")
    assert seen["PAYMENT_DEPLOYMENT"] == "pr-123"
    seen.clear()
    local_stack.synthesize(deployment="dev")
    assert "PAYMENT_DEPLOYMENT" not in seen or seen["PAYMENT_DEPLOYMENT"] != "dev"
