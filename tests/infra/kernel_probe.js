'use strict';
/*
 * Test probe, preloaded (NODE_OPTIONS) into every Node process a synth in tests/infra/test_accelerator.py
 * starts. At exit each process appends one JSON line to PROBE_OUT: its pid, its parent and how many files of
 * the provider package (PROBE_PROVIDER, e.g. @cdktf/provider-aws) it loaded. It measures the accelerator's
 * effect, not its flags.
 */
const fs = require('fs');
const path = require('path');

process.on('exit', () => {
  const marker = `${path.sep}node_modules${path.sep}${process.env.PROBE_PROVIDER}${path.sep}`;
  const providerFiles = Object.keys(require.cache).filter((file) => file.includes(marker));
  const line = { pid: process.pid, ppid: process.ppid, providerFiles: providerFiles.map((f) => f.split(marker)[1]) };
  fs.appendFileSync(process.env.PROBE_OUT, `${JSON.stringify(line)}\n`);
});
