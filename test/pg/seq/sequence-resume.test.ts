import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { rl } from "../../../lib/rl.js";
import { componentTypes } from "../../../lib/pg/component.js";
import { FastTransformer, Transformer } from "../../../lib/seq/policies/index.js";
import { GruPolicy } from "../../../lib/seq/policies/gru.js";
import { Rng } from "../../../lib/random/rng.js";
import type { PgSpec } from "../../../lib/pg/spec.js";
import type { SequenceRun } from "../../../lib/seq/run.js";
import { SEQUENCE_VARIANTS } from "./sequence-variants.js";

const tok = rl.tokenizer.char("0123456789+=");
const quiet = { progress() {} };
const task = rl.tasks.addition;
const ENV_ONLY = new Set(["collect:rollout", "collect:episodes", "advantage:gae", "advantage:monteCarlo", "advantage:tdLambda", "advantage:vtrace", "loss:imitation", "loss:offlineCritic", "constraint:lagrangian", "constraint:pidLagrangian"]);

type PolicyKind = "reference" | "fast" | "gru" | "llama";

function build(spec: PgSpec, kind: PolicyKind = "reference"): SequenceRun {
  const config = { vocabSize: tok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 8 };
  const policy =
    kind === "gru"
      ? GruPolicy.create({ vocabSize: tok.vocabSize, embedSize: 8, hiddenSize: 16 }, { rng: Rng.fromSeed(5) })
      : kind === "fast"
        ? FastTransformer.create(config, { rng: Rng.fromSeed(5) })
        : kind === "llama"
          ? Transformer.create({ ...config, norm: "rms", mlp: "swiglu", bias: false, positions: "rotary", tieEmbeddings: false }, { rng: Rng.fromSeed(5) })
          : Transformer.create(config, { rng: Rng.fromSeed(5) });
  return rl.seq(task, { level: 1, policy, tokenizer: tok, seed: 7 }).algo(spec).eval({ problems: 10, every: 2 }).build();
}

async function resumes(spec: () => PgSpec, kind: PolicyKind = "reference"): Promise<void> {
  const whole = build(spec(), kind);
  await whole.train({ steps: 5, display: quiet });
  const first = build(spec(), kind);
  await first.train({ steps: 3, display: quiet });
  const dir = await mkdtemp(join(tmpdir(), "trellis-seq-"));
  try {
    await first.save(dir);
    const loaded = await rl.seq.load(dir, { task });
    await loaded.train({ steps: 2, display: quiet });
    assert.deepEqual(loaded.policy.params, whole.policy.params);
    for (const name of whole.metricsLog.names().filter((n) => !/Seconds$|wallTime/.test(n))) {
      assert.deepEqual(loaded.metricsLog.column(name), whole.metricsLog.column(name), name);
    }
    const a = loaded.completions(), b = whole.completions();
    assert.equal(a.numRows, b.numRows);
    for (const col of ["tokens", "token_logp", "token_adv", "token_clipped", "reward", "group_id", "policy_version", "prompt_id"]) {
      const text = (t: typeof a) => JSON.stringify(t.getChild(col)?.toArray(), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
      assert.equal(text(a), text(b), col);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("a sequence run resumes bit for bit after save and load, with every component", () => {
  test("each component type a sequence run can use has a variant here", () => {
    // Preference losses belong to preference runs (test/seq/preference-run.test.ts), not to the engine.
    const missing = componentTypes().filter((t) => t.slot !== "preference").map((t) => `${t.slot}:${t.kind}`).filter((k) => !ENV_ONLY.has(k) && !(k in SEQUENCE_VARIANTS));
    assert.deepEqual(missing, []);
  });
  for (const [name, spec] of Object.entries(SEQUENCE_VARIANTS)) test(name, () => resumes(spec));
  test("a GRU policy", () => resumes(SEQUENCE_VARIANTS["preset:grpo"]!, "gru"));
  test("a Llama-style transformer (RMSNorm, SwiGLU, rotary, no biases, untied)", () => resumes(SEQUENCE_VARIANTS["preset:grpo"]!, "llama"));
  test("the float32 wasm transformer", async () => {
    await resumes(SEQUENCE_VARIANTS["preset:grpo"]!, "fast");
    const run = build(SEQUENCE_VARIANTS["preset:grpo"]!(), "fast");
    const dir = await mkdtemp(join(tmpdir(), "trellis-seq-"));
    try {
      await run.save(dir);
      assert.ok((await rl.seq.load(dir, { task })).policy instanceof FastTransformer);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  test("loading checks the task and the files", async () => {
    const run = build(SEQUENCE_VARIANTS["preset:grpo"]!());
    const dir = await mkdtemp(join(tmpdir(), "trellis-seq-"));
    try {
      await run.save(dir);
      await assert.rejects(rl.seq.load(dir, { task: rl.tasks.reversal }), /trained on task "addition"/);
      await assert.rejects(rl.seq.load(join(dir, "nope"), { task }), /not a sequence run checkpoint/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
