import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { recoverDir, writeDirAtomic, writeFileAtomic } from "../../lib/run/atomic-dir.js";
import { newWriterTag } from "../../lib/run/writer-tag.js";

const dirSaveLoop = join(dirname(fileURLToPath(import.meta.url)), "dir-save-loop.js");

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "trellis-atomic-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function save(target: string, token: string): Promise<void> {
  await writeDirAtomic(target, async (tmp) => {
    await writeFile(join(tmp, "a"), token);
    await writeFile(join(tmp, "b"), token);
  });
}

test("saves of one directory running at once in this process all succeed, and one whole version stays", () =>
  withDir(async (dir) => {
    const target = join(dir, "ckpt");
    await save(target, "first");
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => save(target, `v${i}`)));
    assert.deepEqual(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason)), []);
    const a = await readFile(join(target, "a"), "utf8");
    assert.match(a, /^v\d+$/);
    assert.equal(await readFile(join(target, "b"), "utf8"), a);
    assert.deepEqual(await readdir(dir), ["ckpt"], "no temporary siblings left");
  }));

test("two processes saving the same directory 100 times each at once both succeed", () =>
  withDir(async (dir) => {
    const target = join(dir, "ckpt");
    const codes = await Promise.all(
      ["x", "y"].map(
        (name) =>
          new Promise<string>((resolve) => {
            const child = spawn(process.execPath, [dirSaveLoop, target, "100", name], { stdio: ["ignore", "ignore", "pipe"] });
            let stderr = "";
            child.stderr.on("data", (d) => (stderr += d));
            child.once("exit", (code) => resolve(`${code}${stderr ? `: ${stderr.split("\n")[0]}` : ""}`));
          }),
      ),
    );
    assert.deepEqual(codes, ["0", "0"]);
    const a = await readFile(join(target, "a"), "utf8");
    assert.match(a, /^[xy]-99$/, "the last save of one of them");
    assert.equal(await readFile(join(target, "b"), "utf8"), a);
    assert.deepEqual(await readdir(dir), ["ckpt"]);
  }));

test("a load never moves back the copy of a writer that is still between its two renames; a dead writer's it does", () =>
  withDir(async (dir) => {
    const target = join(dir, "ckpt");
    await save(target, "old");
    // A live writer (this process) has moved the old version aside and is about to put its new one in place.
    const aside = join(dir, `.ckpt.old-${newWriterTag()}`);
    await rename(target, aside);
    assert.equal(await recoverDir(target), "saving");
    assert.deepEqual(await readdir(dir), [aside.slice(dir.length + 1)], "left where the writer put it");
    // The same copy, left by a writer that has died: moved back.
    await rename(aside, join(dir, `.ckpt.old-${tagWith({ pid: deadPid() })}`));
    assert.equal(await recoverDir(target), "recovered");
    assert.equal(await readFile(join(target, "a"), "utf8"), "old");
    // Nothing there at all; or only a live writer's first save under way.
    await rm(target, { recursive: true });
    assert.equal(await recoverDir(target), "missing");
    await mkdir(join(dir, `.ckpt.tmp-${newWriterTag()}`));
    assert.equal(await recoverDir(target), "saving");
  }));

test("the next save removes the temporary folders of dead writers and leaves a live writer's alone", () =>
  withDir(async (dir) => {
    const target = join(dir, "ckpt");
    await save(target, "v0");
    const dead = deadPid();
    const deadTmp = `.ckpt.tmp-${tagWith({ pid: dead })}`;
    const deadOld = `.ckpt.old-${tagWith({ pid: dead, start: "0" })}`;
    const legacyTmp = `.ckpt.tmp-${dead}-lz3k2x9a-abc123`; // named by an earlier Trellis: pid, time, random
    const liveTmp = `.ckpt.tmp-${newWriterTag()}`;
    for (const name of [deadTmp, deadOld, legacyTmp, liveTmp]) {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, "run.json"), "{}");
    }
    await save(target, "v1");
    assert.deepEqual((await readdir(dir)).sort(), [liveTmp, "ckpt"].sort());
    assert.equal(await readFile(join(target, "a"), "utf8"), "v1");
  }));

/** A writer tag like this process's, with some of its parts replaced. */
function tagWith(parts: { pid?: number; start?: string; machine?: string; boot?: string }): string {
  const m = /^(\d+)-s(\d+)-m([0-9a-f]{8})-b([0-9a-f]{8}|0)-([0-9a-f]{8})$/.exec(newWriterTag());
  assert.ok(m, `unexpected tag ${newWriterTag()}`);
  return `${parts.pid ?? m[1]}-s${parts.start ?? m[2]}-m${parts.machine ?? m[3]}-b${parts.boot ?? m[4]}-${m[5]}`;
}

test("a pid reused by a later process, or by a process of a later boot, does not keep a dead writer's leftovers alive", { skip: process.platform !== "linux" && "process start times and boot ids come from /proc" }, () =>
  withDir(async (dir) => {
    const target = join(dir, "ckpt");
    await save(target, "v0");
    // This process's pid and its parent's (both alive) with a start time that is not theirs, or in another boot: earlier processes that had the same pid.
    const reused = [tagWith({ start: "1" }), tagWith({ pid: process.ppid, start: "1" }), tagWith({ pid: process.ppid, boot: "00000000" }), tagWith({ boot: "00000000" })];
    for (const tag of reused) await mkdir(join(dir, `.ckpt.tmp-${tag}`));
    await save(target, "v1");
    assert.deepEqual(await readdir(dir), ["ckpt"]);
  }));

test("leftovers of a writer on another machine or in another container sharing the directory are left alone", () =>
  withDir(async (dir) => {
    const target = join(dir, "ckpt");
    await save(target, "v0");
    // Its pid means nothing here, dead or alive: only that machine can tell.
    const elsewhere = [`.ckpt.tmp-${tagWith({ pid: deadPid(), machine: "00000000" })}`, `.ckpt.old-${tagWith({ pid: deadPid(), machine: "00000000" })}`];
    for (const name of elsewhere) await mkdir(join(dir, name));
    await save(target, "v1");
    assert.deepEqual((await readdir(dir)).sort(), ["ckpt", ...elsewhere].sort());
    // With the directory missing, a load waits for that writer rather than moving its copy back.
    await rm(target, { recursive: true });
    assert.equal(await recoverDir(target), "saving");
  }));

test("writeFileAtomic removes the temporary files of dead writers", () =>
  withDir(async (dir) => {
    const path = join(dir, "data.arrow");
    const stale = `.data.arrow.tmp-${deadPid()}-0a1b2c3d`;
    await writeFile(join(dir, stale), "half a file");
    await writeFileAtomic(path, new TextEncoder().encode("whole"));
    assert.deepEqual(await readdir(dir), ["data.arrow"]);
    assert.equal(await readFile(path, "utf8"), "whole");
  }));
