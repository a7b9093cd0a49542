"""The node floor: plain ``node`` loading what our synth's jsii kernel loads, the denominator of the synth ratio."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from benchmarks.runner import REPO

JSII_CACHE = Path.home() / ".cache" / "aws" / "jsii" / "package-cache"
_EXPORT = re.compile(r'exports\.(\w+) = (?:__importStar\()?require\("\./([^"]+)"\)')


def _cached_package(npm: str, version: str) -> Path:
    found = sorted((JSII_CACHE / npm / version).glob("*/package.json"))
    if not found:
        raise SystemExit(f"bench: {npm}@{version} is not in the jsii cache {JSII_CACHE} (the warm-up fills it)")
    return found[0].parent


def kernel_floor_command(workdir: Path) -> list[str]:
    """``node`` loading what our synth's kernel loads, and nothing else: the framework, constructs and the
    provider modules ``payment_infra/aws.py`` imports, from the packages jsii unpacked (the cdktf engine).

    The floor under any CDKTF synth of these stacks in any language: a TypeScript app of the same resources
    would load the same modules and then also build the tree and write the JSON. ``fast / floor`` is
    therefore an upper bound of the ratio to such an app.
    """
    import importlib.metadata

    sys.path.insert(0, str(REPO))
    from payment_infra import accelerate

    modules = workdir / "floor" / "node_modules"
    (modules / "@cdktf").mkdir(parents=True, exist_ok=True)
    packages = {
        "cdktf": importlib.metadata.version("cdktf"),
        "constructs": importlib.metadata.version("constructs"),
        "@cdktf/provider-aws": importlib.metadata.version("cdktf-cdktf-provider-aws"),
    }
    for npm, version in packages.items():
        link = modules / npm
        if not link.exists():
            link.symlink_to(_cached_package(npm, version))
    index = (modules / "@cdktf/provider-aws" / "lib" / "index.js").read_text()
    files = dict(_EXPORT.findall(index))
    wanted = accelerate.provider_namespaces(accelerate.door_source())
    missing = [name for name in wanted if name not in files]
    if missing:
        raise SystemExit(f"bench: the provider root has no export for {missing[:5]}")
    script = workdir / "floor" / "floor.js"
    script.write_text(
        "require('constructs'); require('cdktf');\n"
        + "".join(f"require('@cdktf/provider-aws/lib/{files[name]}');\n" for name in wanted)
    )
    return [os.environ.get("JSII_NODE", "node"), "--preserve-symlinks", str(script)]
