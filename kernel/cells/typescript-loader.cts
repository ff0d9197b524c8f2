// Loads TypeScript for the kernel (typescript.cts re-exports it). Importing
// its 9 MB CommonJS file from an ES module makes Node scan the whole source
// for export names first (~0.4–0.6 s of every kernel start). It is compiled with
// a V8 code cache kept in the user's cache folder (Node 20 has no built-in
// compile cache): compiling typescript.js costs ~150 ms of a ~1.7 s start,
// reading its cached code ~20 ms. The cache is written after the kernel's
// warm-up, so it also holds the functions the warm-up compiled. Its folder:
// $TRELLIS_CACHE_DIR, else $XDG_CACHE_HOME/trellis, else ~/.cache/trellis. Any problem
// with the cache (missing, stale, rejected by V8, unwritable) only means the
// plain compile.
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import vm = require("node:vm");
import Module = require("node:module");
import type TS = require("typescript");

/** How this process loaded TypeScript: from its code cache, or compiled (none there, or V8 rejected it), or the cache is off. */
export type CodeCacheState = "used" | "none" | "rejected" | "off";

interface Loaded {
  readonly ts: typeof TS;
  readonly state: CodeCacheState;
  /** Writes the code cache, if it was missing or rejected (after the warm-up). */
  readonly saveCodeCache: () => void;
}

/** Where the code cache of this TypeScript, Node and platform lives: `$TRELLIS_CACHE_DIR`, else `$XDG_CACHE_HOME/trellis`, else `~/.cache/trellis`. */
function cacheFile(source: string): string {
  const base = process.env.TRELLIS_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "trellis");
  const version = (JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")) as { version?: string }).version ?? "unknown";
  const key = [version, process.version, process.arch, source.length].join("-").replace(/[^\w.-]/g, "_");
  return path.join(base, `typescript-${key}.v8-code-cache`);
}

function load(): Loaded {
  const file = require.resolve("typescript");
  const source = fs.readFileSync(file, "utf8");
  let cachePath: string | undefined;
  let cached: Buffer | undefined;
  try {
    cachePath = cacheFile(source);
    cached = fs.readFileSync(cachePath);
  } catch {
    cached = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cached ? { cachedData: cached } : {}) });
  const m = new Module(file, module);
  m.filename = file;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeRequire, module: Module, filename: string, dirname: string) => void;
  wrapper.call(m.exports, m.exports, Module.createRequire(file), m, file, path.dirname(file));
  m.loaded = true;
  // Whoever else requires typescript in this process gets this instance.
  require.cache[file] = m;
  const stale = !cached || script.cachedDataRejected === true;
  return {
    ts: m.exports as typeof TS,
    state: !cached ? "none" : script.cachedDataRejected ? "rejected" : "used",
    saveCodeCache: () => {
      if (!stale || !cachePath) return;
      const tmp = `${cachePath}.tmp-${process.pid}`;
      try {
        fs.mkdirSync(path.dirname(cachePath), { recursive: true, mode: 0o700 });
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, cachePath);
      } catch {
        // A read-only home, a full disk, a cache "folder" that is a file: the next start compiles again.
        try {
          fs.rmSync(tmp, { force: true });
        } catch {
          // Nothing was written.
        }
      }
    },
  };
}

function loadTypeScript(): Loaded {
  const plain = (): Loaded => ({ ts: require("typescript") as typeof TS, state: "off", saveCodeCache: () => {} });
  if (process.env.TRELLIS_TS_CODE_CACHE === "0") return plain();
  try {
    return load();
  } catch {
    return plain();
  }
}

const loaded = loadTypeScript();

/** Writes TypeScript's code cache for the next kernel start (call once the warm-up has compiled what a session needs). */
export function saveCodeCache(): void {
  loaded.saveCodeCache();
}

export const codeCacheState: CodeCacheState = loaded.state;
