"""A stand-in ``hashicorp/aws`` plugin: serves the generated schema over tfplugin6 so Terraform core can check.

Terraform starts it through a ``dev_overrides`` CLI configuration (see ``terraform.py``). It speaks
go-plugin's handshake (one line on stdout: ``1|6|tcp|127.0.0.1:<port>|grpc``) and the tfplugin6 protocol from
``tfplugin6.proto`` (Terraform v1.11.4, protocol 6.8; stubs are compiled from it at start by grpcio-tools).

What it does is deliberately little: the schema (Terraform core then checks names, types, blocks, required
arguments, references and the graph itself), no-op validation (the real provider's validators are not in any
schema: the apply-rules tests cover what matters), plans that create what the configuration says with unset
computed attributes unknown, and data sources answered by ``data_sources.py`` (right-shaped defaults, values a
test sets through ``TF_STANDIN_DATA``). Apply (``apply.py``) records the planned values and fills computed ones
with deterministic values of the right shape; reads return the stored state, so a re-plan of an applied stack
shows what our configuration would change, and destroy removes it. Nothing leaves the machine.

Plugin TLS is off (``TF_DISABLE_PLUGIN_TLS=1``, set by ``terraform.py``): gRPC for Python rejects the P-521
client certificate Terraform generates, and the server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
PROTO = Path(__file__).with_name("tfplugin6.proto")


def load_protocol() -> tuple[Any, Any]:
    """``(messages, services)`` modules compiled from ``tfplugin6.proto`` (no generated files in the repo)."""
    import grpc

    here = str(PROTO.parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    return grpc.protos_and_services(PROTO.name)


def _schema_message(pb: Any, type_schema: dict[str, Any]) -> Any:
    import json

    def attribute(name: str, attr: dict[str, Any]) -> Any:
        message = pb.Schema.Attribute(
            name=name,
            required=attr.get("required", False),
            optional=attr.get("optional", False),
            computed=attr.get("computed", False),
            sensitive=attr.get("sensitive", False),
        )
        if "nested_type" in attr:
            nested = attr["nested_type"]
            message.nested_type.CopyFrom(
                pb.Schema.Object(
                    attributes=[attribute(n, a) for n, a in sorted(nested["attributes"].items())],
                    nesting=pb.Schema.Object.NestingMode.Value(nested["nesting_mode"].upper()),
                )
            )
        else:
            message.type = json.dumps(attr["type"]).encode()
        return message

    def block(body: dict[str, Any]) -> Any:
        return pb.Schema.Block(
            attributes=[attribute(n, a) for n, a in sorted(body.get("attributes", {}).items())],
            block_types=[
                pb.Schema.NestedBlock(
                    type_name=n,
                    block=block(b["block"]),
                    nesting=pb.Schema.NestedBlock.NestingMode.Value(b["nesting_mode"].upper()),
                    min_items=b.get("min_items", 0),
                    max_items=b.get("max_items", 0),
                )
                for n, b in sorted(body.get("block_types", {}).items())
            ],
        )

    return pb.Schema(version=type_schema.get("version", 0), block=block(type_schema["block"]))


def schema_response_bytes(pb: Any, schema: dict[str, Any]) -> bytes:
    """The serialized ``GetProviderSchema.Response`` for ``schema`` (cached beside the JSON by the caller)."""
    response = pb.GetProviderSchema.Response(
        provider=_schema_message(pb, schema["provider"]),
        server_capabilities=pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=False),
    )
    for name, type_schema in schema["resource_schemas"].items():
        response.resource_schemas[name].CopyFrom(_schema_message(pb, type_schema))
    for name, type_schema in schema["data_source_schemas"].items():
        response.data_source_schemas[name].CopyFrom(_schema_message(pb, type_schema))
    return response.SerializeToString()


def _servicer(pb: Any, services: Any, schema_path: Path, schema_bytes: bytes) -> Any:
    from . import provider_service, values
    from . import schema as schema_module

    schema_response = pb.GetProviderSchema.Response.FromString(schema_bytes)

    @functools.cache
    def schema() -> dict[str, Any]:
        """The JSON form, read only by the plugin instances that plan or read (not by those that validate)."""
        return schema_module.load(schema_path)

    # The calls stay on a class local to this function, the schema in its closure, as before issue 28's split: with
    # them on a module-level mixin, `make rehearse`'s quota step lost Terraform's closing error from the cdktf CLI's
    # output more often (the CLI reads Terraform through a pty and drops its last output at exit under load).
    class Provider(services.ProviderServicer):
        def GetMetadata(self, request: Any, context: Any) -> Any:
            return pb.GetMetadata.Response(
                server_capabilities=schema_response.server_capabilities,
                resources=[pb.GetMetadata.ResourceMetadata(type_name=n) for n in schema_response.resource_schemas],
                data_sources=[
                    pb.GetMetadata.DataSourceMetadata(type_name=n) for n in schema_response.data_source_schemas
                ],
            )

        def GetProviderSchema(self, request: Any, context: Any) -> Any:
            return schema_response

        def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
            return pb.ValidateProviderConfig.Response()

        def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
            return pb.ValidateResourceConfig.Response()

        def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
            return pb.ValidateDataResourceConfig.Response()

        def ConfigureProvider(self, request: Any, context: Any) -> Any:
            config = values.decode(request.config.msgpack) or {}
            region = config.get("region")
            self.region = region if isinstance(region, str) else None
            return pb.ConfigureProvider.Response()

        def UpgradeResourceState(self, request: Any, context: Any) -> Any:
            # the state as Terraform stored it (what apply returned) is current: handed back unchanged, as JSON,
            # so dynamic values keep the type wrapper Terraform wrote
            if request.raw_state.json:
                return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(json=request.raw_state.json))
            return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(msgpack=values.encode(None)))

        def ReadResource(self, request: Any, context: Any) -> Any:
            return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

        def PlanResourceChange(self, request: Any, context: Any) -> Any:
            return provider_service.plan_resource_change(pb, schema, request)

        def ApplyResourceChange(self, request: Any, context: Any) -> Any:
            return provider_service.apply_resource_change(pb, schema, request, getattr(self, "region", None))

        def ReadDataSource(self, request: Any, context: Any) -> Any:
            return provider_service.read_data_source(pb, schema, request, getattr(self, "region", None))

        def GetFunctions(self, request: Any, context: Any) -> Any:
            return pb.GetFunctions.Response()

        def StopProvider(self, request: Any, context: Any) -> Any:
            return pb.StopProvider.Response()

    return Provider()


def _go_plugin_handlers(stop: threading.Event) -> list[Any]:
    """go-plugin's own services: health check ("plugin" is SERVING), controller shutdown, an empty stdio stream."""
    import grpc

    def check(request: bytes, context: Any) -> bytes:
        return b"\x08\x01"  # HealthCheckResponse{status: SERVING}

    def shutdown(request: bytes, context: Any) -> bytes:
        stop.set()
        return b""

    def stdio(request: bytes, context: Any) -> Any:
        return iter(())

    handlers = {
        "grpc.health.v1.Health": {"Check": grpc.unary_unary_rpc_method_handler(check)},
        "plugin.GRPCController": {"Shutdown": grpc.unary_unary_rpc_method_handler(shutdown)},
        "plugin.GRPCStdio": {"StreamStdio": grpc.unary_stream_rpc_method_handler(stdio)},
    }
    return [grpc.method_handlers_generic_handler(service, methods) for service, methods in handlers.items()]


def serve(schema_path: Path) -> int:
    """Run as Terraform's plugin until Terraform shuts it down. Returns the exit code."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        print("This is a Terraform plugin (the stand-in AWS provider); Terraform starts it.", file=sys.stderr)
        return 1
    if os.environ.get("PLUGIN_CLIENT_CERT"):
        print(
            "stand-in AWS provider: set TF_DISABLE_PLUGIN_TLS=1 (gRPC for Python rejects Terraform's P-521 "
            "plugin client certificate)",
            file=sys.stderr,
        )
        return 1
    import grpc

    from . import schema as schema_module

    pb, services = load_protocol()
    pb_path = schema_path.with_suffix(".pb")
    if pb_path.exists():
        schema_bytes = pb_path.read_bytes()
    else:
        schema_bytes = schema_response_bytes(pb, schema_module.load(schema_path))
    stop = threading.Event()
    options = [("grpc.max_receive_message_length", 256 << 20)]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=options)
    services.add_ProviderServicer_to_server(_servicer(pb, services, schema_path, schema_bytes), server)
    server.add_generic_rpc_handlers(_go_plugin_handlers(stop))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"1|6|tcp|127.0.0.1:{port}|grpc", flush=True)
    stop.wait()
    server.stop(grace=0.5).wait()
    return 0
