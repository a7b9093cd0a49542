"""The public Powertools layer of the release the tests run, found at plan time: the version is the one fact.

Layer version numbers count Powertools releases (v3.2.0 published layer 3; layer 27 is v3.23.0), so a layer number
in the config cannot say which release the functions load, and it drifted from the one the tests pin. Powertools
publishes, per region, an SSM public parameter for every release whose value is that release's layer ARN
(``/aws/service/powertools/python/{architecture}/{runtime}/{version}``); the stack reads it, so the deployed layer is
the release in ``lambda_.powertools_version``, which ``tests/lambdas/test_powertools_version.py`` holds equal to the
version ``Pipfile.lock`` installs for the tests. A release without its parameter fails the plan (``ParameterNotFound``),
before anything is applied.
"""

from __future__ import annotations

from constructs import Construct

from payment_infra.aws import DataAwsSsmParameter
from payment_infra.config import LambdaSettings

POWERTOOLS_PARAMETER_PREFIX = "/aws/service/powertools/python"


def powertools_parameter_name(settings: LambdaSettings) -> str:
    """``/aws/service/powertools/python/arm64/python3.12/3.37.0``: the SSM public parameter of the release's layer."""
    return f"{POWERTOOLS_PARAMETER_PREFIX}/{settings.architecture}/{settings.runtime}/{settings.powertools_version}"


class PowertoolsLayer(Construct):
    """Exposes ``arn``: the layer ARN of ``settings.powertools_version`` for the functions' runtime and architecture."""

    def __init__(self, scope: Construct, id_: str, settings: LambdaSettings):
        super().__init__(scope, id_)
        parameter = DataAwsSsmParameter(self, "parameter", name=powertools_parameter_name(settings))
        # A public String parameter: insecure_value is its value without the provider's sensitive marking.
        self.arn: str = parameter.insecure_value
