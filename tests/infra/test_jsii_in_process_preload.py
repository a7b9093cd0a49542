"""The preload that runs the jsii kernel in the Node process Python starts (payment_infra/accelerate/jsii_in_process_preload.js).

A fake jsii runtime stands in for the real one: ``bin/jsii-runtime.js`` (the relaying wrapper) and
``lib/program.js`` (the kernel, here an echo that speaks on the descriptors its config names).
"""

from __future__ import annotations

import base64
import importlib.resources
import json
import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from payment_infra import accelerate
from payment_infra.engine import ENGINE

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is required by cdktf itself")

WRAPPER = 'process.stdout.write("wrapper ran\\n");\n'
JSII_VERSION = accelerate.WRITTEN_FOR["jsii_in_process_preload.js"]["written_for"][ENGINE.name]["jsii"]
PROGRAM = """
const manifest = {"name":"@jsii/runtime","version":"JSII_VERSION"};  // as bundled in jsii's program.js
const fs = require('fs');
const path = require('path');
const channel = {errorFD:2,readFD:3,writeFD:3};  // as minified in jsii's bundle
const buffer = Buffer.alloc(1024);
const read = fs.readSync(channel.readFD, buffer, 0, buffer.length, null);
const request = buffer.subarray(0, read).toString().trim();
const flags = process.execArgv.includes('--preserve-symlinks');
fs.writeSync(channel.writeFD, `echo:${request} dir=${path.basename(__dirname)} preserve=${flags} read=${fs.readSync.name}\\n`);
console.log('from javascript');
process.stderr.write('warned\\n');
""".replace("JSII_VERSION", JSII_VERSION)


def _fake_runtime(root: Path, program: str | None = PROGRAM) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "bin" / "jsii-runtime.js").write_text(WRAPPER)
    if program is not None:
        (root / "lib" / "program.js").write_text(program)
    return root / "bin" / "jsii-runtime.js"


def _run(script: Path, stdin: str = "hello\n", ci: str = "", check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "NODE_OPTIONS": "", "CI": ci}
    assert accelerate.install_in_process_kernel(env)
    return subprocess.run([NODE, str(script)], input=stdin, env=env, capture_output=True, text=True, check=check)


def _framed(stderr: str) -> list[tuple[str, str]]:
    lines = [json.loads(line) for line in stderr.splitlines()]
    return [(key, base64.b64decode(value).decode()) for line in lines for key, value in line.items()]


def test_the_kernel_runs_in_the_wrapper_process_on_stdin_and_stdout(tmp_path: Path) -> None:
    result = _run(_fake_runtime(tmp_path))
    # The kernel answered on stdout, from its own directory, marked --preserve-symlinks like jsii's child.
    assert result.stdout == "echo:hello dir=lib preserve=true read=channelRead\n"
    # JavaScript output cannot corrupt the channel: it is framed on stderr the way the wrapper frames it.
    assert _framed(result.stderr) == [("stdout", "from javascript\n"), ("stderr", "warned\n")]


def test_touching_process_stdin_keeps_the_channel_blocking(tmp_path: Path) -> None:
    """A real process.stdin would make descriptor 0 non-blocking: the kernel's read would fail with EAGAIN."""
    script = _fake_runtime(tmp_path, "process.stdin.resume();\n" + PROGRAM)
    env = {**os.environ, "NODE_OPTIONS": "", "CI": ""}
    accelerate.install_in_process_kernel(env)
    with subprocess.Popen(
        [NODE, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    ) as kernel:
        time.sleep(0.5)  # the kernel is blocked in its read before the request arrives
        stdout, stderr = kernel.communicate("late\n", timeout=30)
    assert kernel.returncode == 0, stderr
    assert stdout == "echo:late dir=lib preserve=true read=channelRead\n"


def test_a_channel_that_is_not_a_pipe_is_read_as_jsii_reads_it(tmp_path: Path) -> None:
    """Polling needs a second description of the same pipe; a file's would have its own offset."""
    request = tmp_path / "request.txt"
    request.write_text("from-a-file\n")
    env = {**os.environ, "NODE_OPTIONS": "", "CI": ""}
    accelerate.install_in_process_kernel(env)
    with request.open() as stdin:
        result = subprocess.run(
            [NODE, str(_fake_runtime(tmp_path / "rt"))],
            stdin=stdin,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    assert result.stdout == "echo:from-a-file dir=lib preserve=true read=readSync\n"


def test_an_unexpected_kernel_falls_back_to_the_wrapper_and_says_so_once(tmp_path: Path) -> None:
    result = _run(_fake_runtime(tmp_path, PROGRAM.replace("readFD:3,writeFD:3}", "readFD:4,writeFD:4}")))
    assert result.stdout == "wrapper ran\n"
    assert result.stderr.count("using jsii's two-process runtime") == 1


def test_an_unexpected_kernel_is_an_error_under_ci(tmp_path: Path) -> None:
    result = _run(
        _fake_runtime(tmp_path, PROGRAM.replace("readFD:3,writeFD:3}", "readFD:4,writeFD:4}")), ci="true", check=False
    )
    assert result.returncode != 0
    assert "an error because CI=true" in result.stderr and "wrapper ran" not in result.stdout


def test_another_jsii_version_falls_back_to_the_wrapper(tmp_path: Path) -> None:
    result = _run(_fake_runtime(tmp_path, PROGRAM.replace(JSII_VERSION, "9.9.9")))
    assert result.stdout == "wrapper ran\n"
    assert f"jsii is 9.9.9, jsii_in_process_preload.js was written for {JSII_VERSION}" in result.stderr


def test_without_preserve_symlinks_the_wrapper_runs(tmp_path: Path) -> None:
    """In one process the flag must come from NODE_OPTIONS: without it cached packages would not resolve."""
    env = {**os.environ, "NODE_OPTIONS": f"--require={accelerate.IN_PROCESS_PRELOAD}", "CI": ""}
    script = _fake_runtime(tmp_path)
    result = subprocess.run([NODE, str(script)], input="hello\n", env=env, capture_output=True, text=True, check=True)
    assert result.stdout == "wrapper ran\n"
    assert "lacks --preserve-symlinks" in result.stderr


def test_a_missing_kernel_falls_back_to_the_wrapper(tmp_path: Path) -> None:
    result = _run(_fake_runtime(tmp_path, program=None))
    assert result.stdout == "wrapper ran\n"
    assert "cannot read" in result.stderr


def test_other_scripts_are_untouched(tmp_path: Path) -> None:
    _fake_runtime(tmp_path)
    other = tmp_path / "bin" / "other.js"
    other.write_text('process.stdout.write("other ran\\n");\n')
    result = _run(other)
    assert (result.stdout, result.stderr) == ("other ran\n", "")


def test_the_installed_jsii_runtime_has_the_expected_shape() -> None:
    """A jsii upgrade that changes the kernel's channel shows up here, not as a silent slowdown."""
    import jsii._embedded.jsii as embedded

    program = importlib.resources.files(embedded).joinpath("lib__program.js").read_text()
    assert program.count("readFD:3,writeFD:3}") == 1
    assert f'"name":"@jsii/runtime","version":"{JSII_VERSION}"' in program  # the version written_for.json lists


def test_a_similar_user_flag_does_not_hide_the_one_the_kernel_needs() -> None:
    env = {"NODE_OPTIONS": '--preserve-symlinks-main --require "/a b/user.js"'}
    accelerate.install_in_process_kernel(env)
    assert shlex.split(env["NODE_OPTIONS"])[3] == "--preserve-symlinks"


def test_install_adds_the_flag_and_the_preload_once_and_can_be_switched_off() -> None:
    env = {"NODE_OPTIONS": "--max-old-space-size=4096"}
    assert accelerate.install_in_process_kernel(env)
    assert accelerate.install_in_process_kernel(env)
    assert env["NODE_OPTIONS"].startswith("--max-old-space-size=4096 --preserve-symlinks --require")
    assert env["NODE_OPTIONS"].count(str(accelerate.IN_PROCESS_PRELOAD)) == 1
    assert env["NODE_OPTIONS"].count("--preserve-symlinks") == 1
    for switch in (accelerate.IN_PROCESS_SWITCH, accelerate.LAZY_SWITCH):
        off = {switch: "0"}
        assert not accelerate.install_in_process_kernel(off)
        assert "NODE_OPTIONS" not in off


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
def test_this_sessions_kernel_has_no_child_process(synth_dir: Path) -> None:
    kernels = [pid for pid in _children(os.getpid()) if b"jsii-runtime.js" in _cmdline(pid)]
    assert len(kernels) == 1
    assert _children(kernels[0]) == []


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
