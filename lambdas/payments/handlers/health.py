"""``health`` function: ``GET /health`` without API key.

Liveness only: it touches no dependency (and has no IAM access to any), so a
public caller cannot use it to load the database.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from payments.handlers.http import PaymentsResolver
from payments.handlers.tracing import handler_only_tracer
from payments.settings import HealthSettings

logger = Logger()
tracer = handler_only_tracer()
metrics = Metrics()


def build_app(settings: HealthSettings) -> PaymentsResolver:
    app = PaymentsResolver("health")

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "environment": settings.environment}

    return app


@cache
def _app() -> PaymentsResolver:
    return build_app(HealthSettings.from_env())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _app().resolve(event, context)
