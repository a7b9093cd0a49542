"""What the documentation claims exists, read from its Markdown, and the checks that it does.

A document names make targets, environment variables, repository paths and stack outputs, and links to other
documents and their headings. Each ``*_problems`` function takes one document's text and the facts it is
checked against and returns one line per claim that is not true; ``tests/ci/test_docs_are_real.py`` runs them
over every document and on deliberately wrong text.

Only code (inline spans and fenced blocks) is read for targets, variables, paths and outputs: prose says
"make sure" and "scripts" without meaning a target or a folder.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

REPO_ROOT = Path(__file__).resolve().parents[2]

#: History, not a claim about the repository as it is: it names what was removed.
NOT_CHECKED = {"CHANGELOG.md"}
#: Variables the docs may name that nothing here reads, with who reads them.
READ_ELSEWHERE = {"AWS_PROFILE": "the AWS CLI and SDKs"}
#: Variables that are gone, named only where the docs say how to drop them.
RETIRED = {"PAYMENT_MANAGE_APIGATEWAY_ACCOUNT": "docs/upgrading.md"}
#: Path segments of what is built or installed, never committed (a clone has none of it until `make`).
GENERATED = {"cdktf.out", ".venv", "node_modules", "build", "outputs.json", "cdk.tf.json", "manifest.json"}
#: This checker and its tests hold deliberately wrong names: they read nothing.
CHECKER_FILES = {"tests/ci/doc_claims.py", "tests/ci/test_docs_are_real.py"}
FILE_SUFFIXES = (".py", ".md", ".json", ".yml", ".yaml", ".toml", ".lock", ".hcl", ".js", ".proto", ".ini", ".svg")

_FENCE = re.compile(r"^\s*(```|~~~)")
_SPAN = re.compile(r"(`+)(.+?)\1")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_MAKE_TARGET = re.compile(r"^[a-z][a-z0-9-]*$")
_VARIABLE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_PROJECT_VARIABLE = re.compile(r"\bPAYMENT_[A-Z0-9_]*[A-Z0-9](?:_\*)?")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_PATH = re.compile(r"^[A-Za-z0-9_.][\w.+/-]*$")


@dataclass(frozen=True)
class Fragment:
    """A piece of code in a document: an inline span or one line of a fenced block."""

    line: int
    text: str
    context: str  # the whole source line, for the words around an inline span
    fenced: bool


@dataclass(frozen=True)
class Facts:
    make_targets: frozenset[str]
    code: dict[str, str]  # path -> text of every tracked file that can read a variable
    tracked: frozenset[str]  # every tracked file and every directory holding one, POSIX paths
    outputs: frozenset[str]


def documents() -> list[Path]:
    """Every tracked Markdown document that describes the repository as it is."""
    return [REPO_ROOT / name for name in tracked_files() if name.endswith(".md") and name not in NOT_CHECKED]


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return [name for name in listed.stdout.splitlines() if (REPO_ROOT / name).is_file()]


def facts(outputs: set[str]) -> Facts:
    files = tracked_files()
    directories = {str(parent) for name in files for parent in PurePosixPath(name).parents if str(parent) != "."}
    readers = [
        name for name in files
        if (name.endswith((".py", ".js", ".sh", ".yml", ".yaml")) or name in ("Makefile", ".ci/run", "cdktf.json"))
        and name not in CHECKER_FILES
    ]  # fmt: skip
    return Facts(
        make_targets=frozenset(makefile_targets((REPO_ROOT / "Makefile").read_text())),
        code={name: (REPO_ROOT / name).read_text(errors="replace") for name in readers},
        tracked=frozenset(files) | directories,
        outputs=frozenset(outputs),
    )


def makefile_targets(makefile: str) -> set[str]:
    """Explicit targets of a Makefile: rules and .PHONY names, no pattern rules or variables."""
    found: set[str] = set()
    for line in makefile.splitlines():
        match = re.match(r"^([A-Za-z0-9_.][A-Za-z0-9_. -]*?)\s*:(?![=:])", line)
        if match and not line.startswith("\t"):
            found |= {name for name in match[1].split() if "%" not in name and not name.startswith(".")}
        if line.startswith(".PHONY:"):
            found |= set(line.split(":", 1)[1].replace("\\", " ").split())
    return found


# --- reading a document ----------------------------------------------------------------------------------------


def fragments(text: str) -> Iterator[Fragment]:
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            yield Fragment(number, line, line, fenced=True)
        else:
            for match in _SPAN.finditer(line):
                yield Fragment(number, match[2].strip(), line, fenced=False)


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines outside fenced blocks, with inline code removed (a link inside code is an example)."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            yield number, _SPAN.sub("", line)


def _words(code: str) -> list[str]:
    try:
        return shlex.split(code, comments=True)
    except ValueError:  # an unbalanced quote in an example: plain words are good enough
        return code.split()


def table_first_cells(text: str, header: str) -> Iterator[tuple[int, str]]:
    """The first cell of each body row of every table whose first header cell is ``header``."""
    lines = text.splitlines()
    inside = False
    for number, line in enumerate(lines, 1):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|"):
            inside = False
        elif inside and not set(cells[0]) <= set("-: "):
            yield number, cells[0]
        elif cells[0].lower() == header:
            inside = True


# --- the checks ------------------------------------------------------------------------------------------------


def make_target_problems(text: str, known: Facts) -> list[str]:
    """Every ``make <target>`` in code names a target of the Makefile."""
    problems = []
    for fragment in fragments(text):
        words = _words(fragment.text.replace("/", " / "))
        for index, word in enumerate(words):
            if word != "make":
                continue
            for target in words[index + 1 :]:
                if target.startswith("-") or target == "/":
                    continue
                if "=" in target or not _MAKE_TARGET.match(target):
                    break
                if target not in known.make_targets:
                    problems.append(f"line {fragment.line}: `make {target}`: no such target in the Makefile")
    return problems


def variables_named(text: str) -> Iterator[tuple[int, str]]:
    """Environment and make variables a document names: ``PAYMENT_*`` anywhere, ``NAME=value`` in code, and
    the first column of a ``| variable |`` table. A ``PREFIX_*`` stands for every variable it starts."""
    for number, line in enumerate(text.splitlines(), 1):
        for match in _PROJECT_VARIABLE.finditer(line):
            yield number, match[0]
    for fragment in fragments(text):
        for word in _words(fragment.text):
            name, equals, value = word.partition("=")
            if equals and _VARIABLE.match(name) and not value.startswith("$"):
                yield fragment.line, name
    for number, cell in table_first_cells(text, "variable"):
        for match in _SPAN.finditer(cell):
            yield number, match[2]


def _is_read(name: str, known: Facts) -> bool:
    if name.endswith("*"):
        prefix = re.escape(name.rstrip("*"))
        return any(re.search(rf"\b{prefix}[A-Z0-9_]+", text) for text in known.code.values())
    for path, text in known.code.items():
        pattern = rf"([\"']){name}\1" if path.endswith(".py") else rf"(?<![\w-]){name}(?![\w-])"
        if re.search(pattern, text):
            return True
    return False


def variable_problems(text: str, known: Facts, document: str = "") -> list[str]:
    """Every variable a document names is read by the code, the Makefile or a workflow."""
    problems = []
    for number, name in dict.fromkeys(variables_named(text)):
        if name in READ_ELSEWHERE or RETIRED.get(name) == document:
            continue
        if not _is_read(name, known):
            problems.append(f"line {number}: `{name}`: no code, Makefile or workflow reads it")
    return problems


def paths_named(text: str, top_level: set[str]) -> Iterator[tuple[int, str]]:
    """Repository paths in code: a word under a ``top_level`` folder, ending like a file, or a folder of a
    layout tree (a fenced word ending in ``/``)."""
    for fragment in fragments(text):
        for word in fragment.text.split():
            word = word.strip("()[],;:'\"").removeprefix("./")
            if "://" in word or not _PATH.match(word) or word.startswith(("..", "-")):
                continue
            top = word.split("/", 1)[0]
            folder = fragment.fenced and word.endswith("/")  # a layout tree; inline, `imports/` is an S3 prefix
            if word.endswith(FILE_SUFFIXES) or ("/" in word and (top in top_level or folder)):
                yield fragment.line, word.rstrip("/")


def _exists(path: str, document: str, known: Facts) -> bool:
    if set(PurePosixPath(path).parts) & GENERATED:
        return True
    here = PurePosixPath(document).parent
    candidates = {path, str(here / path)}
    if candidates & known.tracked:
        return True
    # A shortened path (`constructs/network.py` under `payment_infra/`, a file name alone in a layout tree).
    return any(name.endswith("/" + path) for name in known.tracked) or _in_installed_package(path)


def _in_installed_package(path: str) -> bool:
    """``moto/core/responses.py``: a file of an installed package (a profile or a workaround names one)."""
    top = path.split("/", 1)[0]
    spec = importlib.util.find_spec(top) if "/" in path and top.isidentifier() else None
    locations = (spec.submodule_search_locations or []) if spec else []
    return any((Path(location).parent / path).exists() for location in locations)


def path_problems(text: str, known: Facts, document: str = "README.md") -> list[str]:
    """Every repository path a document names is tracked (a file, or a folder holding one)."""
    top_level = {PurePosixPath(name).parts[0] for name in known.tracked}
    return [
        f"line {number}: `{path}`: no such file or folder in the repository"
        for number, path in dict.fromkeys(paths_named(text, top_level))
        if not _exists(path, document, known)
    ]


def outputs_named(text: str) -> Iterator[tuple[int, str]]:
    """Stack outputs a document names: the first column of an ``| output |`` table, ``NAME=`` of
    ``make output``, and an identifier in code right after the word "output"."""
    for number, cell in table_first_cells(text, "output"):
        for match in _SPAN.finditer(cell):
            yield number, match[2]
    for fragment in fragments(text):
        words = _words(fragment.text)
        if "output" in words and "make" in " ".join(words):
            yield from ((fragment.line, w.split("=", 1)[1]) for w in words if w.startswith("NAME=") and "<" not in w)
        if not fragment.fenced and _IDENTIFIER.match(fragment.text):
            before = fragment.context.split(f"`{fragment.text}`", 1)[0][-40:].lower()
            if re.search(r"\boutputs?\b[^`]*$", before):
                yield fragment.line, fragment.text


def output_problems(text: str, known: Facts) -> list[str]:
    """Every stack output a document names is an output of a synthesized stack."""
    return [
        f"line {number}: `{name}`: no synthesized stack has this output"
        for number, name in sorted(dict.fromkeys(outputs_named(text)))
        if name not in known.outputs
    ]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The anchors of a document's headings (outside fenced blocks); a repeated heading gets -1, -2, …"""
    found: dict[str, int] = {}
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            base = slug(match[2])
            count = found.get(base, 0)
            found[base] = count + 1
            if count:
                found[f"{base}-{count}"] = 1
    return set(found)


def link_problems(text: str, document: str, read=lambda path: path.read_text()) -> list[str]:
    """Every relative link resolves: the file exists, and its heading when the link names one."""
    problems = []
    base = (REPO_ROOT / document).parent
    for number, line in prose_lines(text):
        for match in _LINK.finditer(line):
            target = match[1]
            if re.match(r"^[a-z]+:", target):
                continue  # https:, mailto:
            file_part, _, anchor = target.partition("#")
            path = (base / file_part).resolve() if file_part else REPO_ROOT / document
            if file_part and not path.exists():
                problems.append(f"line {number}: link to {target}: no such file")
            elif anchor and path.suffix == ".md":
                source = text if not file_part else read(path)
                if anchor not in anchors(source):
                    problems.append(f"line {number}: link to {target}: no heading with the anchor #{anchor}")
    return problems


def layout_problems(text: str, folder: str, subfolders: set[str]) -> list[str]:
    """The README's layout tree names every ``subfolders`` entry on the line(s) of ``folder/``."""
    tree = re.search(r"^## Layout\s*\n+```\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    if tree is None:
        return ["no ## Layout section with a tree"]
    entry = re.search(rf"^{re.escape(folder)}/ (.*?)(?=^\S)", tree[1] + "\n.", re.MULTILINE | re.DOTALL)
    described = set(re.findall(r"[a-z0-9_]+", entry[1])) if entry else set()
    return [f"the layout's {folder}/ does not name {name}" for name in sorted(subfolders - described)]
