"""How one benchmark command runs and is measured: a snapshot of the sources, a clean environment, a wrapper.

Memory: "peak RSS (tree)" is the largest sum of the resident sets of the process and all its descendants
(Python and the jsii Node process), sampled every 20 ms from /proc; "peak RSS (largest process)" is
``ru_maxrss`` of ``RUSAGE_CHILDREN`` read in a fresh wrapper process per run, which is exact but counts
only the single largest process of the tree.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_PY = REPO / ".venv" / "bin" / "python"

# Runs one command, samples the RSS of its process tree, reports JSON on stdout. A fresh wrapper per run
# keeps RUSAGE_CHILDREN to that one command (and the descendants it waited for, e.g. the jsii Node process).
_WRAPPER = r"""
import json, os, resource, subprocess, sys, time

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

def descendants(pid):
    # /proc/<pid>/task/<tid>/children lists the processes each thread started: a few reads per sample, where
    # scanning every /proc/<n>/stat would cost the measured synth a noticeable share of a 2-core machine.
    found = [pid]
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    found += descendants(int(child))
        except OSError:
            pass
    return found

def tree_rss_kb(root):
    total = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            pass
    return total

start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
peak = 0
while proc.poll() is None:
    peak = max(peak, tree_rss_kb(proc.pid))
    time.sleep(0.02)
wall = time.perf_counter() - start
err = proc.stderr.read().decode(errors="replace")[-2000:]
print(json.dumps({"wall": wall, "rc": proc.returncode, "tree_kb": peak,
                  "max_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "stderr": err}))
"""


@dataclass
class Sample:
    wall: float
    tree_kb: int
    max_kb: int


@dataclass
class Measured:
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)


@dataclass
class Context:
    runs: int
    workdir: Path
    outdirs: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def src(self) -> Path:
        """The snapshot of the sources that synth and the Lambda figures use."""
        return self.workdir / "src"


SNAPSHOT = ("main.py", "cdktf.json", "payment_infra", "lambdas")


def snapshot_sources(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    dest.mkdir(parents=True)
    for name in SNAPSHOT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, dest / name)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without PAYMENT_* (synth must not pick up a remote backend) plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENT_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # -OO runs need their cached .opt-2.pyc, like `make synth`
    env.update(extra or {})
    return env


def measure(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> Sample:
    out = subprocess.run(  # noqa: S603 (our own commands)
        [sys.executable, "-c", _WRAPPER, *cmd], env=env, cwd=cwd, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"bench: {' '.join(cmd[:3])} … exited {result['rc']}:\n{result['stderr']}")
    return Sample(result["wall"], result["tree_kb"], result["max_kb"])


def mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"
