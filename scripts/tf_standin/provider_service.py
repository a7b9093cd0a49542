"""What the stand-in answers to plan, apply and data source reads (``plugin._servicer`` serves them).

``schema`` is the plugin's loader of the JSON schema (loaded once, only by plugin instances that plan or read).
A bug of the stand-in's own comes back as a diagnostic naming the resource type, not as gRPC's "Plugin error".
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from . import apply as apply_module
from . import data_sources, values

Schema = Callable[[], dict[str, Any]]


def _bug(pb: Any, verb: str, type_name: str, err: Exception) -> Any:
    """The diagnostic for an error of the stand-in itself: which resource type, and the traceback."""
    return pb.Diagnostic(
        severity=pb.Diagnostic.Severity.ERROR,
        summary=f"stand-in provider failed to {verb} {type_name}",
        detail="".join(traceback.format_exception(err)),
    )


def plan_resource_change(pb: Any, schema: Schema, request: Any) -> Any:
    """A create plans what the configuration says, unset computed attributes unknown; anything else as proposed."""
    try:
        proposed = values.decode(request.proposed_new_state.msgpack)
        prior = values.decode(request.prior_state.msgpack)
        if proposed is None or prior is not None:  # destroy, or an update: Terraform's proposal as is
            planned = proposed
        else:
            planned = values.plan_create(schema()["resource_schemas"][request.type_name]["block"], proposed)
        return pb.PlanResourceChange.Response(
            planned_state=pb.DynamicValue(msgpack=values.encode(planned)), legacy_type_system=True
        )
    except Exception as err:  # a bug here must name the resource type, not just "Plugin error"
        return pb.PlanResourceChange.Response(diagnostics=[_bug(pb, "plan", request.type_name, err)])


def apply_resource_change(pb: Any, schema: Schema, request: Any, region: str | None) -> Any:
    """The planned values with computed ones filled (``apply.py``), or the refusal a test asked for."""
    planned = values.decode(request.planned_state.msgpack)
    try:
        block = schema()["resource_schemas"][request.type_name]["block"]
        new_state = apply_module.apply(request.type_name, block, planned, region)
    except apply_module.ApplyRefusedError as err:
        failure = pb.Diagnostic(severity=pb.Diagnostic.Severity.ERROR, summary=str(err))
        return pb.ApplyResourceChange.Response(diagnostics=[failure])
    except Exception as err:  # a bug here must name the resource type, not just "Plugin error"
        return pb.ApplyResourceChange.Response(diagnostics=[_bug(pb, "apply", request.type_name, err)])
    return pb.ApplyResourceChange.Response(
        new_state=pb.DynamicValue(msgpack=values.encode(new_state)),
        private=request.planned_private,
        legacy_type_system=True,
    )


def read_data_source(pb: Any, schema: Schema, request: Any, region: str | None) -> Any:
    """What ``data_sources.py`` answers for the data source, with a test's ``TF_STANDIN_DATA`` overrides."""
    config = values.decode(request.config.msgpack)
    data_schemas = schema()["data_source_schemas"]
    try:
        overridden = data_sources.overrides(data_schemas)
    except data_sources.DataOverrideError as err:
        failure = pb.Diagnostic(severity=pb.Diagnostic.Severity.ERROR, summary=str(err))
        return pb.ReadDataSource.Response(diagnostics=[failure])
    block = data_schemas[request.type_name]["block"]
    state = data_sources.answer(request.type_name, block, config, region, overridden)
    return pb.ReadDataSource.Response(state=pb.DynamicValue(msgpack=values.encode(state)))
