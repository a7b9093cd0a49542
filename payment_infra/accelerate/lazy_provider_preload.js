'use strict';
/*
 * Lazy root module for the prebuilt AWS provider, preloaded into the jsii kernel. Written for the versions
 * in written_for.json (checked, see preload_guard.js): @cdktf/provider-aws (cdktf) and @cdktn/provider-aws (cdktn).
 *
 * Why: when Python loads the provider's jsii assembly, the jsii kernel (a Node.js process) `require`s the
 * package root `lib/index.js`, a flat list of ~2,200 lines that each require one service module. Running
 * it loads every service module (~270 MB of JavaScript, ~3 s) although a stack uses a few dozen. The kernel
 * only reaches a namespace through property access on that root object (`closure[ns][Type]`), so a root
 * whose namespaces are getters that `require` on first access yields the same objects and the same synth
 * output, loading only what is used.
 *
 * Two shapes of that root are recognised (parseBarrel, also what tests/infra run on the installed provider):
 * - cdktf's provider: `exports.<ns> = require("./<file>");`
 * - cdktn's provider: TypeScript's `__createBinding`/`__setModuleDefault`/`__importStar` helpers, then
 *   `exports.<ns> = __importStar(require("./<dir>/index"));`. The helpers are the file's own code, run here,
 *   so each getter returns exactly what the eager line would have assigned.
 *
 * What it touches: only a file named `lib/index.js` whose `package.json` names one of PROVIDER_PACKAGES.
 * Every other module loads untouched. Another version, or a root of another shape, is loaded the normal,
 * eager way and reported (preload_guard.fallBack: a warning, an error under CI=true).
 *
 * Warm-up: PAYMENT_PROVIDER_NAMESPACES (comma-separated, set by payment_infra/accelerate from the imports
 * of payment_infra/aws.py) names the namespaces the app will use. They are required right after the kernel
 * has answered the provider's load request, while Python is busy importing its own provider modules, so the
 * two processes overlap instead of taking turns. A name that is not in the root is ignored (a test checks
 * that every name is there); a namespace that fails to load is left for its first real use, which reports
 * the error as usual.
 *
 * Remove it when the provider ships lazy exports upstream.
 */
const fs = require('fs');
const path = require('path');
const Module = require('module');
const guard = require('./preload_guard');

const PRELOAD = 'lazy_provider_preload.js';
const PROVIDER_PACKAGES = ['@cdktf/provider-aws', '@cdktn/provider-aws'];
const ROOT_SUFFIX = path.join('lib', 'index.js');
// Lines a TypeScript-compiled barrel may contain besides its `require` lines.
const HEADER_LINE = /^(?:"use strict";|\/\*\*?|\s*\*.*|\s*\*\/|\/\/.*|Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);|exports\.[\w$]+(?: = exports\.[\w$]+)* = void 0;|)$/;
const REQUIRE_LINE = /^exports\.([\w$]+) = require\("(\.\/[\w./-]+)"\);$/;
const IMPORT_STAR_LINE = /^exports\.([\w$]+) = __importStar\(require\("(\.\/[\w./-]+)"\)\);$/;
// The unindented lines of TypeScript's module helpers (their bodies are indented); nothing else may sit among them.
const HELPER_LINES = new Set([
  'var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {',
  '}) : (function(o, m, k, k2) {',
  '}));',
  'var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {',
  '}) : function(o, v) {',
  '});',
  'var __importStar = (this && this.__importStar) || (function () {',
  '})();',
]);

function providerPackage(filename) {
  if (!filename.endsWith(path.sep + ROOT_SUFFIX)) return null;
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(path.dirname(filename), '..', 'package.json'), 'utf8'));
    return PROVIDER_PACKAGES.includes(manifest.name) ? manifest : null;
  } catch (_) {
    return null;
  }
}

/**
 * The root's namespaces, or null when the file is not a barrel of a shape we understand.
 * Returns {entries: [[exportName, request, wrapped]], helpers: source of the module helpers ('' if none)}.
 */
function parseBarrel(source) {
  const entries = [];
  const helpers = [];
  for (const line of source.split(/\r?\n/)) {
    // A helper's unindented line, or an indented line of its body (helpers come before every entry).
    if (HELPER_LINES.has(line) || (helpers.length > 0 && entries.length === 0 && /^\s+\S/.test(line))) {
      helpers.push(line);
      continue;
    }
    const flat = REQUIRE_LINE.exec(line);
    const star = IMPORT_STAR_LINE.exec(line);
    if (flat) {
      entries.push([flat[1], flat[2], false]);
    } else if (star) {
      entries.push([star[1], star[2], true]);
    } else if (!HEADER_LINE.test(line)) {
      return null;
    }
  }
  if (entries.length === 0) return null;
  const wrapped = entries.some(([, , isWrapped]) => isWrapped);
  if (wrapped && !helpers.some((line) => line.startsWith('var __importStar = '))) return null;
  return { entries, helpers: helpers.join('\n') };
}

/** The file's own `__importStar`, run with `this` bound as at module level (undefined when there is none). */
function importStarHelper(module, helpers) {
  if (helpers === '') return undefined;
  const build = new Function(`${helpers}\nreturn typeof __importStar === 'undefined' ? undefined : __importStar;`);
  return build.call(module.exports);
}

function defineLazyExports(module, barrel) {
  const importStar = importStarHelper(module, barrel.helpers);
  Object.defineProperty(module.exports, '__esModule', { value: true });
  for (const [name, request, wrapped] of barrel.entries) {
    Object.defineProperty(module.exports, name, {
      configurable: true,
      enumerable: true,
      get() {
        const required = module.require(request);
        const value = wrapped ? importStar(required) : required;
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
  const manifest = providerPackage(filename);
  if (manifest) {
    const mismatch = guard.versionMismatch(PRELOAD, manifest.name, manifest.version);
    const barrel = mismatch ? null : parseBarrel(fs.readFileSync(filename, 'utf8'));
    if (barrel) {
      defineLazyExports(module, barrel);
      scheduleWarmUp(module.exports, barrel.entries);
      return;
    }
    guard.fallBack(
      PRELOAD,
      mismatch || `${filename} has neither the flat "exports.x = require(...)" shape nor the __importStar one`,
      'loading the provider eagerly',
    );
  }
  return loadJavaScript(module, filename);
};

module.exports = { PROVIDER_PACKAGES, parseBarrel };
