import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, truncate, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { CheckpointError, rl, type Run } from "../../lib/index.js";
import { manifestSha256, sha256 } from "../../lib/run/checkpoint-manifest.js";
import { fingerprint } from "../helpers/checkpoints.js";

// One small saved run (PPO on CartPole, recording its transitions) that every test copies and damages.
let root: string;
let saved: string;
let savedFingerprint: string;
let copies = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), "trellis-ckpt-files-"));
  saved = join(root, "saved");
  const run = rl.env("CartPole-v1", { n: 2, seed: 3 }).policy(rl.mlp([8])).algo(rl.ppo({ numSteps: 32, minibatches: 2 })).build();
  await run.train({ steps: 200 });
  await run.save(saved);
  savedFingerprint = fingerprint(run);
  run.dispose();
});

after(() => rm(root, { recursive: true, force: true }));

type Json = Record<string, any>;

/** A fresh copy of the saved checkpoint. */
async function copy(): Promise<string> {
  const dir = join(root, `copy-${++copies}`);
  await cp(saved, dir, { recursive: true });
  return dir;
}

async function readManifest(dir: string): Promise<Json> {
  return JSON.parse(await readFile(join(dir, "run.json"), "utf8")) as Json;
}

async function writeManifest(dir: string, m: Json): Promise<void> {
  await writeFile(join(dir, "run.json"), JSON.stringify(m, null, 1));
}

/** A copy whose run.json was edited by hand. */
async function edited(edit: (m: Json) => void): Promise<string> {
  const dir = await copy();
  const m = await readManifest(dir);
  edit(m);
  await writeManifest(dir, m);
  return dir;
}

/** The message of the CheckpointError that loading `dir` throws. */
async function loadError(dir: string): Promise<string> {
  try {
    (await rl.load(dir)).dispose();
  } catch (error) {
    assert.ok(error instanceof CheckpointError, `expected a CheckpointError, got ${String(error)}`);
    return error.message;
  }
  assert.fail(`${dir} loaded`);
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("a loaded checkpoint is the saved run exactly", async () => {
  const run = await rl.load(await copy());
  assert.equal(fingerprint(run), savedFingerprint);
  run.dispose();
});

test("a flipped byte anywhere in arrays.bin, metrics.arrow or data.arrow is refused, naming the file (and the array)", async () => {
  const m = await readManifest(saved);
  const sizes: Record<string, number> = { "arrays.bin": m.files["arrays.bin"].bytes, "metrics.arrow": m.files["metrics.arrow"].bytes, "data.arrow": m.files["data.arrow"].bytes };
  const arrayAt = (offset: number) =>
    Object.entries(m.arrays as Record<string, { dtype: string; offset: number; length: number }>).find(([, e]) => offset >= e.offset && offset < e.offset + e.length * (e.dtype === "float64" ? 8 : e.dtype === "uint8" ? 1 : 4))?.[0];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(sizes)), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 255 }), async (file, where, mask) => {
      const dir = await copy();
      const path = join(dir, file);
      const bytes = await readFile(path);
      const at = Math.floor(where * sizes[file]!);
      bytes[at]! ^= mask;
      await writeFile(path, bytes);
      const message = await loadError(dir);
      assert.match(message, new RegExp(esc(path)));
      const array = file === "arrays.bin" ? arrayAt(at) : undefined;
      if (array) assert.match(message, new RegExp(`array ${esc(array)} fails its checksum \\(expected sha256 [0-9a-f]{12}…, found [0-9a-f]{12}…\\): the file was changed after it was saved`));
      else if (file === "arrays.bin") assert.match(message, /lies between arrays and should be 0 \(padding\)/);
      else assert.match(message, /fails its checksum .*: the file was changed after it was saved/);
      await rm(dir, { recursive: true });
    }),
    { seed: 20261203, numRuns: 40 },
  );
});

test("a flipped byte in run.json is refused naming run.json, or changes nothing (whitespace)", async () => {
  const size = (await readFile(join(saved, "run.json"))).length;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
      const dir = await copy();
      const path = join(dir, "run.json");
      const bytes = await readFile(path);
      bytes[at]! ^= mask;
      await writeFile(path, bytes);
      let run: Run | undefined;
      try {
        run = await rl.load(dir);
      } catch (error) {
        assert.ok(error instanceof CheckpointError, String(error));
        assert.match(error.message, new RegExp(esc(path)));
      }
      if (run) {
        assert.equal(fingerprint(run), savedFingerprint, `byte ${at} ^ ${mask} loaded a different run`);
        run.dispose();
      }
      await rm(dir, { recursive: true });
    }),
    { seed: 20261204, numRuns: 60 },
  );
});

test("truncated or missing metrics.arrow, data.arrow and arrays.bin are refused, naming the file", async () => {
  for (const [file, bytes] of [
    ["metrics.arrow", 100],
    ["data.arrow", 1000],
    ["arrays.bin", 40],
  ] as const) {
    const dir = await copy();
    await truncate(join(dir, file), bytes);
    assert.match(await loadError(dir), new RegExp(`${esc(join(dir, file))}: has ${bytes} bytes, run\\.json says \\d+: the file is truncated`));
    await unlink(join(dir, file));
    assert.match(await loadError(dir), new RegExp(`${esc(join(dir, file))}: missing \\(run\\.json lists it\\)`));
  }
});

test("hand-edited manifests: every wrong field is named with its path in run.json", async () => {
  const cases: [string, (m: Json) => void, RegExp][] = [
    ["negative offset", (m) => (m.arrays["algo.params"].offset = -8), /arrays\["algo\.params"\]\.offset: expected an integer ≥ 0, got -8/],
    ["unaligned offset", (m) => (m.arrays["algo.adamM"].offset += 4), /arrays\["algo\.adamM"\]\.offset: expected a multiple of 8 \(arrays are 8-byte aligned\), got \d+/],
    ["non-integer length", (m) => (m.arrays["algo.params"].length = 2.5), /arrays\["algo\.params"\]\.length: expected an integer ≥ 0 ≤ \d+, got 2\.5/],
    ["unknown dtype", (m) => (m.arrays["algo.params"].dtype = "float16"), /arrays\["algo\.params"\]\.dtype: expected one of float32, int32, uint8, float64, got "float16"/],
    ...["toString", "constructor", "__proto__", "hasOwnProperty"].map((name): [string, (m: Json) => void, RegExp] => [
      `a dtype named like a prototype member (${name}), re-signed`,
      (m) => {
        m.arrays["algo.params"].dtype = name;
        m.manifestSha256 = manifestSha256(m);
      },
      new RegExp(`arrays\\["algo\\.params"\\]\\.dtype: expected one of float32, int32, uint8, float64, got "${name}"`),
    ]),
    ["overlapping arrays", (m) => (m.arrays["algo.adamM"].offset = m.arrays["algo.params"].offset + 8), /arrays\["algo\.adamM"\]: bytes \d+\.\.\d+ overlap arrays\["algo\.params"\]/],
    ["array past the end", (m) => (m.arrays["algo.params"].length = 10 ** 7), /arrays\["algo\.params"\]: needs bytes 0\.\.40000000 of arrays\.bin, but files\["arrays\.bin"\]\.bytes is \d+/],
    ["missing section", (m) => delete m.env, /env: expected an object, got nothing \(it is missing\)/],
    ["missing state", (m) => delete m.algoState, /algoState: expected the saved state, got nothing/],
    ["wrong type: env.n", (m) => (m.env.n = "2"), /env\.n: expected an integer ≥ 1, got "2"/],
    ["wrong type: policy.hidden", (m) => (m.policy.hidden = "big"), /policy\.hidden: expected positive integer widths, got "big"/],
    ["wrong type: arrays", (m) => (m.arrays = []), /arrays: expected an object, got \[\]/],
    ["wrong type: run", (m) => (m.run = 5), /run: expected an object, got 5/],
    ["wrong type: run.evalRng", (m) => (m.run.evalRng = [1, 2]), /run\.evalRng: expected 4 entries \(a generator state\), got 2/],
    ["wrong type: recording", (m) => (m.recording.tOf = [0]), /recording\.tOf: expected 2 entries \(one per env copy\), got 1/],
    ["bad checksum field", (m) => (m.arrays["algo.params"].sha256 = "abc"), /arrays\["algo\.params"\]\.sha256: expected a SHA-256 \(64 lowercase hex digits\), got "abc"/],
    ["missing file entry", (m) => delete m.files["data.arrow"], /files: expected an entry for data\.arrow, got none/],
    ["a file outside the checkpoint", (m) => (m.dataset = { file: "../../etc/passwd", rows: 1 }), /dataset\.file: expected "dataset\.arrow", got "\.\.\/\.\.\/etc\/passwd"/],
    ["unknown format", (m) => (m.format = "other"), /format: expected "trellis-run" \(this is not a Trellis run\), got "other"/],
    ["newer format", (m) => (m.formatVersion = 99), /formatVersion: 99 was written by a newer Trellis \(this one reads up to 2\); upgrade Trellis to load it/],
    ["not an object", (m) => Object.keys(m).forEach((k) => delete m[k]), /format: expected "trellis-run"/],
  ];
  for (const [what, edit, expected] of cases) {
    const dir = await edited(edit);
    const message = await loadError(dir);
    assert.match(message, new RegExp(`${esc(join(dir, "run.json"))}: ${expected.source}`), `${what}: ${message}`);
  }
  const dir = await copy();
  await writeFile(join(dir, "run.json"), "{ not json");
  assert.match(await loadError(dir), new RegExp(`${esc(join(dir, "run.json"))}: not valid JSON`));
});

test("several problems are reported together, one per line", async () => {
  const message = await loadError(
    await edited((m) => {
      m.env.n = 0;
      m.arrays["algo.params"].offset = -8;
    }),
  );
  assert.match(message, /2 problems:\n {2}- .*run\.json: env\.n: expected an integer ≥ 1, got 0\n {2}- .*run\.json: arrays\["algo\.params"\]\.offset/);
});

test("a valid-looking edit of run.json (a changed learning rate) fails the manifest's checksum", async () => {
  const dir = await edited((m) => (m.algo.config.lr = 0.5));
  assert.match(await loadError(dir), /run\.json: fails its checksum \(manifestSha256 is [0-9a-f]{12}…, the content hashes to [0-9a-f]{12}…\): it was changed after it was saved \(only dataset\.path and mix\.path may be edited\)/);
});

test("an algorithm config the algorithm refuses is reported as run.json's problem", async () => {
  // Edit and re-sign the manifest: the config itself is what is wrong.
  const dir = await edited((m) => {
    m.algo.config.collect.config.numSteps = -1;
    m.manifestSha256 = manifestSha256(m);
  });
  assert.match(await loadError(dir), /run\.json: algo\.collect\.numSteps: expected an integer ≥ 1, got -1/);
});

test("NaN in a weight: a save refuses it, and a checkpoint holding one (checksums matching) is refused by name", async () => {
  const run = rl.env("CartPole-v1", { n: 2, seed: 3 }).policy(rl.mlp([8])).algo(rl.ppo({ numSteps: 32, minibatches: 2 })).build();
  (run.algo as unknown as { policy: { groups: { params: Float32Array }[] } }).policy.groups[0]!.params[3] = NaN;
  await assert.rejects(run.save(join(root, "nan")), /cannot save .*nan: the run's array algo\.params holds NaN at index 3, and a run cannot continue from non-finite weights or state/);
  run.dispose();
  // A checkpoint whose checksums were made over a NaN weight: written that way by something else than save().
  const dir = await copy();
  const m = await readManifest(dir);
  const blob = await readFile(join(dir, "arrays.bin"));
  const e = m.arrays["algo.params"];
  new Float32Array(blob.buffer, blob.byteOffset + e.offset, e.length)[5] = NaN;
  await writeFile(join(dir, "arrays.bin"), blob);
  e.sha256 = sha256(blob.subarray(e.offset, e.offset + e.length * 4));
  m.manifestSha256 = manifestSha256(m);
  await writeManifest(dir, m);
  assert.match(await loadError(dir), /arrays\.bin: array algo\.params holds NaN at index 5 \(its checksum matches, so it was saved that way\)/);
});

test("a checkpoint of format 1 (no checksums) still loads, and its damaged Arrow files are named", async () => {
  const toV1 = (m: Json) => {
    m.formatVersion = 1;
    delete m.files;
    delete m.manifestSha256;
    for (const e of Object.values(m.arrays) as Json[]) delete e.sha256;
  };
  const dir = await edited(toV1);
  const run = await rl.load(dir);
  assert.equal(fingerprint(run), savedFingerprint);
  await run.train({ steps: 64 });
  run.dispose();
  for (const file of ["metrics.arrow", "data.arrow"]) {
    const damaged = await edited(toV1);
    await truncate(join(damaged, file), 600);
    assert.match(await loadError(damaged), new RegExp(`${esc(join(damaged, file))}: not a whole Arrow IPC file \\(it should end with "ARROW1"\\): it is truncated`));
    await writeFile(join(damaged, file), "garbage");
    assert.match(await loadError(damaged), new RegExp(`${esc(join(damaged, file))}: not an Arrow IPC file`));
  }
  // Without checksums, a weight edit cannot be detected: only the layout is checked.
  const noLayout = await edited((m) => {
    toV1(m);
    m.arrays["algo.params"].offset = -8;
  });
  assert.match(await loadError(noLayout), /run\.json: arrays\["algo\.params"\]\.offset: expected an integer ≥ 0, got -8/);
});

test("a missing directory, a file instead of one, and a directory without run.json are told apart", async () => {
  assert.match(await loadError(join(root, "nothing-here")), /nothing-here: no such directory \(expected a directory written by run\.save\(\)\)/);
  await writeFile(join(root, "a-file"), "x");
  assert.match(await loadError(join(root, "a-file")), /a-file: not a directory/);
  const dir = await copy();
  await unlink(join(dir, "run.json"));
  assert.match(await loadError(dir), /run\.json: missing, so this is not a checkpoint/);
});

/** A BC run on the transitions of a short PPO run: from memory, or from the file `file` when given. */
async function offlineRun(file?: string): Promise<Run> {
  const ppo = rl.env("CartPole-v1", { n: 2, seed: 5 }).policy(rl.mlp([8])).algo(rl.ppo({ numSteps: 32, minibatches: 2 })).build();
  await ppo.train({ steps: 400 });
  let dataset = rl.dataset.from(ppo.data);
  ppo.dispose();
  if (file) {
    await dataset.save(file);
    dataset = await rl.dataset.open(file);
  }
  const run = rl.offline(dataset, { seed: 1 }).policy(rl.mlp([8])).algo(rl.bc({ batchSize: 32, logEvery: 10 })).build();
  await run.train({ updates: 30 });
  return run;
}

test("an offline run with its dataset inside the checkpoint can be loaded, saved back over the same directory and loaded again", async () => {
  const dir = join(root, "offline-in-checkpoint");
  const run = await offlineRun();
  await run.save(dir);
  const loaded = await rl.load(dir);
  await loaded.train({ updates: 10 });
  await loaded.save(dir); // replaces the directory the dataset was loaded from
  const again = await rl.load(dir);
  assert.equal(again.algo.updates, 40);
  assert.equal(fingerprint(again), fingerprint(loaded));
  await again.train({ updates: 10 });
  for (const r of [run, loaded, again]) r.dispose();
});

test("a dataset kept outside the checkpoint may move: editing dataset.path keeps the checkpoint loadable", async () => {
  const file = join(root, "expert.arrow");
  const run = await offlineRun(file);
  const dir = join(root, "offline-external");
  await run.save(dir);
  const moved = join(root, "moved.arrow");
  await cp(file, moved);
  await rm(file);
  assert.match(await loadError(dir), new RegExp(`${esc(file)}: its dataset \\(run\\.json dataset\\.path\\) cannot be read`));
  const m = await readManifest(dir);
  m.dataset.path = moved;
  await writeManifest(dir, m);
  const loaded = await rl.load(dir);
  assert.equal(fingerprint(loaded), fingerprint(run));
  for (const r of [run, loaded]) r.dispose();
});
