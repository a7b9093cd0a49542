"""Code stays readable in one screenful of a function and one sitting of a file (issue 28).

Every git-tracked Python file outside tests/ has at most 400 lines and every function or method in it at most 80
(counted from its `def` line, decorators excluded, to its last line, as `ast` reports them).
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80
# No exceptions: a long file or function is split, never allowed (the config package landed, issue 28).
ALLOWED_LONG_FILES: frozenset[str] = frozenset()
ALLOWED_LONG_FUNCTIONS: frozenset[str] = frozenset()


def tracked_sources(root: Path = REPO_ROOT) -> list[str]:
    """Every git-tracked .py file outside tests/, as a path relative to the repository root."""
    listed = subprocess.run(["git", "ls-files", "-z", "--", "*.py"], cwd=root, capture_output=True, check=True)
    paths = [name for name in listed.stdout.decode().split("\0") if name]
    return sorted(path for path in paths if not path.startswith("tests/") and (root / path).is_file())


def offenders(
    root: Path,
    paths: list[str],
    allowed_files: frozenset[str] = frozenset(),
    allowed_functions: frozenset[str] = frozenset(),
) -> list[str]:
    """One line per file over MAX_FILE_LINES and per function over MAX_FUNCTION_LINES, naming it and its size."""
    found: list[str] = []
    for path in paths:
        source = (root / path).read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_FILE_LINES and path not in allowed_files:
            found.append(f"{path}: {lines} lines (at most {MAX_FILE_LINES})")
        for node in ast.walk(ast.parse(source, filename=path)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES and f"{path}:{node.name}" not in allowed_functions:
                found.append(f"{path}:{node.lineno} {node.name}: {length} lines (at most {MAX_FUNCTION_LINES})")
    return found


def test_no_source_file_or_function_is_too_long() -> None:
    paths = tracked_sources()
    assert "payment_infra/constructs/api.py" in paths and not any(path.startswith("tests/") for path in paths)
    found = offenders(REPO_ROOT, paths, ALLOWED_LONG_FILES, ALLOWED_LONG_FUNCTIONS)
    assert not found, "split these (one concern per file, a function reads as a list of steps):\n" + "\n".join(found)


def test_the_allow_list_names_only_what_is_still_long() -> None:
    """An entry whose file or function has become short again must go, so the allow-list cannot outlive its reason."""
    for entry in ALLOWED_LONG_FILES:
        assert (REPO_ROOT / entry).is_file(), f"{entry} is gone: remove it from ALLOWED_LONG_FILES"
        assert offenders(REPO_ROOT, [entry]), f"{entry} is short now: remove it from ALLOWED_LONG_FILES"
    for entry in ALLOWED_LONG_FUNCTIONS:
        path, name = entry.split(":")
        assert (REPO_ROOT / path).is_file(), f"{path} is gone: remove {entry} from ALLOWED_LONG_FUNCTIONS"
        long_ones = [line for line in offenders(REPO_ROOT, [path]) if f" {name}: " in line]
        assert long_ones, f"{entry} is short now (or gone): remove it from ALLOWED_LONG_FUNCTIONS"


def test_the_checker_names_a_long_file_and_a_long_function(tmp_path: Path) -> None:
    def statements(count: int, indent: str) -> str:
        return "".join(f"{indent}x{n} = {n}\n" for n in range(count))

    # A method: its def line and 80 statements = 81 lines; a function of exactly 80 lines passes.
    (tmp_path / "long.py").write_text(
        "class C:\n    async def grown(self):\n" + statements(MAX_FUNCTION_LINES, " " * 8)
    )
    (tmp_path / "fine.py").write_text("def kept():\n" + statements(MAX_FUNCTION_LINES - 1, "    "))
    (tmp_path / "big.py").write_text(statements(MAX_FILE_LINES + 1, ""))
    (tmp_path / "full.py").write_text(statements(MAX_FILE_LINES, ""))
    assert offenders(tmp_path, ["fine.py", "full.py"]) == []
    assert offenders(tmp_path, ["long.py", "big.py"]) == [
        f"long.py:2 grown: {MAX_FUNCTION_LINES + 1} lines (at most {MAX_FUNCTION_LINES})",
        f"big.py: {MAX_FILE_LINES + 1} lines (at most {MAX_FILE_LINES})",
    ]
    assert offenders(tmp_path, ["long.py", "big.py"], frozenset({"big.py"}), frozenset({"long.py:grown"})) == []
