// Tokenizer files, task rows, JSONL lines and verifier inputs come from outside: garbage gets a clear Error
// (never a crash of another kind, a hang, or a tokenizer / task that silently differs).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Rng } from "../../lib/random/rng.js";
import { loadTokenizer } from "../../lib/seq/tokenizers/index.js";
import { tasks, taskFromJsonl, taskFromRows } from "../../lib/seq/tasks/index.js";

/** A small valid BPE tokenizer.json (byte-level off, plain characters). */
const BPE = {
  version: "1.0",
  added_tokens: [{ id: 0, content: "<pad>", special: true, single_word: false, lstrip: false, rstrip: false, normalized: false }, { id: 1, content: "</s>", special: true, single_word: false, lstrip: false, rstrip: false, normalized: false }, { id: 5, content: "<s>", special: true, single_word: false, lstrip: false, rstrip: false, normalized: false }],
  normalizer: null,
  pre_tokenizer: { type: "Whitespace" },
  post_processor: null,
  decoder: null,
  model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab: { "<pad>": 0, "</s>": 1, a: 2, b: 3, ab: 4, "<s>": 5 }, merges: ["a b"] },
};

/** Calls `f`; an Error (any subclass) is the clear refusal we want, anything else thrown fails. */
function errorOrValue<T>(f: () => T): T | Error {
  try {
    return f();
  } catch (e) {
    assert.ok(e instanceof Error, `threw a non-Error: ${String(e)}`);
    assert.ok(e.message.length > 0);
    return e;
  }
}

test("the base BPE file loads (the fuzz below starts from a working file)", () => {
  const t = loadTokenizer(BPE, { pad: "<pad>", eos: "</s>" });
  assert.deepEqual(Array.from(t.encode("ab")), [4]);
});

test("loadTokenizer: any JSON value, and the valid file with any field replaced by anything, loads or throws an Error", () => {
  fc.assert(fc.property(fc.anything(), (junk) => void errorOrValue(() => loadTokenizer(junk as object, { pad: "<pad>", eos: "</s>" }))), { numRuns: 300 });
  const paths = [["model"], ["model", "type"], ["model", "vocab"], ["model", "merges"], ["added_tokens"], ["pre_tokenizer"], ["normalizer"], ["decoder"], ["model", "unk_token"]];
  fc.assert(
    fc.property(fc.constantFrom(...paths), fc.anything(), (path, junk) => {
      const file = structuredClone(BPE) as Record<string, unknown>;
      let at = file;
      for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
      at[path.at(-1)!] = junk;
      const t = errorOrValue(() => loadTokenizer(file, { pad: "<pad>", eos: "</s>" }));
      if (!(t instanceof Error)) errorOrValue(() => t.decode(t.encode("ab ba")));
    }),
    { numRuns: 400 },
  );
  fc.assert(fc.property(fc.string(), (text) => void errorOrValue(() => loadTokenizer(text))), { numRuns: 200 });
});

test("task rows and JSONL: any rows give a task or an Error; a task from valid rows keeps every row", () => {
  fc.assert(fc.property(fc.array(fc.anything(), { maxLength: 6 }), (rows) => void errorOrValue(() => taskFromRows(rows as never))), { numRuns: 300 });
  fc.assert(fc.property(fc.string(), (text) => void errorOrValue(() => taskFromJsonl(text))), { numRuns: 300 });
  fc.assert(
    fc.property(fc.uniqueArray(fc.record({ prompt: fc.string({ minLength: 1 }), answer: fc.string() }), { selector: (r) => r.prompt, minLength: 1, maxLength: 8 }), (rows) => {
      const task = errorOrValue(() => taskFromRows(rows));
      if (task instanceof Error) return;
      const items = task.enumerate!(1);
      assert.deepEqual(items.map((x) => [x.prompt, x.answer]).sort(), rows.map((r) => [r.prompt, r.answer]).sort());
    }),
    { numRuns: 100 },
  );
});

test("every built-in verifier judges any string (format false for junk) and refuses a non-string", () => {
  for (const task of tasks.all) {
    const item = task.generate(Rng.fromSeed(1), task.levels[0]!);
    fc.assert(
      fc.property(fc.string(), (completion) => {
        const v = task.verify(completion, item);
        assert.equal(typeof v.correct, "boolean");
        assert.ok(Number.isFinite(v.reward));
        if (v.correct) assert.ok(v.format);
      }),
      { numRuns: 200 },
    );
    assert.throws(() => task.verify(42 as never, item), Error);
  }
});
