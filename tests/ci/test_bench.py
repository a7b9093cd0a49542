"""scripts/bench.py: the CLI starts, and the byte-identity check notices a difference. No timings here."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench", module)
    spec.loader.exec_module(module)
    return module


def test_help_works() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "--runs" in result.stdout and "--with-make-test" in result.stdout


def test_byte_identity_checker_detects_differences(tmp_path: Path) -> None:
    bench = load_bench()
    left, right = tmp_path / "left", tmp_path / "right"
    for root in (left, right):
        (root / "stacks" / "payment-dev").mkdir(parents=True)
        (root / "manifest.json").write_text("{}")
    (left / "stacks" / "payment-dev" / "cdk.tf.json").write_text('{"a": 1}')
    (right / "stacks" / "payment-dev" / "cdk.tf.json").write_text('{"a": 1}')
    assert bench.differences(left, right) == []

    (right / "stacks" / "payment-dev" / "cdk.tf.json").write_text('{"a": 2}')  # same size, other bytes
    (left / "stacks" / "payment-dev" / "only-left.zip").write_bytes(b"x")
    assert bench.differences(left, right) == ["stacks/payment-dev/cdk.tf.json", "stacks/payment-dev/only-left.zip"]


def test_update_summary_replaces_only_the_marked_block(tmp_path: Path) -> None:
    bench = load_bench()
    summary = tmp_path / "performance.md"
    summary.write_text("intro\n<!-- bench:start -->\nold\n<!-- bench:end -->\noutro\n")
    section = bench.Section("Synth of all three stacks", ("variant", "wall time"), [("fast", "1.00 s")])
    assert bench.update_summary(summary, section, "today")
    text = summary.read_text()
    assert text.startswith("intro\n<!-- bench:start -->\n**Synth of all three stacks** (today")
    assert "| fast | 1.00 s |" in text and "old" not in text and text.endswith("<!-- bench:end -->\noutro\n")
    unmarked = tmp_path / "OTHER.md"
    unmarked.write_text("no markers\n")
    assert not bench.update_summary(unmarked, section, "today") and unmarked.read_text() == "no markers\n"
    assert bench.SUMMARY_START in bench.SUMMARY.read_text()  # `make bench` has a block to write into
    twice = tmp_path / "twice.md"
    twice.write_text("<!-- bench:start -->\nnew\n<!-- bench:end -->\n<!-- bench:start -->\nold\n<!-- bench:end -->\n")
    with pytest.raises(SystemExit, match="must have one <!-- bench:start -->"):
        bench.update_summary(twice, section, "today")
    stray = tmp_path / "stray.md"
    stray.write_text("<!-- bench:start -->\nnew\n<!-- bench:end -->\nstale tail\n<!-- bench:end -->\n")  # the bug seen
    with pytest.raises(SystemExit):
        bench.update_summary(stray, section, "today")
    assert bench.SUMMARY.read_text().count("<!-- bench:end -->") == 1  # docs/performance.md itself


def test_update_headline_writes_every_sections_headline_between_the_readme_markers(tmp_path: Path) -> None:
    bench = load_bench()
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- bench:headline:start -->\nold\n<!-- bench:headline:end -->\noutro\n")
    sections = [
        bench.Section("a", ("x",), [], headline="`make test` 55 s"),
        bench.Section("b", ("x",), []),  # no headline: not in the sentence
        bench.Section("c", ("x",), [], headline="emulator 52 creates/s " + "and more words " * 12),
    ]
    assert bench.update_headline(readme, sections, "today")
    text = readme.read_text()
    block = text.split("<!-- bench:headline:start -->\n", 1)[1].split("<!-- bench:headline:end -->", 1)[0]
    assert " ".join(block.split()).startswith("Measured by `make bench` (today; ")
    assert "`make test` 55 s; emulator 52 creates/s" in " ".join(block.split()) and "old" not in block
    assert all(len(line) <= 118 for line in block.splitlines()) and len(block.splitlines()) > 1
    assert text.startswith("intro\n") and text.endswith("<!-- bench:headline:end -->\noutro\n")
    unmarked = tmp_path / "OTHER.md"
    unmarked.write_text("no markers\n")
    assert not bench.update_headline(unmarked, sections, "today") and unmarked.read_text() == "no markers\n"
    assert bench.HEADLINE_START in bench.README.read_text()  # `make bench` has a block to write into
    doubled = tmp_path / "doubled.md"
    doubled.write_text("<!-- bench:headline:start -->\n<!-- bench:headline:end -->\n" * 2)
    with pytest.raises(SystemExit):
        bench.update_headline(doubled, sections, "today")


def test_the_node_floor_loads_exactly_the_provider_modules_the_app_imports(synth_dir: Path, tmp_path: Path) -> None:
    """The synth ratio's denominator: plain node loads the framework and the namespaces payment_infra/aws.py uses."""
    from payment_infra import accelerate

    assert synth_dir.is_dir()  # the session's synth has filled the jsii package cache the floor reads
    command = load_bench().kernel_floor_command(tmp_path)
    script = Path(command[-1]).read_text()
    assert script.count("require('@cdktf/provider-aws/lib/") == len(
        accelerate.provider_namespaces(accelerate.door_source())
    )
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
