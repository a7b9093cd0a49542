'use strict';
/*
 * What every preload of payment_infra/accelerate shares: the versions it was written for, and what happens
 * when it does not recognise its target.
 *
 * written_for.json (next to this file) lists, per preload and engine, the jsii, framework and provider
 * versions the preload was written for. A preload that meets another version, or a file whose shape it does
 * not recognise, leaves that file alone (the slow, stock path) and reports it through fallBack():
 * - normally one line on stderr (synth works, slower);
 * - under CI=true it throws, so the jsii kernel fails to load the file and synth fails: a provider or jsii
 *   upgrade that breaks a preload fails CI instead of silently making every run ~3x slower.
 */
const fs = require('fs');
const path = require('path');

const WRITTEN_FOR = JSON.parse(fs.readFileSync(path.join(__dirname, 'written_for.json'), 'utf8'));

function strict() {
  return ['true', '1'].includes(String(process.env.CI || '').toLowerCase());
}

/** The engine payment_infra/accelerate told the kernel about (PAYMENT_ENGINE), cdktf when unset. */
function engine() {
  return process.env.PAYMENT_ENGINE || 'cdktf';
}

/** The versions `preload` was written for on the current engine: {jsii, <framework>, <provider>}, or null. */
function writtenFor(preload) {
  const entry = WRITTEN_FOR[preload];
  return (entry && entry.written_for && entry.written_for[engine()]) || null;
}

/** null when `version` of `pkg` is the one `preload` was written for, else the reason it is not. */
function versionMismatch(preload, pkg, version) {
  const expected = writtenFor(preload);
  if (expected === null) return `${preload} lists no versions for engine ${engine()} in written_for.json`;
  if (!(pkg in expected)) return `${preload} was not written for ${pkg} (written_for.json, engine ${engine()})`;
  if (expected[pkg] !== version) {
    return `${pkg} is ${version}, ${preload} was written for ${expected[pkg]} (written_for.json)`;
  }
  return null;
}

/** Report that `preload` leaves its target to the stock path. Throws under CI=true. */
function fallBack(preload, reason, consequence) {
  const message = `payment_infra accelerator, ${preload}: ${reason}; ${consequence}`;
  if (strict()) {
    throw new Error(`${message} (an error because CI=true: update the preload and written_for.json)`);
  }
  process.stderr.write(`${message}\n`);
}

module.exports = { WRITTEN_FOR, engine, fallBack, strict, versionMismatch, writtenFor };
