// The GRU token policy: BPTT against central differences on every parameter,
// the decoder against the forward, SFT and batched sampling through the
// TokenPolicy interface, checkpoints (round trip, bad files) and, against
// torch's nn.GRU in the venv of scripts/python-env.sh, logits both ways
// (test/seq/policies/gru_interop.py).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Rng } from "../../../lib/random/rng.js";
import {
  configFromGruJson, fromGruFiles, gruConfig, gruConfigJson, gruLayout, GruPolicy, loadGru, readSafetensors, saveGru, SafetensorsError, sampleBatch,
  sftBatch, SftTrainer, tokenLogProbs, toGruFiles, writeSafetensors, type GruConfig, type SafeTensor,
} from "../../../lib/seq/policies/index.js";
import { charTokenizer } from "../../../lib/seq/tokenizers/index.js";
import { interopPython } from "../../helpers/python-env.js";

const HELPER = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "test", "seq", "policies", "gru_interop.py");
const dir = mkdtempSync(join(tmpdir(), "trellis-gru-"));
after(() => rmSync(dir, { recursive: true, force: true }));

type Tiny = Partial<GruConfig> & { vocabSize: number };

/** Torch's init plus O(0.3) jitter, so gates sit away from ½ and every gradient is far from 0. */
function randomPolicy(config: Tiny, seed: number): GruPolicy {
  const rng = Rng.fromSeed(seed);
  const policy = GruPolicy.create(config, { rng });
  for (let i = 0; i < policy.params.length; i++) policy.params[i] = policy.params[i]! + 0.3 * rng.normal();
  return policy;
}

function randomTokens(rng: Rng, n: number, vocab: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(vocab));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

for (const variant of [
  { name: "2 layers, embed ≠ hidden, untied", config: { vocabSize: 5, embedSize: 4, hiddenSize: 6, layers: 2 } },
  { name: "1 layer, tied head", config: { vocabSize: 6, embedSize: 5, hiddenSize: 5, layers: 1, tieHead: true } },
]) {
  test(`BPTT matches central differences on every parameter of every tensor (${variant.name})`, () => {
    const policy = randomPolicy(variant.config, 11);
    const V = variant.config.vocabSize;
    const rng = Rng.fromSeed(5);
    const batch = 2;
    const length = 6;
    const tokens = randomTokens(rng, batch * length, V);
    const R = Float64Array.from({ length: batch * length * V }, () => rng.normal());
    const loss = () => dot(policy.forward(tokens, batch, length), R);
    policy.zeroGrads();
    policy.forward(tokens, batch, length);
    policy.backward(R);
    const analytic = policy.grads.slice();
    let worst = 0;
    for (const [name, { offset, size }] of policy.layout.slots) {
      let tensorNorm = 0;
      for (let i = offset; i < offset + size; i++) {
        const orig = policy.params[i]!;
        policy.params[i] = orig + 1e-3;
        const up = policy.params[i]!;
        const lUp = loss();
        policy.params[i] = orig - 1e-3;
        const down = policy.params[i]!;
        const lDown = loss();
        policy.params[i] = orig;
        const numeric = (lUp - lDown) / (up - down);
        const a = analytic[i]!;
        const err = Math.abs(numeric - a) / (Math.max(Math.abs(numeric), Math.abs(a)) + 1e-4);
        worst = Math.max(worst, err);
        assert.ok(err < 1e-4, `${name}[${i - offset}]: numeric ${numeric} vs analytic ${a}`);
        tensorNorm += a * a;
      }
      assert.ok(tensorNorm > 1e-6, `${name}: gradient is ~0, the check would be vacuous`);
    }
    assert.ok(worst < 1e-4);
  });
}

test("gradients accumulate across backwards, and backward needs a fresh forward", () => {
  const policy = randomPolicy({ vocabSize: 5, embedSize: 3, hiddenSize: 4 }, 2);
  const tokens = Int32Array.from([1, 2, 3, 4]);
  const d = Float64Array.from({ length: 4 * 5 }, (_, i) => Math.sin(i));
  policy.forward(tokens, 1, 4);
  policy.backward(d);
  const once = policy.grads.slice();
  policy.forward(tokens, 1, 4);
  policy.backward(d);
  for (let i = 0; i < once.length; i++) assert.ok(Math.abs(policy.grads[i]! - 2 * once[i]!) <= 1e-6 * Math.abs(once[i]!) + 1e-9);
  assert.throws(() => policy.backward(d), /call forward first/);
  policy.forward(tokens, 1, 4);
  assert.throws(() => policy.backward(new Float64Array(3)), /expected dLogits of 4·5 = 20 values, got 3/);
});

test("rows are independent and position t sees only tokens 0..t", () => {
  const policy = randomPolicy({ vocabSize: 7, embedSize: 4, hiddenSize: 5, layers: 2 }, 4);
  const rng = Rng.fromSeed(1);
  const a = randomTokens(rng, 5, 7);
  const b = randomTokens(rng, 5, 7);
  const both = policy.forward(Int32Array.from([...a, ...b]), 2, 5);
  const alone = policy.forward(b, 1, 5);
  assert.deepEqual(both.subarray(35), alone);
  const changedLast = Int32Array.from(a);
  changedLast[4] = (a[4]! + 1) % 7;
  const x = policy.forward(a, 1, 5);
  const y = policy.forward(changedLast, 1, 5);
  assert.deepEqual(x.subarray(0, 28), y.subarray(0, 28));
  assert.notDeepEqual(x.subarray(28), y.subarray(28));
});

test("decoder logits equal the forward's rows exactly, also for rows that sit out steps; a finite context bounds each row", () => {
  for (const config of [{ vocabSize: 9, embedSize: 6, hiddenSize: 8, layers: 2 }, { vocabSize: 9, embedSize: 8, hiddenSize: 8, tieHead: true }]) {
    const policy = randomPolicy(config, 7);
    const rng = Rng.fromSeed(3);
    const rows = 3;
    const steps = 7;
    const tokens = randomTokens(rng, rows * steps, 9);
    const full = policy.forward(tokens, rows, steps);
    const dec = policy.decoder(rows);
    const logits = new Float64Array(rows * 9);
    for (let t = 0; t < steps; t++) {
      dec.step(Int32Array.from({ length: rows }, (_, r) => tokens[r * steps + t]!), null, logits);
      for (let r = 0; r < rows; r++) assert.deepEqual(logits.subarray(r * 9, (r + 1) * 9), full.subarray((r * steps + t) * 9, (r * steps + t + 1) * 9));
    }
    assert.equal(dec.position, steps);
    // row 1 sits out steps 1 and 2: it continues its own sequence; the others are untouched by its absence
    const sparse = policy.decoder(rows);
    const fed: number[][] = [[], [], []];
    const out = new Float32Array(rows * 9).fill(NaN);
    for (let t = 0; t < steps; t++) {
      const active = Uint8Array.from([1, t === 1 || t === 2 ? 0 : 1, 1]);
      const input = Int32Array.from({ length: rows }, (_, r) => tokens[r * steps + t]!);
      const before = out.slice(9, 18);
      sparse.step(input, active, out);
      if (!active[1]) assert.deepEqual(out.subarray(9, 18), before, "an inactive row's logits are left as they were");
      for (let r = 0; r < rows; r++) {
        if (!active[r]) continue;
        fed[r]!.push(input[r]!);
        const ref = policy.forward(Int32Array.from(fed[r]!), 1, fed[r]!.length);
        assert.deepEqual(out.subarray(r * 9, (r + 1) * 9), Float32Array.from(ref.subarray((fed[r]!.length - 1) * 9)));
      }
    }
  }
  const bounded = randomPolicy({ vocabSize: 4, embedSize: 2, hiddenSize: 3, context: 2 }, 1);
  const dec = bounded.decoder(2);
  const logits = new Float64Array(8);
  dec.step(Int32Array.from([0, 1]), null, logits);
  dec.step(Int32Array.from([0, 1]), Uint8Array.from([1, 0]), logits);
  dec.step(Int32Array.from([0, 1]), Uint8Array.from([0, 1]), logits);
  assert.throws(() => dec.step(Int32Array.from([0, 1]), Uint8Array.from([1, 0]), logits), /row 0 already has 2 tokens, the context of 2/);
  assert.throws(() => bounded.decoder(2).step(Int32Array.from([0, 4]), null, logits), /token 4 of row 1 is outside the vocabulary/);
  assert.throws(() => bounded.forward(new Int32Array(3), 1, 3), /length 3 exceeds the context of 2/);
  assert.throws(() => bounded.decoder(0), /rows must be a positive integer/);
});

test("sampleBatch through the GRU decoder: log-probs are the policy's (= tokenLogProbs of the forward), stop tokens end rows, same seed same samples", () => {
  const policy = randomPolicy({ vocabSize: 6, embedSize: 8, hiddenSize: 12 }, 21);
  const prompts = [Int32Array.from([1, 2, 3]), Int32Array.from([4]), Int32Array.from([0, 5, 5, 1, 2])];
  const opts = { maxNewTokens: 9, temperature: 1.3, stopToken: 0 };
  const a = sampleBatch(policy, prompts, { ...opts, rng: Rng.fromSeed(8) });
  assert.deepEqual(sampleBatch(policy, prompts, { ...opts, rng: Rng.fromSeed(8) }), a);
  let stopped = 0;
  a.forEach((c, i) => {
    const p = prompts[i]!;
    const stopAt = c.tokens.indexOf(0);
    if (c.finish === "stop") {
      stopped++;
      assert.equal(stopAt, c.tokens.length - 1, "a stopped row ends at its first stop token");
    } else {
      assert.equal(stopAt, -1);
      assert.equal(c.tokens.length, 9);
    }
    const seq = Int32Array.from([...p, ...c.tokens]);
    const { logp, entropy } = tokenLogProbs(policy.forward(seq, 1, seq.length), seq, 1, seq.length, 6, 1.3);
    for (let t = 0; t < c.tokens.length; t++) {
      assert.ok(Math.abs(logp[p.length - 1 + t]! - c.logprobs[t]!) < 1e-9);
      assert.ok(Math.abs(entropy[p.length - 1 + t]! - c.entropies[t]!) < 1e-9);
    }
  });
  // greedy: the argmax continuation of the full forward; a stop token drawn greedily ends its row
  const greedy = sampleBatch(policy, prompts, { maxNewTokens: 6, greedy: true });
  const stop = greedy[0]!.tokens[2]!;
  const cut = sampleBatch(policy, [prompts[0]!], { maxNewTokens: 6, greedy: true, stopToken: stop })[0]!;
  assert.deepEqual([...cut.tokens], [...greedy[0]!.tokens.subarray(0, greedy[0]!.tokens.indexOf(stop) + 1)]);
  assert.equal(cut.finish, "stop");
  assert.ok(stopped >= 1 && stopped < 3, `both endings occur (${stopped} of 3 rows stopped)`);
});

test("SFT (SftTrainer) teaches a tiny GRU to copy every string of 2 and 3 letters over {a, b}; greedy sampleBatch then copies and stops at eos", () => {
  const tok = charTokenizer("ab=");
  const words = ["aa", "ab", "ba", "bb", "aaa", "aab", "aba", "abb", "baa", "bab", "bba", "bbb"];
  const pairs = words.map((w) => ({ prompt: `${w}=`, completion: w }));
  const train = () => {
    const policy = GruPolicy.create({ vocabSize: tok.vocabSize, embedSize: 16, hiddenSize: 32 }, { rng: Rng.fromSeed(3) });
    const batch = sftBatch(tok, pairs, policy.context);
    const trainer = new SftTrainer(policy, { lr: 2e-2 });
    const losses: number[] = [];
    for (let s = 0; s < 200; s++) losses.push(trainer.step(batch).loss);
    return { policy, losses };
  };
  const { policy, losses } = train();
  assert.ok(losses[0]! > 1 && losses.at(-1)! < 0.05, `loss ${losses[0]} → ${losses.at(-1)}`);
  const outs = sampleBatch(policy, pairs.map((p) => tok.encode(p.prompt)), { maxNewTokens: 5, greedy: true, stopToken: tok.eos });
  assert.deepEqual(outs.map((o) => tok.decode(o.tokens, { skipSpecial: true })), words);
  assert.ok(outs.every((o) => o.finish === "stop"));
  assert.deepEqual(train().losses.slice(0, 10), losses.slice(0, 10));
});

test("config: tiny defaults, layout sizes, clear errors naming the field", () => {
  const c = gruConfig({ vocabSize: 20 });
  assert.deepEqual({ ...c }, { vocabSize: 20, embedSize: 32, hiddenSize: 128, layers: 1, tieHead: false, context: Infinity });
  assert.equal(gruLayout(c).size, 20 * 32 + 384 * 32 + 384 * 128 + 2 * 384 + 20 * 128 + 20);
  assert.equal(gruLayout({ ...c, embedSize: 8, hiddenSize: 8, layers: 2, tieHead: true }).size, 20 * 8 + 2 * (24 * 8 + 24 * 8 + 48) + 20);
  assert.throws(() => gruConfig({ vocabSize: 0 }), /GRU config: vocabSize must be a positive integer, got 0/);
  assert.throws(() => gruConfig({ vocabSize: 5, hiddenSize: 2.5 }), /hiddenSize must be a positive integer/);
  assert.throws(() => gruConfig({ vocabSize: 5, layers: 0 }), /layers must be a positive integer/);
  assert.throws(() => gruConfig({ vocabSize: 5, tieHead: true }), /tieHead needs embedSize = hiddenSize, got embedSize 32 and hiddenSize 128/);
  assert.throws(() => gruConfig({ vocabSize: 5, tieHead: 1 as never }), /tieHead must be a boolean/);
  assert.throws(() => gruConfig({ vocabSize: 5, context: 0 }), /context must be a positive integer or Infinity, got 0/);
  assert.throws(() => gruConfig({ vocabSize: 5, dropout: 0.1 } as never), /unknown field "dropout"/);
  assert.throws(() => new GruPolicy(c, new Float32Array(3)), /expected a Float32Array of \d+ values for this config, got 3/);
  const policy = GruPolicy.create({ vocabSize: 5, embedSize: 2, hiddenSize: 3 }, { rng: Rng.fromSeed(0) });
  assert.equal(policy.kind, "gru");
  assert.equal(policy.context, Infinity);
  assert.throws(() => policy.forward(Int32Array.from([0, 5]), 1, 2), /token 5 at index 1 is outside the vocabulary/);
  assert.throws(() => policy.forward(new Int32Array(3), 1, 2), /expected an Int32Array of 1·2 = 2 tokens, got 3/);
});

test("init: torch's defaults (embedding N(0, 1), GRU and head U(±1/√hidden)) from the rng only; same seed same params; clone copies params, not grads", () => {
  const config = { vocabSize: 50, embedSize: 32, hiddenSize: 64, layers: 2 };
  const m = GruPolicy.create(config, { rng: Rng.fromSeed(7) });
  const std = (a: Float32Array) => Math.sqrt(dot(a, a) / a.length);
  assert.ok(Math.abs(std(m.param("embedding.weight")) - 1) < 0.05);
  for (const name of ["gru.weight_ih_l0", "gru.weight_hh_l1", "gru.bias_ih_l1", "head.weight", "head.bias"]) {
    const v = m.param(name);
    assert.ok(v.every((x) => Math.abs(x) <= 1 / 8), name);
    assert.ok(Math.abs(std(v) - 1 / 8 / Math.sqrt(3)) < 0.02, `${name}: std ${std(v)}`);
  }
  assert.deepEqual(GruPolicy.create(config, { rng: Rng.fromSeed(7) }).params, m.params);
  m.forward(Int32Array.from([1, 2]), 1, 2);
  m.backward(new Float64Array(2 * 50).fill(1));
  const copy = m.clone();
  assert.deepEqual(copy.params, m.params);
  assert.notEqual(copy.params, m.params);
  assert.ok(copy.grads.every((g) => g === 0));
  assert.ok(m.grads.some((g) => g !== 0));
});

test("checkpoints: save → load is bit-exact (untied, tied, bounded context); config.json documents the model", () => {
  for (const [i, config] of [
    { vocabSize: 11, embedSize: 5, hiddenSize: 7, layers: 2 },
    { vocabSize: 11, embedSize: 6, hiddenSize: 6, tieHead: true, context: 40 },
  ].entries()) {
    const m = randomPolicy(config, 30 + i);
    const at = join(dir, `roundtrip-${i}`);
    saveGru(m, at);
    const back = loadGru(at);
    assert.deepEqual(back.config, m.config);
    assert.deepEqual(back.params, m.params);
    const tokens = randomTokens(Rng.fromSeed(i), 12, 11);
    assert.deepEqual(back.forward(tokens, 2, 6), m.forward(tokens, 2, 6));
    const json = JSON.parse(readFileSync(join(at, "config.json"), "utf8")) as Record<string, unknown>;
    assert.equal(json.model_type, "trellis-gru");
    assert.equal(json.max_positions, i === 0 ? null : 40);
    const names = [...readSafetensors(new Uint8Array(readFileSync(join(at, "model.safetensors")))).tensors.keys()];
    assert.equal(names.includes("head.weight"), i === 0);
    assert.ok(names.includes("gru.weight_hh_l0") && names.includes("head.bias"));
  }
  assert.deepEqual(configFromGruJson(gruConfigJson(gruConfig({ vocabSize: 3 }))), gruConfig({ vocabSize: 3 }));
});

test("checkpoints: bad files give errors naming what was expected", () => {
  const m = randomPolicy({ vocabSize: 5, embedSize: 3, hiddenSize: 4, layers: 2 }, 1);
  const files = toGruFiles(m);
  const tensors = readSafetensors(files.safetensors).tensors;
  const withTensors = (edit: (t: Map<string, SafeTensor>) => void) => {
    const t = new Map(tensors);
    edit(t);
    return { config: files.config, safetensors: writeSafetensors(t) };
  };
  assert.throws(() => fromGruFiles(withTensors((t) => t.delete("gru.bias_hh_l1"))), /GRU checkpoint: missing tensors gru\.bias_hh_l1/);
  assert.throws(
    () => fromGruFiles(withTensors((t) => t.set("gru.weight_hh_l0", { shape: [4, 12], data: new Float32Array(48) }))),
    /GRU checkpoint: gru\.weight_hh_l0 has shape \[4,12\], expected \[12,4\]/,
  );
  assert.throws(() => fromGruFiles(withTensors((t) => t.set("gru.weight_ih_l2", { shape: [1], data: new Float32Array(1) }))), /unexpected tensor "gru\.weight_ih_l2" for this config/);
  assert.throws(() => fromGruFiles({ ...files, config: { ...files.config, num_layers: 3 } }), /missing tensors gru\.weight_ih_l2, gru\.weight_hh_l2, gru\.bias_ih_l2, gru\.bias_hh_l2/);
  assert.throws(() => fromGruFiles({ ...files, config: { ...files.config, hidden_size: 0 } }), /GRU config.json: hidden_size must be a positive integer, got 0/);
  assert.throws(() => fromGruFiles({ ...files, config: { ...files.config, model_type: "gpt2" } }), /model_type must be "trellis-gru", got "gpt2"/);
  assert.throws(() => fromGruFiles({ ...files, config: { ...files.config, tie_head: "no" } }), /tie_head must be true or false, got "no"/);
  assert.throws(() => fromGruFiles({ ...files, config: { ...files.config, max_positions: -1 } }), /max_positions must be a positive integer, got -1/);
  assert.throws(() => fromGruFiles({ ...files, config: { ...files.config, bidirectional: true } }), /unknown field "bidirectional"/);
  assert.throws(() => fromGruFiles({ ...files, config: { ...files.config, torch_dtype: "bfloat16" } }), /torch_dtype must be "float32"/);
  assert.throws(() => fromGruFiles({ ...files, config: { ...files.config, tie_head: true } }), /tieHead needs embedSize = hiddenSize/);
  assert.throws(() => fromGruFiles({ ...files, safetensors: new Uint8Array(5) }), SafetensorsError);
  // a tied checkpoint may carry head.weight (torch's state_dict does) only as a copy of the embedding
  const tied = randomPolicy({ vocabSize: 5, embedSize: 4, hiddenSize: 4, tieHead: true }, 2);
  const tiedFiles = toGruFiles(tied);
  const tiedTensors = new Map(readSafetensors(tiedFiles.safetensors).tensors);
  const emb = tiedTensors.get("embedding.weight")!;
  tiedTensors.set("head.weight", { shape: [...emb.shape], data: emb.data.slice() });
  assert.deepEqual(fromGruFiles({ config: tiedFiles.config, safetensors: writeSafetensors(tiedTensors) }).params, tied.params);
  tiedTensors.set("head.weight", { shape: [...emb.shape], data: emb.data.map((v) => v + 1) });
  assert.throws(() => fromGruFiles({ config: tiedFiles.config, safetensors: writeSafetensors(tiedTensors) }), /tie_head is true but head\.weight differs from embedding\.weight/);
  const broken = join(dir, "broken");
  mkdirSync(broken, { recursive: true });
  writeFileSync(join(broken, "config.json"), "{ not json");
  assert.throws(() => loadGru(broken), /GRU config\.json in .* is not valid JSON/);
});

test("torch's nn.GRU ↔ ours: logits equal within 1e-5 both ways (a torch module saved → loadGru; saveGru → load_state_dict), untied 2 layers and tied", (t) => {
  const py = interopPython();
  if ("skip" in py) {
    t.skip(py.skip);
    return;
  }
  const TOKENS = [[3, 1, 4, 1, 5, 9, 2, 6, 5, 3], [15, 0, 7, 7, 12, 8, 11, 2, 2, 14]];
  const flat = Int32Array.from(TOKENS.flat());
  const made = [
    { vocab_size: 16, embedding_size: 8, hidden_size: 12, num_layers: 2, tie_head: false },
    { vocab_size: 16, embedding_size: 10, hidden_size: 10, num_layers: 1, tie_head: true },
  ];
  const ours = [randomPolicy({ vocabSize: 16, embedSize: 6, hiddenSize: 9, layers: 2 }, 3), randomPolicy({ vocabSize: 16, embedSize: 8, hiddenSize: 8, layers: 2, tieHead: true }, 4)];
  ours.forEach((m, i) => saveGru(m, join(dir, `ours-${i}`)));
  const job = {
    make: made.map((config, i) => ({ dir: join(dir, `theirs-${i}`), seed: i, config, tokens: TOKENS })),
    load: ours.map((_, i) => ({ dir: join(dir, `ours-${i}`), tokens: TOKENS })),
    out: join(dir, "out.json"),
  };
  writeFileSync(join(dir, "job.json"), JSON.stringify(job));
  const r = spawnSync(py.python, [HELPER, join(dir, "job.json")], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  type Logits = { f32: number[][][]; f64: number[][][] };
  const out = JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as { made: Logits[]; loaded: Logits[] };
  made.forEach((config, i) => {
    const theirs = loadGru(join(dir, `theirs-${i}`));
    assert.deepEqual(theirs.config, gruConfig({ vocabSize: 16, embedSize: config.embedding_size, hiddenSize: config.hidden_size, layers: config.num_layers, tieHead: config.tie_head }));
    const logits = theirs.forward(flat, 2, 10);
    const d32 = maxDiff(logits, out.made[i]!.f32.flat(2));
    const d64 = maxDiff(logits, out.made[i]!.f64.flat(2));
    assert.ok(d32 < 1e-5, `torch (float32) → ours ${i}: max |Δlogit| ${d32}`);
    assert.ok(d64 < 1e-12, `torch (float64) → ours ${i}: max |Δlogit| ${d64}`);
    // not vacuous: O(1) logits that vary with position
    assert.ok(maxDiff(logits, new Float64Array(logits.length)) > 0.5);
  });
  ours.forEach((m, i) => {
    const logits = m.forward(flat, 2, 10);
    const d32 = maxDiff(logits, out.loaded[i]!.f32.flat(2));
    const d64 = maxDiff(logits, out.loaded[i]!.f64.flat(2));
    assert.ok(d32 < 1e-5, `ours ${i} → torch (float32): max |Δlogit| ${d32}`);
    assert.ok(d64 < 1e-12, `ours ${i} → torch (float64): max |Δlogit| ${d64}`);
  });
});
