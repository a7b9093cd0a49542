'use strict';
/*
 * Lazy root module for the prebuilt AWS provider (@cdktf/provider-aws), preloaded into the jsii kernel.
 *
 * Why: when Python loads the provider's jsii assembly, the jsii kernel (a Node.js process) `require`s the
 * package root `lib/index.js`, a flat list of ~2,200 lines `exports.<ns> = require("./<file>")`. Running
 * it loads every service module (~270 MB of JavaScript, ~3 s) although a stack uses a few dozen. The kernel
 * only reaches a namespace through property access on that root object (`closure[ns][Type]`), so a root
 * whose namespaces are getters that `require` on first access yields the same objects and the same synth
 * output, loading only what is used.
 *
 * What it touches: only a file named `lib/index.js` whose `package.json` says `"name": "@cdktf/provider-aws"`.
 * Every other module loads untouched. If that file does not have the expected flat shape (another
 * provider version or build), it is loaded the normal, eager way and one line says so on stderr:
 * synth never breaks because of this file.
 *
 * Warm-up: PAYMENT_PROVIDER_NAMESPACES (comma-separated, set by payment_infra/aws.py from its imports) names
 * the namespaces the app will use. They are required right after the kernel has answered the provider's
 * load request, while Python is busy importing its own provider modules, so the two processes overlap
 * instead of taking turns. A name that is not in the root is ignored; a namespace that fails to load is
 * left for its first real use, which reports the error as usual.
 *
 * How it is installed: payment_infra/aws.py appends `--require <this file>` to NODE_OPTIONS before the
 * jsii kernel starts (the first import of cdktf/constructs). Set PAYMENT_LAZY_PROVIDER=0 to disable it.
 * Remove it when the provider (or its maintained fork) ships lazy exports upstream.
 */
const fs = require('fs');
const path = require('path');
const Module = require('module');

const PROVIDER_PACKAGE = '@cdktf/provider-aws';
const ROOT_SUFFIX = path.join('lib', 'index.js');
// Lines a TypeScript-compiled flat barrel may contain besides its `require` lines.
const HEADER_LINE = /^(?:"use strict";|\/\*\*?|\s*\*.*|\s*\*\/|\/\/.*|Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);|exports\.[\w$]+(?: = exports\.[\w$]+)* = void 0;|)$/;
const REQUIRE_LINE = /^exports\.([\w$]+) = require\("(\.\/[\w./-]+)"\);$/;

let warned = false;

function warnOnce(message) {
  if (!warned) {
    warned = true;
    process.stderr.write(`payment_infra lazy provider preload: ${message}; loading the provider eagerly\n`);
  }
}

function isProviderRoot(filename) {
  if (!filename.endsWith(path.sep + ROOT_SUFFIX)) return false;
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(path.dirname(filename), '..', 'package.json'), 'utf8'));
    return manifest.name === PROVIDER_PACKAGE;
  } catch (_) {
    return false;
  }
}

/** Returns [[exportName, relativePath], ...] or null when the file is not a flat barrel we understand. */
function parseFlatBarrel(source) {
  const entries = [];
  for (const line of source.split(/\r?\n/)) {
    const match = REQUIRE_LINE.exec(line);
    if (match) {
      entries.push([match[1], match[2]]);
    } else if (!HEADER_LINE.test(line)) {
      return null;
    }
  }
  return entries.length > 0 ? entries : null;
}

function defineLazyExports(module, entries) {
  Object.defineProperty(module.exports, '__esModule', { value: true });
  for (const [name, request] of entries) {
    Object.defineProperty(module.exports, name, {
      configurable: true,
      enumerable: true,
      get() {
        const value = module.require(request);
        Object.defineProperty(module.exports, name, { value, configurable: true, enumerable: true, writable: true });
        return value;
      },
    });
  }
}

/** Loads the namespaces named in PAYMENT_PROVIDER_NAMESPACES on the next turn of the event loop. */
function scheduleWarmUp(exports, entries) {
  const known = new Set(entries.map(([name]) => name));
  const names = (process.env.PAYMENT_PROVIDER_NAMESPACES || '').split(',').filter((name) => known.has(name));
  if (names.length === 0) return;
  // Queued during the load request, so it runs after the kernel has written its answer (the kernel queues
  // its next read with setImmediate too, behind this).
  setImmediate(() => {
    for (const name of names) {
      try {
        void exports[name];
      } catch (_) {
        // The first real use of this namespace will raise the same error where it can be reported.
      }
    }
  });
}

const loadJavaScript = Module._extensions['.js'];
Module._extensions['.js'] = function lazyProviderRoot(module, filename) {
  if (isProviderRoot(filename)) {
    const entries = parseFlatBarrel(fs.readFileSync(filename, 'utf8'));
    if (entries) {
      defineLazyExports(module, entries);
      scheduleWarmUp(module.exports, entries);
      return;
    }
    warnOnce(`${filename} does not have the expected flat "exports.x = require(...)" shape`);
  }
  return loadJavaScript(module, filename);
};
