"""The Lambda deployment package: ``lambdas/`` filtered to runtime files, staged with a content hash.

Why a staging copy: the tests import the handlers, which leaves ``__pycache__`` folders in ``lambdas/``;
zipping the folder as is would ship them and change the asset hash from run to run. The staged copy holds
only ``*.py`` and ``*.json`` files with a fixed modification time, so the zip and its hash depend on
file contents alone (deterministic snapshots, byte-identical synth).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from payment_infra.application import LAMBDAS_DIR

RUNTIME_SUFFIXES = (".py", ".json")
EXCLUDED_PARTS = {"__pycache__", "tests"}
STAGING_DIR = LAMBDAS_DIR.parent / "build" / "lambda-package"
FIXED_MTIME = 315532800  # 1980-01-01, the earliest time a zip entry can carry


@dataclass(frozen=True)
class LambdaPackage:
    path: Path
    content_hash: str
    files: tuple[str, ...]


def runtime_files(source: Path = LAMBDAS_DIR) -> list[Path]:
    """Files that belong in the package, sorted by relative path."""
    return sorted(
        (
            p
            for p in source.rglob("*")
            if p.is_file() and p.suffix in RUNTIME_SUFFIXES and not (EXCLUDED_PARTS & set(p.relative_to(source).parts))
        ),
        key=lambda p: p.relative_to(source).as_posix(),
    )


def content_hash(source: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(source).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def stage_lambda_package(source: Path = LAMBDAS_DIR, staging: Path = STAGING_DIR) -> LambdaPackage:
    """Copy the runtime files of ``source`` into ``staging`` (replacing it) and return the package."""
    files = runtime_files(source)
    if not files:
        raise FileNotFoundError(f"no runtime files (*.py, *.json) under {source}")
    package_hash = content_hash(source, files)
    marker = staging.with_name(staging.name + ".sha256")  # beside, not inside: it must not be zipped
    if not (marker.exists() and marker.read_text() == package_hash):
        if staging.exists():
            shutil.rmtree(staging)
        for path in files:
            target = staging / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        for path in sorted(staging.rglob("*"), reverse=True):
            os.utime(path, (FIXED_MTIME, FIXED_MTIME))
        marker.write_text(package_hash)
        os.utime(staging, (FIXED_MTIME, FIXED_MTIME))
    return LambdaPackage(
        path=staging, content_hash=package_hash, files=tuple(p.relative_to(source).as_posix() for p in files)
    )
