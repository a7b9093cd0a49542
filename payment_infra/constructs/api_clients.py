"""The API keys of the environment's clients (``config.clients``), one per client and key version.

Created before the functions: their ``API_CLIENTS`` variable maps each client to its key ids (the stable client
name is what a transaction records, so a rotated key keeps its client's data). The usage plans that attach the
keys to the stage live with the stage in ``api.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from constructs import Construct

from payment_infra.aws import ApiGatewayApiKey
from payment_infra.config import ClientSettings
from payment_infra.context import DeploymentContext

#: The client of the default configuration and its first key keep the Terraform address and name the one
#: environment key had before clients existed, so upgrading changes neither that key nor its value.
LEGACY_CLIENT = "default"
LEGACY_KEY_LOGICAL_ID = "payment_api_api_key_E291B063"


@dataclass(frozen=True)
class ClientKey:
    client: str
    version: int
    id: str
    value: str  # a Terraform reference to the key's value (sensitive): replicated to a standby


class ApiClientKeys(Construct):
    """Exposes ``keys`` (every ``ClientKey``, in config order) and ``directory_json`` (the ``API_CLIENTS`` value)."""

    def __init__(self, scope: Construct, id_: str, ctx: DeploymentContext):
        super().__init__(scope, id_)
        self.clients: tuple[ClientSettings, ...] = ctx.config.clients
        self.keys: list[ClientKey] = []
        for client in self.clients:
            for version in client.api_key_versions:
                legacy = client.name == LEGACY_CLIENT and version == 1
                key = ApiGatewayApiKey(
                    self,
                    f"api_key_{client.name.replace('-', '_')}_v{version}",
                    name=ctx.naming.name("payment-api-key" if legacy else f"payment-api-key-{client.name}-v{version}"),
                    enabled=True,
                    value=self.key_value(ctx, client.name, version),
                )
                if legacy:
                    key.override_logical_id(LEGACY_KEY_LOGICAL_ID)
                self.keys.append(ClientKey(client=client.name, version=version, id=key.id, value=key.value))
        directory: dict[str, list[str]] = {}
        for key in self.keys:
            directory.setdefault(key.client, []).append(key.id)
        # Key ids are Terraform references inside the JSON text; they resolve to plain alphanumeric ids.
        self.directory_json = json.dumps(directory, separators=(",", ":"))

    def key_value(self, ctx: DeploymentContext, client: str, version: int) -> str | None:
        """The value of a client's key: None lets API Gateway generate it (a standby takes the primary's)."""
        return None

    def keys_of(self, client: str) -> list[ClientKey]:
        return [key for key in self.keys if key.client == client]
