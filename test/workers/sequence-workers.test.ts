/**
 * Sequence runs whose completions are sampled on worker threads: the
 * completions batch format (round trip, checks, fuzz) and runs against the
 * same run sampling itself.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { rl } from "../../lib/rl.js";
import { fastTransformer } from "../../lib/seq/policies/index.js";
import { completionsBatchBytes, CompletionsBatchError, readCompletionsBatch } from "../../lib/workers/completions-batch.js";
import { samplerJobProblems, SequenceActor } from "../../lib/workers/sequence-actor.js";
import { VERSION } from "../../lib/version.js";
import type { Completion } from "../../lib/seq/policies/sample.js";
import { configProblems } from "../helpers/config-problems.js";
import type { WorkersSpec } from "../../lib/workers/pool.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quiet, tiny, tok } from "../helpers/tiny-sequence-run.js";

const completion = (tokens: number[], finish: "stop" | "length"): Completion => ({ tokens: Int32Array.from(tokens), logprobs: Float64Array.from(tokens, (_, i) => -0.25 * (i + 1)), entropies: Float64Array.from(tokens, () => 0.5), finish });
const three = [completion([3, 4, 2], "stop"), completion([], "length"), completion([5], "length")];
const header = { worker: "w", seq: 0, policyVersion: 3, rng: [1, 2, 3, 4], seconds: 0.1 };
const expect = { count: 3, vocabSize: 10, maxNewTokens: 3, stopToken: 2, policyVersion: 3 };

describe("completions batches", () => {
  test("round trip: tokens, log-probabilities, entropies and how each ended come back as written", () => {
    const back = readCompletionsBatch(completionsBatchBytes(three, header), expect);
    assert.deepEqual(back.header, header);
    assert.deepEqual(back.completions, three);
  });

  test("what the learner did not ask for is refused by name", () => {
    const read = (cs: Completion[], e = expect, h = header) => () => readCompletionsBatch(completionsBatchBytes(cs, h), e);
    assert.throws(read(three, { ...expect, count: 4 }), /3 completions, the learner asked for 4/);
    assert.throws(read(three, { ...expect, policyVersion: 4 }), /sampled with policy version 3, the learner asked for 4/);
    assert.throws(read([completion([3, 4, 2, 2], "stop"), three[1]!, three[2]!]), /completion 0 has 4 tokens, more than maxNewTokens 3/);
    assert.throws(read([completion([3, 12], "length"), three[1]!, three[2]!]), /completion 0 token 1 \(12\) is outside the vocabulary \[0, 10\)/);
    assert.throws(read([completion([3, 4], "stop"), three[1]!, three[2]!]), /completion 0 says it stopped but does not end with the stop token 2/);
    assert.throws(read([{ ...three[0]!, logprobs: Float64Array.of(-1, 0.5, -1) }, three[1]!, three[2]!]), /log-probability 0.5 is not a finite number ≤ 0/);
    assert.throws(read([{ ...three[0]!, entropies: Float64Array.of(1, NaN, 1) }, three[1]!, three[2]!]), /entropy NaN is not a finite number ≥ 0/);
    assert.throws(() => completionsBatchBytes(three, { ...header, rng: [1, 2] }), /header.rng must be 4 32-bit integers/);
    assert.throws(() => readCompletionsBatch(new Uint8Array([1, 2, 3]), expect), CompletionsBatchError);
  });

  test("fuzz: a changed byte or a cut anywhere gives a CompletionsBatchError or completions the learner can use, never another error", () => {
    const good = completionsBatchBytes(three, header);
    fc.assert(
      fc.property(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, xor, cut) => {
        const bytes = cut ? good.slice(0, at) : good.slice();
        if (!cut) bytes[at]! ^= xor;
        try {
          const { completions } = readCompletionsBatch(bytes, expect);
          assert.equal(completions.length, 3);
          for (const c of completions) {
            assert.ok(c.tokens.length <= 3 && c.tokens.every((t) => t >= 0 && t < 10));
            assert.equal(c.logprobs.length, c.tokens.length);
          }
        } catch (error) {
          if (!(error instanceof CompletionsBatchError)) throw error;
        }
      }),
      { seed: 11, numRuns: 400 },
    );
  });

  test("property: any value as a sampler job gives a list of problems or an actor, never a crash", () => {
    fc.assert(
      fc.property(fc.anything(), (job) => {
        const problems = samplerJobProblems(job);
        assert.ok(Array.isArray(problems) && problems.every((p) => typeof p === "string"));
        if (problems.length) assert.throws(() => new SequenceActor(job as never, "w"), (e: unknown) => e instanceof Error && e.message.startsWith("sequence actor: "));
      }),
      { seed: 3, numRuns: 300 },
    );
    assert.deepEqual(samplerJobProblems({ run: "r", trellis: VERSION, policy: { kind: "transformer", config: {} }, paramCount: 10, options: { maxNewTokens: 4 } }), []);
  });
});

describe("a sequence run sampling on worker threads", () => {
  const grpo = () => rl.grpo({ prompts: 4, groupSize: 4, maxNewTokens: 4, lr: 3e-3 });
  const build = (workers?: number | WorkersSpec, fast = false, id?: string) => {
    const b = rl.seq(rl.tasks.addition, { level: 2, policy: fast ? fastTransformer(tiny()) : tiny(), tokenizer: tok, seed: 5, ...(id ? { id } : {}) }).algo(grpo());
    return (workers ? b.workers(typeof workers === "number" ? rl.workers.local({ n: workers }) : workers) : b).build();
  };
  const col = (run: ReturnType<typeof build>, k: string) => [...(run.metrics.getChild(k)!.toArray() as Float64Array)];

  test("one worker gives bit for bit the numbers of the run that samples itself (reference and float32 transformer); two repeat theirs", async () => {
    for (const fast of [false, true]) {
      const here = build(undefined, fast);
      const one = build(1, fast);
      await here.train({ steps: 4, display: quiet });
      await one.train({ steps: 4, display: quiet });
      assert.ok(here.policy.params.every((x, i) => Object.is(x, one.policy.params[i])), `${fast ? "fast" : "reference"}: the same parameters`);
      for (const k of ["reward", "policyLoss", "sampledTokens"]) assert.deepEqual(col(one, k), col(here, k), k);
      assert.deepEqual(one.completions().getChild("tokens")!.toArray().map(String), here.completions().getChild("tokens")!.toArray().map(String));
      const status = one.workerStatus();
      assert.deepEqual([status.length, status[0]!.worker, status[0]!.batches, status[0]!.unit], [1, "local/0", 4, "tokens"]);
      assert.equal(status[0]!.envSteps, col(one, "sampledTokens").at(-1), "tokens sampled by the worker");
      here.dispose();
      one.dispose();
    }
    const a = build(2);
    const b = build(2);
    await a.train({ steps: 3, display: quiet });
    await b.train({ steps: 3, display: quiet });
    assert.ok(a.policy.params.every((x, i) => Object.is(x, b.policy.params[i])), "two workers repeat their numbers");
    assert.deepEqual(a.workerStatus().map((s) => [s.worker, s.batches]), [["local/0", 3], ["local/1", 3]]);
    a.dispose();
    b.dispose();
  });

  test("two `trellis worker` processes over a real nats-server give bit for bit the numbers of two worker threads", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trellis-seq-nats-"));
    const server = await rl.workers.startServer({ storeDir: join(dir, "store") });
    const actors = rl.workers.spawnActors({ servers: server.url, run: "seq-nats", n: 2 });
    try {
      const threads = build(2, true);
      const nats = build(rl.workers.nats({ servers: server.url, slots: 2, timeoutMs: 30_000 }), true, "seq-nats");
      await threads.train({ steps: 3, display: quiet });
      await nats.train({ steps: 3, display: quiet }).catch((error: Error) => assert.fail(`${error.message}\n${actors.output(0)}\n${actors.output(1)}`));
      assert.ok(threads.policy.params.every((x, i) => Object.is(x, nats.policy.params[i])), "the same parameters");
      assert.deepEqual(col(nats, "reward"), col(threads, "reward"));
      const status = nats.workerStatus();
      assert.equal(status.length, 2, `two actors sampled: ${JSON.stringify(status)}`);
      assert.equal(status.reduce((n, s) => n + s.batches, 0), 6, "one batch per slot per step");
      threads.dispose();
      nats.dispose();
    } finally {
      await actors.stop();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("what sequence workers cannot do yet is refused at build time, by name", () => {
    const problems = (f: () => unknown) => configProblems(f, true).join("\n");
    const base = () => rl.seq(rl.tasks.addition, { level: 2, policy: tiny(), tokenizer: tok });
    assert.match(problems(() => base().algo(grpo()).workers(rl.workers.local({ n: 2, lag: 1 })).build()), /samples each step with the policy it trains \(lag 0\), got lag 1/);
    assert.match(problems(() => base().algo(grpo().guidance(rl.guide.expert({ threshold: 0.5 }))).workers(rl.workers.local({ n: 1 })).build()), /guidance \(rl.guide.expert\(\)\) samples inside its components/);
    assert.match(problems(() => base().algo(grpo()).workers(rl.workers.local({ n: 0 })).build()), /workers.n: expected an integer in \[1, 256\]/);
  });
});
