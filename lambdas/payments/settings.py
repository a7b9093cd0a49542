"""Environment variables, parsed once per container into frozen typed objects.

Each function has its own settings class listing exactly the variables it reads,
by the names ``payments.functions`` declares for the infrastructure (a test keeps
each class equal to its function's ``FunctionSpec.environment``). A missing or invalid variable raises ``SettingsError``
naming every problem at once, never a silent default of ``""``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from payments import functions as contract
from payments.domain.clients import ClientDirectory, ClientDirectoryError

T = TypeVar("T", bound="BaseSettings")


class SettingsError(RuntimeError):
    """The function's environment is incomplete or invalid (a deployment bug)."""


def _env(name: str, *, default: Any = None, kind: type = str) -> Any:
    return field(metadata={"env": name, "default": default, "kind": kind})


@dataclass(frozen=True)
class BaseSettings:
    environment: str = _env(contract.ENVIRONMENT_NAME)

    #: Read by Powertools itself; required so a deployment cannot forget them.
    POWERTOOLS_VARIABLES: ClassVar[tuple[str, ...]] = contract.POWERTOOLS_ENVIRONMENT

    @classmethod
    def variables(cls) -> tuple[str, ...]:
        """Every variable this function reads (ours and Powertools')."""
        return tuple(f.metadata["env"] for f in fields(cls)) + cls.POWERTOOLS_VARIABLES

    @classmethod
    def from_env(cls: type[T], environ: Mapping[str, str] | None = None) -> T:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        problems: list[str] = []
        for name in cls.POWERTOOLS_VARIABLES:
            if not environ.get(name, "").strip():
                problems.append(f"{name} is not set")
        for f in fields(cls):
            name, default, kind = f.metadata["env"], f.metadata["default"], f.metadata["kind"]
            raw = environ.get(name, "").strip()
            if not raw:
                if default is None:
                    problems.append(f"{name} is not set")
                else:
                    values[f.name] = default
                continue
            if kind is int:
                if not raw.isdigit():
                    problems.append(f"{name} must be a whole number of seconds, got {raw!r}")
                    continue
                values[f.name] = int(raw)
            elif kind is ClientDirectory:
                try:
                    values[f.name] = ClientDirectory.parse(raw)
                except ClientDirectoryError as exc:
                    problems.append(str(exc))
            else:
                values[f.name] = raw
        if problems:
            raise SettingsError(f"{cls.__name__}: " + "; ".join(problems))
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Cross-field checks; override to add more."""


@dataclass(frozen=True)
class TransactionsApiSettings(BaseSettings):
    transactions_table: str = _env(contract.TRANSACTIONS_TABLE)
    idempotency_table: str = _env(contract.IDEMPOTENCY_TABLE)
    #: Set by the infrastructure from its environment config (``api.idempotency_ttl_seconds``).
    idempotency_ttl_seconds: int = _env(contract.IDEMPOTENCY_TTL_SECONDS, kind=int)
    clients: ClientDirectory = _env(contract.API_CLIENTS, kind=ClientDirectory)  # noqa: RUF009 - a dataclasses.field

    def check(self) -> None:
        low, high = contract.IDEMPOTENCY_TTL_RANGE_SECONDS
        if not low <= self.idempotency_ttl_seconds <= high:
            name, value = contract.IDEMPOTENCY_TTL_SECONDS, self.idempotency_ttl_seconds
            raise SettingsError(f"{name} must be between {low} and {high}, got {value}")


@dataclass(frozen=True)
class StatusApiSettings(BaseSettings):
    transactions_table: str = _env(contract.TRANSACTIONS_TABLE)
    clients: ClientDirectory = _env(contract.API_CLIENTS, kind=ClientDirectory)  # noqa: RUF009 - a dataclasses.field


@dataclass(frozen=True)
class HealthSettings(BaseSettings):
    pass


@dataclass(frozen=True)
class SettlementSettings(BaseSettings):
    state_machine_arn: str = _env(contract.STATE_MACHINE_ARN)


@dataclass(frozen=True)
class BatchImportSettings(BaseSettings):
    transactions_table: str = _env(contract.TRANSACTIONS_TABLE)
    import_bucket: str = _env(contract.IMPORT_BUCKET)
    clients: ClientDirectory = _env(contract.API_CLIENTS, kind=ClientDirectory)  # noqa: RUF009 - a dataclasses.field


@dataclass(frozen=True)
class SweepSettings(BaseSettings):
    transactions_table: str = _env(contract.TRANSACTIONS_TABLE)
    queue_url: str = _env(contract.QUEUE_URL)
    clients: ClientDirectory = _env(contract.API_CLIENTS, kind=ClientDirectory)  # noqa: RUF009 - a dataclasses.field
    #: Set by the infrastructure from ``settlement_feed.sweep_older_than_seconds`` / ``sweep_lookback_seconds``.
    older_than_seconds: int = _env(contract.SWEEP_OLDER_THAN_SECONDS, kind=int)
    lookback_seconds: int = _env(contract.SWEEP_LOOKBACK_SECONDS, kind=int)

    def check(self) -> None:
        if not 0 < self.older_than_seconds < self.lookback_seconds:
            raise SettingsError(
                f"{contract.SWEEP_OLDER_THAN_SECONDS} ({self.older_than_seconds}) must be positive and below "
                f"{contract.SWEEP_LOOKBACK_SECONDS} ({self.lookback_seconds})"
            )


@dataclass(frozen=True)
class WorkflowValidateSettings(BaseSettings):
    transactions_table: str = _env(contract.TRANSACTIONS_TABLE)


@dataclass(frozen=True)
class WorkflowProcessSettings(BaseSettings):
    transactions_table: str = _env(contract.TRANSACTIONS_TABLE)
    receipts_bucket: str = _env(contract.RECEIPTS_BUCKET)
