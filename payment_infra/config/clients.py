"""The integrating applications (``clients``): each one's API keys and usage-plan tier, and the rules on them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from payment_infra.config.problems import Problem, Problems, is_int

CLIENT_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
MAX_CLIENTS = 20  # every client's key ids travel in one Lambda environment variable (4 KB for all variables)
MAX_KEY_VERSIONS = 2  # the current key and its successor while callers switch over
# The scope of invocations without an API key (lambdas/payments/domain/clients.py NO_API_KEY_CLIENT; a test
# keeps the two equal): a client of that name would share it.
RESERVED_CLIENT_NAMES = ("no-api-key",)


@dataclass(frozen=True)
class ClientSettings:
    """One integrating application (a checkout, a back office, a partner): its API keys and usage-plan tier.

    A tier setting left ``None`` takes the environment's value from ``ApiSettings``. ``api_key_versions`` names
    the keys the client holds: rotate by adding the next version, deploying, switching the caller over, then
    removing the old version (README, "Clients"). ``name`` is the stable owner of the client's transactions:
    renaming a client hides everything it created.
    """

    name: str
    throttle_rate_limit: int | None = None
    throttle_burst_limit: int | None = None
    quota_per_day: int | None = None
    api_key_versions: tuple[int, ...] = (1,)

    def problems(self, prefix: str, other_names: Sequence[Any], ceilings: Mapping[str, int | None]) -> list[Problem]:
        """Every rule this client breaks; ``ceilings`` caps a tier setting (``None``: any positive integer)."""
        found = Problems()
        found.check(
            isinstance(self.name, str) and bool(CLIENT_NAME_PATTERN.match(self.name)),
            f"{prefix}name",
            self.name,
            "1-20 characters of a-z, 0-9 and -, starting with a letter",
        )
        found.check(self.name not in other_names, f"{prefix}name", self.name, "a name no other client has")
        found.check(
            self.name not in RESERVED_CLIENT_NAMES,
            f"{prefix}name",
            self.name,
            "any name but " + ", ".join(RESERVED_CLIENT_NAMES) + " (reserved)",
        )
        for name, ceiling in ceilings.items():
            value = getattr(self, name)
            if value is None:
                continue
            if ceiling is None:
                found.check(is_int(value) and value > 0, f"{prefix}{name}", value, "a positive integer or None")
            else:
                found.check(
                    is_int(value) and 0 < value <= ceiling,
                    f"{prefix}{name}",
                    value,
                    f"a positive integer up to the stage's api.{name} ({ceiling}), or None for that value",
                )
        versions = self.api_key_versions
        found.check(
            isinstance(versions, tuple)
            and 1 <= len(versions) <= MAX_KEY_VERSIONS
            and all(is_int(v) and v >= 1 for v in versions)
            and len(set(versions)) == len(versions),
            f"{prefix}api_key_versions",
            versions,
            f"1 to {MAX_KEY_VERSIONS} distinct positive integers, e.g. (1,) or (1, 2) while rotating",
        )
        return found


@dataclass(frozen=True)
class UsageTier:
    """A client's usage plan with the environment's defaults filled in."""

    throttle_rate_limit: int
    throttle_burst_limit: int
    quota_per_day: int


DEFAULT_CLIENTS: tuple[ClientSettings, ...] = (ClientSettings(name="default"),)


def clients_problems(clients: Any, ceilings: Mapping[str, int | None], prefix: str = "clients") -> list[Problem]:
    """The list as a whole (a tuple of 1 to ``MAX_CLIENTS`` distinct clients), then each client in it."""
    if not isinstance(clients, tuple) or not all(isinstance(c, ClientSettings) for c in clients):
        return [(prefix, clients, "a tuple of ClientSettings")]
    found = Problems()
    found.check(
        1 <= len(clients) <= MAX_CLIENTS,
        prefix,
        tuple(c.name for c in clients),
        f"1 to {MAX_CLIENTS} clients (the default is one client named 'default')",
    )
    names = [c.name for c in clients]
    for index, client in enumerate(clients):
        others = names[:index] + names[index + 1 :]
        found += client.problems(f"{prefix}[{index}].", others, ceilings)
    return found
