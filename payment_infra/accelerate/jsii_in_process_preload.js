'use strict';
/*
 * Runs the jsii kernel in the Node.js process that Python starts, instead of in a second one.
 *
 * Why: jsii's Python runtime starts `node bin/jsii-runtime.js`. That script only spawns a second Node
 * process (`lib/program.js`, the kernel) with the API channel on file descriptor 3, then relays every
 * message between Python's pipes and that descriptor. A synth sends ~1,300 messages. Each one crosses two
 * processes and wakes three, and the extra Node start costs ~0.1 s. Here the kernel runs in the first
 * process and talks to Python directly on stdin/stdout. The messages and the kernel code are the same, so
 * the output is byte-identical (tested).
 *
 * What it touches: only the main module when it is jsii's `bin/jsii-runtime.js`. It loads the `lib/program.js`
 * next to it with one change, the channel descriptors `readFD:3,writeFD:3` become stdin (0) and stdout (1).
 * It also does the wrapper's other jobs:
 * - It marks the process `--preserve-symlinks`, as the wrapper does for its child. payment_infra/accelerate puts
 *   the flag in NODE_OPTIONS so module resolution honours it, and the kernel reads `process.execArgv` to link
 *   cached packages.
 * - Output from JavaScript on stdout/stderr is framed as `{"stdout"|"stderr": base64}` lines on stderr,
 *   which Python's jsii runtime decodes. This keeps stdout, now the API channel, clean. `process.stdin`
 *   reads as empty, as the child's did.
 * - Channel reads poll briefly before they block (see pollChannelBeforeBlocking).
 * If `program.js` is missing, is another @jsii/runtime version than written_for.json lists, or does not
 * contain that descriptor pair exactly once, or NODE_OPTIONS lacks `--preserve-symlinks`, the wrapper runs
 * unchanged (two processes) and preload_guard.fallBack reports it (an error under CI=true). Two differences
 * remain in this mode: the wrapper's "unsupported Node.js" banner is not printed, and the kernel's own
 * JSII_DEBUG lines reach Python unframed (Python prints them as bytes).
 *
 * How it is installed: payment_infra/accelerate appends `--preserve-symlinks --require <this file>` to the
 * kernel's NODE_OPTIONS. PAYMENT_JSII_IN_PROCESS=0 (or PAYMENT_LAZY_PROVIDER=0) disables it.
 * Remove it when jsii's runtime stops relaying through a second process.
 */
const fs = require('fs');
const path = require('path');
const Module = require('module');
const { Readable, Writable } = require('stream');
const guard = require('./preload_guard');

const PRELOAD = 'jsii_in_process_preload.js';
const RUNTIME_VERSION = /"name":"@jsii\/runtime","version":"([^"]+)"/;
const WRAPPER_SUFFIX = path.join('bin', 'jsii-runtime.js');
const CHANNEL = 'readFD:3,writeFD:3}';
const STDIO_CHANNEL = 'readFD:0,writeFD:1}';
const PRESERVE_SYMLINKS = '--preserve-symlinks';

function kernelSource(wrapperFile) {
  const program = path.resolve(path.dirname(wrapperFile), '..', 'lib', 'program.js');
  let source;
  try {
    source = fs.readFileSync(program, 'utf8');
  } catch (error) {
    return { program, reason: `cannot read ${program} (${error.code || error.message})` };
  }
  const version = RUNTIME_VERSION.exec(source);
  const mismatch = version
    ? guard.versionMismatch(PRELOAD, 'jsii', version[1])
    : `${program} does not name its @jsii/runtime version`;
  if (mismatch) return { program, reason: mismatch };
  const first = source.indexOf(CHANNEL);
  if (first < 0 || source.indexOf(CHANNEL, first + 1) >= 0) {
    return { program, reason: `${program} does not contain "${CHANNEL}" exactly once` };
  }
  return { program, source: source.replace(CHANNEL, STDIO_CHANNEL) };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** One framed line on stderr, decoded by the Python side (jsii's `stderr_sink`) as the wrapper's lines are. */
function writeFramed(key, bytes) {
  const line = Buffer.from(`${JSON.stringify({ [key]: bytes.toString('base64') })}\n`);
  for (let offset = 0; offset < line.length; ) {
    try {
      offset += fs.writeSync(2, line, offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1); // the pipe is full: Python's reader thread empties it
    }
  }
}

/**
 * process.stdout/stderr/stdin stand-ins, so Node never wraps descriptors 0-2 in streams. Such a stream would
 * make the descriptor non-blocking, and the kernel's synchronous reads of stdin would then fail with EAGAIN.
 * Output is framed on stderr. Input is empty, like the `ignore`d stdin of the wrapper's child.
 */
function standardStreams() {
  const output = (key, fd) =>
    Object.assign(
      new Writable({
        write(chunk, encoding, callback) {
          writeFramed(key, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
          callback();
        },
      }),
      { fd, isTTY: false },
    );
  const input = Object.assign(new Readable({ read() { this.push(null); } }), { fd: 0, isTTY: false });
  return { stdout: output('stdout', 1), stderr: output('stderr', 2), stdin: input };
}

/**
 * Python usually sends the next request within a fraction of a millisecond. A blocking read lets this
 * (virtual) CPU go idle, and waking it again costs more than that (~50 ms per synth on a 2-vCPU VM). So reads
 * of the channel first poll a non-blocking second description of the same pipe for up to 2 ms, then block
 * on stdin as before. Only for a pipe: a second description of a file would have its own offset.
 */
const POLL_NANOSECONDS = 2_000_000n;

function pollChannelBeforeBlocking() {
  let polled;
  try {
    if (!fs.fstatSync(0).isFIFO()) return;
    polled = fs.openSync('/proc/self/fd/0', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (_) {
    return; // no /proc (not Linux): blocking reads, as jsii does
  }
  const readSync = fs.readSync;
  fs.readSync = function channelRead(fd, ...args) {
    if (fd !== 0) return readSync.call(fs, fd, ...args);
    const deadline = process.hrtime.bigint() + POLL_NANOSECONDS;
    do {
      try {
        return readSync.call(fs, polled, ...args);
      } catch (error) {
        if (error.code !== 'EAGAIN') throw error;
      }
    } while (process.hrtime.bigint() < deadline);
    return readSync.call(fs, 0, ...args);
  };
}

/** Module resolution must keep symlinks, as in jsii's child, or cached packages cannot find each other. */
function preserveSymlinksInEffect() {
  const options = (process.env.NODE_OPTIONS || '').split(/\s+/);
  return options.includes(PRESERVE_SYMLINKS) || process.execArgv.includes(PRESERVE_SYMLINKS);
}

function runKernelInProcess(wrapper, kernel) {
  if (!process.execArgv.includes(PRESERVE_SYMLINKS)) process.execArgv.push(PRESERVE_SYMLINKS);
  pollChannelBeforeBlocking();
  for (const [name, stream] of Object.entries(standardStreams())) {
    Object.defineProperty(process, name, { value: stream, configurable: true, enumerable: true, writable: false });
  }
  const module = new Module(kernel.program, wrapper);
  module.filename = kernel.program;
  module.paths = Module._nodeModulePaths(path.dirname(kernel.program));
  module._compile(kernel.source, kernel.program);
}

const loadJavaScript = Module._extensions['.js'];
Module._extensions['.js'] = function jsiiKernelInProcess(module, filename) {
  if (module.id !== '.' || !filename.endsWith(WRAPPER_SUFFIX)) {
    return loadJavaScript(module, filename);
  }
  const kernel = kernelSource(filename);
  const reason =
    kernel.reason ||
    (preserveSymlinksInEffect() ? null : `NODE_OPTIONS lacks ${PRESERVE_SYMLINKS} (payment_infra/accelerate adds it)`);
  if (reason) {
    guard.fallBack(PRELOAD, reason, "using jsii's two-process runtime");
    return loadJavaScript(module, filename);
  }
  return runKernelInProcess(module, kernel);
};
