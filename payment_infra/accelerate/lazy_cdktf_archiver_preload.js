'use strict';
/*
 * Defers cdktf's `require("archiver")` until cdktf zips something, which this project's synth never asks for.
 *
 * Why: loading cdktf in the jsii kernel requires `lib/private/fs.js`. That file requires `archiver` at its
 * top (with readable-stream, glob, lodash and more), ~50 ms on every synth. cdktf only calls it to zip a
 * directory TerraformAsset. payment_infra zips the Lambda code itself (payment_infra/lambda_package.py),
 * so synth never calls it.
 *
 * What it touches: only the module named `archiver` when `lib/private/fs.js` of the package named `cdktf`
 * requires it. That file gets a stand-in function that loads the real module on first call or property read
 * and forwards to it. A cdktf that zips gets the real archiver. A cdktf that no longer requires it from
 * there loads unchanged.
 *
 * Written for the cdktf version in written_for.json (checked: another version is loaded untouched and
 * reported, an error under CI=true). It does not apply to cdktn, which zips with fflate:
 * payment_infra/accelerate does not install it there and says so. Remove it when cdktf loads archiver lazily.
 */
const fs = require('fs');
const path = require('path');
const Module = require('module');
const guard = require('./preload_guard');

const PRELOAD = 'lazy_cdktf_archiver_preload.js';
const FRAMEWORK = 'cdktf';
const REQUEST = 'archiver';
const CALLER_SUFFIX = path.join('lib', 'private', 'fs.js');

/** The package.json of cdktf when `filename` is its lib/private/fs.js, else null. */
function cdktfManifest(filename) {
  if (typeof filename !== 'string' || !filename.endsWith(path.sep + CALLER_SUFFIX)) return null;
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(path.dirname(filename), '..', '..', 'package.json'), 'utf8'));
    return manifest.name === FRAMEWORK ? manifest : null;
  } catch (_) {
    return null;
  }
}

/** A function that behaves as the module `load()` returns, loading it on first use. */
function deferred(load) {
  let real;
  const target = () => (real === undefined ? (real = load()) : real);
  return new Proxy(function deferredModule() {}, {
    apply: (_, thisArg, args) => Reflect.apply(target(), thisArg, args),
    construct: (_, args) => Reflect.construct(target(), args),
    get: (_, property) => Reflect.get(target(), property),
    set: (_, property, value) => Reflect.set(target(), property, value),
    has: (_, property) => Reflect.has(target(), property),
  });
}

const originalLoad = Module._load;
Module._load = function lazyCdktfArchiver(request, parent, isMain) {
  const manifest = request === REQUEST && parent ? cdktfManifest(parent.filename) : null;
  if (manifest) {
    const mismatch = guard.versionMismatch(PRELOAD, FRAMEWORK, manifest.version);
    if (!mismatch) return deferred(() => originalLoad.call(Module, request, parent, isMain));
    guard.fallBack(PRELOAD, mismatch, 'loading archiver eagerly');
  }
  return originalLoad.apply(this, arguments);
};
