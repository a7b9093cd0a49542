"""The infrastructure reads the application contract from the one ``payments`` package of ``lambdas/``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import payments.functions
import payments.workflow_definition
import pytest

from payment_infra import application

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_contract_modules_are_the_packages_own() -> None:
    assert application.functions_module() is payments.functions
    assert application.workflow_module() is payments.workflow_definition
    spec_classes = {type(spec) for spec in application.functions_module().FUNCTIONS}
    assert spec_classes == {payments.functions.FunctionSpec}


def test_loaded_once_without_lambdas_on_the_path() -> None:
    """The infrastructure alone (no ``lambdas/`` on sys.path) registers one module, under its own name."""
    script = textwrap.dedent(
        """
        import importlib.util, sys
        # application.py by path: the check needs neither payment_infra's package nor lambdas/ on sys.path
        spec = importlib.util.spec_from_file_location("application", "payment_infra/application.py")
        application = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(application)
        assert not any("lambdas" in entry for entry in sys.path)
        module = application.functions_module()
        assert module.__name__ == "payments.functions", module.__name__
        import payments.functions
        assert payments.functions is module
        assert [name for name, m in sys.modules.items() if getattr(m, "FunctionSpec", None) is not None] == [
            "payments.functions"
        ]
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, check=True, timeout=60)


def test_a_foreign_payments_package_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    foreign = type(sys)("payments")
    foreign.__path__ = ["/elsewhere/payments"]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "payments", foreign)
    with pytest.raises(ImportError, match="already imported from"):
        application._package()
