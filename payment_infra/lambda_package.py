"""The Lambda deployment package: ``lambdas/`` filtered to runtime files, zipped deterministically.

Why we zip it ourselves instead of handing cdktf a directory (``AssetType.ARCHIVE``):
- the tests import the handlers, which leaves ``__pycache__`` folders in ``lambdas/``; zipping the folder
  as is would ship them and change the package from run to run;
- cdktf archives a directory by spawning a child process per stack (~0.2 s each, most of a synth).
The zip holds only ``*.py`` and ``*.json`` files, in sorted order, with a fixed timestamp and mode, so its
bytes and its hash depend on file contents alone (deterministic snapshots, byte-identical synth). It is
built once per content hash under ``build/`` and given to cdktf as a plain file asset.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from payment_infra.application import LAMBDAS_DIR

RUNTIME_SUFFIXES = (".py", ".json")
EXCLUDED_PARTS = {"__pycache__", "tests"}
BUILD_DIR = LAMBDAS_DIR.parent / "build"
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
FILE_MODE = 0o100644  # regular file, rw-r--r--


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


def build_lambda_package(source: Path = LAMBDAS_DIR, build_dir: Path = BUILD_DIR) -> LambdaPackage:
    """Zip the runtime files of ``source`` into ``build_dir/lambda-package-<hash>.zip`` (reused if present)."""
    files = runtime_files(source)
    if not files:
        raise FileNotFoundError(f"no runtime files (*.py, *.json) under {source}")
    package_hash = content_hash(source, files)
    target = build_dir / f"lambda-package-{package_hash[:16]}.zip"
    if not target.exists():
        build_dir.mkdir(parents=True, exist_ok=True)
        for stale in build_dir.glob("lambda-package-*.zip"):
            stale.unlink()
        partial = target.with_suffix(".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for path in files:
                entry = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=ZIP_TIMESTAMP)
                entry.external_attr = FILE_MODE << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, path.read_bytes())
        partial.replace(target)  # atomic: a concurrent synth never sees a half-written zip
    return LambdaPackage(
        path=target, content_hash=package_hash, files=tuple(p.relative_to(source).as_posix() for p in files)
    )
