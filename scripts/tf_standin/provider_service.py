"""The calls of tfplugin6's Provider service: schema, no-op validation, plan, apply, read and data sources.

``plugin._servicer`` mixes ``ProviderCalls`` into the servicer class compiled from ``tfplugin6.proto`` (the
generated base answers UNIMPLEMENTED to any call not defined here). Loaded only when the plugin serves.
"""

from __future__ import annotations

import functools
import traceback
from pathlib import Path
from typing import Any

from . import apply as apply_module
from . import data_sources, values
from . import schema as schema_module


def _bug(pb: Any, verb: str, type_name: str, err: Exception) -> Any:
    """The diagnostic for an error of the stand-in itself: which resource type, and the traceback."""
    return pb.Diagnostic(
        severity=pb.Diagnostic.Severity.ERROR,
        summary=f"stand-in provider failed to {verb} {type_name}",
        detail="".join(traceback.format_exception(err)),
    )


class ProviderCalls:
    """One plugin process's answers; ``pb`` is the compiled message module, ``schema_response`` the schema."""

    def __init__(self, pb: Any, schema_response: Any, schema_path: Path) -> None:
        self.pb = pb
        self.schema_response = schema_response
        self.schema_path = schema_path
        self.region: str | None = None

    @functools.cached_property
    def schema(self) -> dict[str, Any]:
        """The JSON form, read only by the plugin instances that plan or read (not by those that validate)."""
        return schema_module.load(self.schema_path)

    def GetMetadata(self, request: Any, context: Any) -> Any:
        pb, schema_response = self.pb, self.schema_response
        return pb.GetMetadata.Response(
            server_capabilities=schema_response.server_capabilities,
            resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in schema_response.resource_schemas],
            data_sources=[
                pb.GetMetadata.DataSourceMetadata(type_name=n) for n in schema_response.data_source_schemas
            ],
        )

    def GetProviderSchema(self, request: Any, context: Any) -> Any:
        return self.schema_response

    def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
        return self.pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
        return self.pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
        return self.pb.ValidateDataResourceConfig.Response()

    def ConfigureProvider(self, request: Any, context: Any) -> Any:
        config = values.decode(request.config.msgpack) or {}
        region = config.get("region")
        self.region = region if isinstance(region, str) else None
        return self.pb.ConfigureProvider.Response()

    def UpgradeResourceState(self, request: Any, context: Any) -> Any:
        # the state as Terraform stored it (what apply returned) is current: handed back unchanged, as JSON,
        # so dynamic values keep the type wrapper Terraform wrote
        pb = self.pb
        if request.raw_state.json:
            return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(json=request.raw_state.json))
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(msgpack=values.encode(None)))

    def ReadResource(self, request: Any, context: Any) -> Any:
        return self.pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        try:
            return self._plan(request)
        except Exception as err:  # a bug here must name the resource type, not just "Plugin error"
            return self.pb.PlanResourceChange.Response(diagnostics=[_bug(self.pb, "plan", request.type_name, err)])

    def _plan(self, request: Any) -> Any:
        proposed = values.decode(request.proposed_new_state.msgpack)
        prior = values.decode(request.prior_state.msgpack)
        if proposed is None or prior is not None:  # destroy, or an update: Terraform's proposal as is
            planned = proposed
        else:
            planned = values.plan_create(self.schema["resource_schemas"][request.type_name]["block"], proposed)
        return self.pb.PlanResourceChange.Response(
            planned_state=self.pb.DynamicValue(msgpack=values.encode(planned)), legacy_type_system=True
        )

    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        planned = values.decode(request.planned_state.msgpack)
        try:
            block = self.schema["resource_schemas"][request.type_name]["block"]
            new_state = apply_module.apply(request.type_name, block, planned, self.region)
        except apply_module.ApplyRefusedError as err:
            failure = self.pb.Diagnostic(severity=self.pb.Diagnostic.Severity.ERROR, summary=str(err))
            return self.pb.ApplyResourceChange.Response(diagnostics=[failure])
        except Exception as err:  # a bug here must name the resource type, not just "Plugin error"
            return self.pb.ApplyResourceChange.Response(diagnostics=[_bug(self.pb, "apply", request.type_name, err)])
        return self.pb.ApplyResourceChange.Response(
            new_state=self.pb.DynamicValue(msgpack=values.encode(new_state)),
            private=request.planned_private,
            legacy_type_system=True,
        )

    def ReadDataSource(self, request: Any, context: Any) -> Any:
        config = values.decode(request.config.msgpack)
        data_schemas = self.schema["data_source_schemas"]
        try:
            overridden = data_sources.overrides(data_schemas)
        except data_sources.DataOverrideError as err:
            failure = self.pb.Diagnostic(severity=self.pb.Diagnostic.Severity.ERROR, summary=str(err))
            return self.pb.ReadDataSource.Response(diagnostics=[failure])
        block = data_schemas[request.type_name]["block"]
        state = data_sources.answer(request.type_name, block, config, self.region, overridden)
        return self.pb.ReadDataSource.Response(state=self.pb.DynamicValue(msgpack=values.encode(state)))

    def GetFunctions(self, request: Any, context: Any) -> Any:
        return self.pb.GetFunctions.Response()

    def StopProvider(self, request: Any, context: Any) -> Any:
        return self.pb.StopProvider.Response()
