"""The one door to the CDK for Terraform framework: every framework name this project uses is taken from here.

The package comes from the engine setting (``PAYMENT_ENGINE``, see ``payment_infra/engine.py``): ``cdktf``
(HashiCorp's, archived upstream) or ``cdktn`` (CDK Terrain, its maintained fork), which export the same
names. Importing this module starts the jsii kernel (the framework loads its assembly): call the
accelerator first (``main.py`` and ``tests/conftest.py`` do).

Add a name here (and to ``__all__``) when a module needs one; ``from cdktf import`` anywhere else is a test failure.
"""

from __future__ import annotations

import importlib

from payment_infra.engine import ENGINE

_framework = importlib.import_module(ENGINE.framework_module)

App = _framework.App
AssetType = _framework.AssetType
Fn = _framework.Fn
LocalBackend = _framework.LocalBackend
Op = _framework.Op
Postcondition = _framework.Postcondition
Precondition = _framework.Precondition
S3Backend = _framework.S3Backend
TerraformAsset = _framework.TerraformAsset
TerraformDataSource = _framework.TerraformDataSource
TerraformOutput = _framework.TerraformOutput
TerraformResource = _framework.TerraformResource
TerraformResourceLifecycle = _framework.TerraformResourceLifecycle
TerraformStack = _framework.TerraformStack
Testing = _framework.Testing
Token = _framework.Token

__all__ = [
    "App",
    "AssetType",
    "Fn",
    "LocalBackend",
    "Op",
    "Postcondition",
    "Precondition",
    "S3Backend",
    "TerraformAsset",
    "TerraformDataSource",
    "TerraformOutput",
    "TerraformResource",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "Testing",
    "Token",
]
