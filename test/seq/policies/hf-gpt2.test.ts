// Hugging Face GPT-2 checkpoints both ways against the real `transformers`
// (GPT2LMHeadModel in torch, CPU): a model transformers makes and saves with
// save_pretrained loads here with the same logits, and ours loads there with
// from_pretrained with the same logits (within 1e-4). Python runs once
// (test/seq/policies/gpt2_interop.py) in the venv of scripts/python-env.sh.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Rng } from "../../../lib/random/rng.js";
import { configFromGpt2Json, fromGpt2Files, gpt2ConfigJson, loadGpt2, saveGpt2, toGpt2Files, Transformer } from "../../../lib/seq/policies/index.js";
import { interopPython } from "../../helpers/python-env.js";

const HELPER = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "test", "seq", "policies", "gpt2_interop.py");
const dir = mkdtempSync(join(tmpdir(), "trellis-gpt2-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const TOKENS = [[3, 1, 4, 1, 5, 9, 2, 6], [15, 0, 7, 7, 12, 8, 11, 2]];
const flat = Int32Array.from(TOKENS.flat());

function randomModel(tie: boolean, seed: number): Transformer {
  const config = { vocabSize: 16, context: 16, layers: 2, dModel: 32, heads: 4, mlpHidden: 64, tieEmbeddings: tie };
  const rng = Rng.fromSeed(seed);
  const m = Transformer.create(config, { rng });
  for (let i = 0; i < m.params.length; i++) m.params[i] = m.params[i]! + 0.3 * rng.normal();
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

test("in memory: save → load is the identity (tied and untied), config.json round-trips, rotary refused", () => {
  for (const tie of [true, false]) {
    const m = randomModel(tie, 1);
    const back = fromGpt2Files(toGpt2Files(m));
    assert.deepEqual(back.config, m.config);
    assert.deepEqual(back.params, m.params);
  }
  const m = randomModel(true, 2);
  assert.deepEqual(configFromGpt2Json(gpt2ConfigJson(m.config)), m.config);
  assert.equal(configFromGpt2Json({ n_embd: 8, n_layer: 1, n_head: 2, n_positions: 4, vocab_size: 5, n_inner: null }).mlpHidden, 32);
  assert.throws(() => configFromGpt2Json({ ...gpt2ConfigJson(m.config), activation_function: "relu" }), /activation_function "relu" is not supported/);
  const rotary = Transformer.create({ vocabSize: 5, context: 4, dModel: 8, heads: 2, mlpHidden: 8, positions: "rotary" }, { rng: Rng.fromSeed(0) });
  assert.throws(() => toGpt2Files(rotary), /learned positions/);
  const files = toGpt2Files(m);
  assert.throws(() => fromGpt2Files({ ...files, config: { ...files.config, n_layer: 3 } }), /missing tensors h\.2\.ln_1\.weight/);
  assert.throws(() => fromGpt2Files({ ...files, config: { ...files.config, n_inner: 48 } }), /h\.0\.mlp\.c_fc\.weight has shape \[32,64\], expected \[32,48\]/);
});

test("transformers' GPT2LMHeadModel ↔ ours: logits match within 1e-4 both ways (save_pretrained → loadGpt2; saveGpt2 → from_pretrained, tied and untied)", (t) => {
  const py = interopPython();
  if ("skip" in py) {
    t.skip(py.skip);
    return;
  }
  const ours = [randomModel(true, 3), randomModel(false, 4)];
  ours.forEach((m, i) => saveGpt2(m, join(dir, `ours-${i}`)));
  const job = {
    make: { dir: join(dir, "theirs"), seed: 0, tokens: TOKENS, config: { vocab_size: 16, n_embd: 32, n_layer: 2, n_head: 4, n_positions: 16, n_inner: 64 } },
    load: ours.map((_, i) => ({ dir: join(dir, `ours-${i}`), tokens: TOKENS })),
    out: join(dir, "out.json"),
  };
  writeFileSync(join(dir, "job.json"), JSON.stringify(job));
  const r = spawnSync(py.python, [HELPER, join(dir, "job.json")], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  const out = JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as { made: number[][][]; loaded: { logits: number[][][]; tied: boolean }[] };
  const theirs = loadGpt2(join(dir, "theirs"));
  assert.equal(theirs.config.tieEmbeddings, true);
  assert.equal(theirs.config.mlpHidden, 64);
  const d0 = maxDiff(theirs.forward(flat, 2, 8), out.made.flat(2));
  assert.ok(d0 < 1e-4, `transformers → ours: max |Δlogit| ${d0}`);
  ours.forEach((m, i) => {
    const d = maxDiff(m.forward(flat, 2, 8), out.loaded[i]!.logits.flat(2));
    assert.ok(d < 1e-4, `ours (tied ${m.config.tieEmbeddings}) → transformers: max |Δlogit| ${d}`);
    assert.equal(out.loaded[i]!.tied, m.config.tieEmbeddings);
  });
  // not vacuous: the logits are O(1) and differ across positions
  const spread = maxDiff(out.made.flat(2), new Array(2 * 8 * 16).fill(0));
  assert.ok(spread > 0.5, `logits too small to test (${spread})`);
});
