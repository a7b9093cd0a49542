"""The schema generator: what it rebuilds from the provider package, and its cache per package version."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from scripts.tf_standin import schema

pytestmark = pytest.mark.slow  # Terraform core: make test-slow runs it


@pytest.fixture(scope="session")
def generated() -> dict:
    return schema.load(schema.cached_schema())


def test_every_type_the_stacks_use_is_in_the_schema(generated: dict, stacks: dict[str, dict]) -> None:
    for stack in stacks.values():
        assert set(stack["resource"]) <= set(generated["resource_schemas"])
        assert set(stack.get("data", {})) <= set(generated["data_source_schemas"])
    assert len(generated["resource_schemas"]) > 1500 and len(generated["data_source_schemas"]) > 600


def test_flags_types_and_nesting_of_known_attributes(generated: dict) -> None:
    queue = generated["resource_schemas"]["aws_sqs_queue"]["block"]
    assert queue["attributes"]["url"] == {"type": "string", "computed": True}
    assert queue["attributes"]["name"] == {"type": "string", "optional": True, "computed": True}
    assert queue["attributes"]["delay_seconds"] == {"type": "number", "optional": True}
    assert queue["attributes"]["tags"] == {"type": ["map", "string"], "optional": True}
    assert queue["block_types"]["timeouts"]["nesting_mode"] == "single"

    function = generated["resource_schemas"]["aws_lambda_function"]["block"]
    assert function["attributes"]["role"] == {"type": "string", "required": True}
    assert function["attributes"]["layers"] == {"type": ["list", "string"], "optional": True}
    vpc = function["block_types"]["vpc_config"]
    assert (vpc["nesting_mode"], vpc.get("max_items"), vpc.get("min_items")) == ("list", 1, None)
    assert vpc["block"]["attributes"]["security_group_ids"] == {"type": ["set", "string"], "required": True}
    assert vpc["block"]["attributes"]["vpc_id"] == {"type": "string", "computed": True}

    acl = generated["resource_schemas"]["aws_wafv2_web_acl"]["block"]
    assert acl["block_types"]["visibility_config"]["min_items"] == 1
    # cdktf types the deep `statement` as any: Terraform refuses dynamic types in a set, so rule is a list here
    assert acl["block_types"]["rule"]["nesting_mode"] == "list"
    assert acl["block_types"]["rule"]["block"]["attributes"]["statement"]["type"] == "dynamic"

    zones = generated["data_source_schemas"]["aws_availability_zones"]["block"]
    assert zones["attributes"]["names"] == {"type": ["list", "string"], "computed": True}


def test_schema_is_cached_per_package_version(tmp_path: Path) -> None:
    package = schema.installed_provider_package()
    real = schema.cached_schema(package)
    assert f"{package.distribution}-{package.version}-" in real.name

    fake = schema.ProviderPackage(package.distribution, "0.0.0-test", Path("/nonexistent.tgz"))
    planted = tmp_path / real.name.replace(package.version, "0.0.0-test")
    planted.write_bytes(gzip.compress(json.dumps({"marker": True}).encode()))

    assert schema.cached_schema(fake, directory=tmp_path) == planted  # found, not regenerated
    assert schema.load(planted) == {"marker": True}
    with pytest.raises(FileNotFoundError):  # another version is generated from its own tarball
        schema.cached_schema(schema.ProviderPackage(package.distribution, "0.0.1", Path("/nonexistent.tgz")), tmp_path)


def test_a_package_without_a_provider_is_an_error(tmp_path: Path) -> None:
    import io
    import tarfile

    tarball = tmp_path / "empty.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        data = b"exports.x = 1;"
        info = tarfile.TarInfo("package/lib/x/index.js")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))

    with pytest.raises(schema.SchemaError, match="no provider class or no resources"):
        schema.generate(tarball)


def test_unknown_provider_package_is_named() -> None:
    with pytest.raises(schema.SchemaError, match="unknown provider package 'cdktf-provider-gcp'"):
        schema.installed_provider_package("cdktf-provider-gcp")


@pytest.mark.parametrize("distribution", sorted(schema.PROVIDER_PACKAGES))
def test_the_generator_reads_every_installed_provider_package(distribution: str, stacks: dict[str, dict]) -> None:
    """cdktf's package and cdktn's (the optional engine) share the generator; each installed one is read whole."""
    try:
        package = schema.installed_provider_package(distribution)
    except schema.SchemaError as err:
        pytest.skip(f"{distribution} is not installed: {err}")

    generated = schema.load(schema.cached_schema(package))

    for stack in stacks.values():
        assert set(stack["resource"]) <= set(generated["resource_schemas"])
    function = generated["resource_schemas"]["aws_lambda_function"]["block"]
    assert function["attributes"]["function_name"] == {"type": "string", "required": True}
