// TypeScript's V8 code cache: written after a warm-up, used by the next
// start, and never a reason to fail (missing, damaged or unwritable: the
// plain compile).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const loader = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "kernel", "cells", "typescript-loader.cjs");
const dir = mkdtempSync(join(tmpdir(), "trellis-ts-cache-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Loads TypeScript in a fresh process as the kernel does; returns how, and whether it works. */
function start(env: Record<string, string>): { state: string; works: boolean } {
  const script = `const l = require(${JSON.stringify(loader)}); const ts = require("typescript");
    const works = ts.transpileModule("const x: number = 1", {}).outputText.includes("x = 1;");
    l.saveCodeCache(); console.log(JSON.stringify({ state: l.codeCacheState, works }));`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", cwd: dirname(loader), env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { state: string; works: boolean };
}

test("the code cache is written after the first start, used by the next, and a damaged one is rejected by V8 and rewritten", () => {
  const env = { TRELLIS_CACHE_DIR: join(dir, "cache") };
  assert.deepEqual(start(env), { state: "none", works: true });
  const files = readdirSync(env.TRELLIS_CACHE_DIR);
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^typescript-\d+\.\d+\.\d+-v\d+\.\d+\.\d+-\w+-\d+\.v8-code-cache$/);
  assert.deepEqual(start(env), { state: "used", works: true });
  writeFileSync(join(env.TRELLIS_CACHE_DIR, files[0]!), Buffer.alloc(4096, 7));
  assert.deepEqual(start(env), { state: "rejected", works: true });
  assert.deepEqual(start(env), { state: "used", works: true }, "rewritten after the rejection");
});

test("an unusable cache folder or TRELLIS_TS_CODE_CACHE=0 means the plain compile, never an error", () => {
  const file = join(dir, "a-file");
  writeFileSync(file, "not a folder");
  assert.deepEqual(start({ TRELLIS_CACHE_DIR: file }), { state: "none", works: true });
  assert.deepEqual(start({ TRELLIS_CACHE_DIR: join(dir, "off"), TRELLIS_TS_CODE_CACHE: "0" }), { state: "off", works: true });
});
