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
 * How it is installed: payment_infra/aws.py appends `--require <this file>` to NODE_OPTIONS with the lazy
 * provider preload (PAYMENT_LAZY_PROVIDER=0 disables both). Remove it when cdktf loads archiver lazily.
 */
const fs = require('fs');
const path = require('path');
const Module = require('module');

const REQUEST = 'archiver';
const CALLER_SUFFIX = path.join('lib', 'private', 'fs.js');

function isCdktfFs(filename) {
  if (typeof filename !== 'string' || !filename.endsWith(path.sep + CALLER_SUFFIX)) return false;
  try {
    const manifest = path.join(path.dirname(filename), '..', '..', 'package.json');
    return JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'cdktf';
  } catch (_) {
    return false;
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
  if (request === REQUEST && parent && isCdktfFs(parent.filename)) {
    return deferred(() => originalLoad.call(Module, request, parent, isMain));
  }
  return originalLoad.apply(this, arguments);
};
