// loadTokenizer on hand-written tokenizer.json data (no Python): the checks
// and their messages, how the special tokens are chosen, and loading a file,
// a model folder with its tokenizer_config.json, or JSON text.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadTokenizer } from "../../../lib/seq/tokenizers/index.js";

/** A tiny WordPiece tokenizer.json: whitespace split, ## continuations. */
function wordPiece(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const vocab = { "[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, a: 4, b: 5, "##b": 6, "##a": 7, ab: 8 };
  return {
    version: "1.0",
    added_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: "WhitespaceSplit" },
    post_processor: null,
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
    ...extra,
  };
}

/** A tiny char-level BPE tokenizer.json (not byte-level), with old-style "a b" merges and no added tokens. */
function bpe(model: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: "1.0",
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: "WhitespaceSplit" },
    post_processor: null,
    decoder: null,
    model: { type: "BPE", dropout: null, unk_token: null, vocab: { "<s>": 0, "</s>": 1, "<pad>": 2, a: 3, b: 4, ab: 5, abb: 6 }, merges: ["a b", "ab b"], ...model },
  };
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test("a hand-written WordPiece and BPE tokenizer.json encode, decode and find their special tokens", () => {
  const wp = loadTokenizer(wordPiece());
  assert.equal(wp.vocabSize, 9);
  assert.deepEqual([wp.pad, wp.bos, wp.eos, wp.unk], [0, 2, 3, 1]);
  assert.deepEqual(Array.from(wp.encode("ab ba c")), [8, 5, 7, 1]);
  assert.deepEqual(Array.from(wp.encode("ab", { bos: true, eos: true })), [2, 8, 3]);
  assert.equal(wp.decode([2, 8, 5, 7, 3]), "[CLS] ab ba [SEP]");
  assert.equal(wp.decode([2, 8, 5, 7, 3], { skipSpecial: true }), "ab ba");
  assert.equal(wp.decode([]), "");
  assert.equal(wp.decode([0, 0], { skipSpecial: true }), "");
  const b = loadTokenizer(bpe());
  assert.deepEqual([b.pad, b.bos, b.eos, b.unk], [2, 0, 1, undefined]);
  assert.deepEqual(Array.from(b.encode("abb ab")), [6, 5]);
  // Pair merges (["a", "b"]) read the same as "a b".
  assert.deepEqual(Array.from(loadTokenizer(bpe({ merges: [["a", "b"], ["ab", "b"]] })).encode("abb ab")), [6, 5]);
});

test("the special tokens: options first, then tokenizer_config.json, then the usual names; a missing or ambiguous pad is an error that says what to do", () => {
  const named = loadTokenizer(wordPiece(), { bos: "[SEP]", eos: "[CLS]" });
  assert.deepEqual([named.bos, named.eos], [3, 2]);
  const configured = loadTokenizer(wordPiece(), { config: { bos_token: { content: "[SEP]" }, eos_token: "[CLS]", pad_token: "[UNK]" } });
  assert.deepEqual([configured.bos, configured.eos, configured.pad], [3, 2, 1]);
  assert.throws(() => loadTokenizer(wordPiece(), { bos: "<start>" }), /the bos token "<start>" is not in the vocabulary/);
  const noPad = bpe({ vocab: { "<s>": 0, "</s>": 1, a: 2, b: 3, ab: 4, abb: 5 } });
  assert.throws(() => loadTokenizer(noPad), /no pad token: none was named .*name it with \{ pad: "<token>" \}/);
  assert.throws(() => loadTokenizer(noPad, { pad: "</s>" }), /pad and eos are the same token "<\/s>"/);
  assert.equal(loadTokenizer(noPad, { pad: "a" }).pad, 2);
});

test("malformed tokenizer.json data is refused, naming the problem", () => {
  const bad: [unknown, RegExp][] = [
    [[], /a tokenizer.json holds a JSON object, got an array/],
    [{ version: "1.0", vocab: {} }, /no "model" field: this is not a Hugging Face tokenizer.json \(it holds "version", "vocab"\)/],
    [{ model: "BPE" }, /"model" must be an object, got string/],
    [{ model: { vocab: {} } }, /"model" has no "type"/],
    [{ model: { type: "Unigram", vocab: [] } }, /model type "Unigram" is not supported \(supported: BPE, WordPiece\)/],
    [{ model: { type: "WordPiece", vocab: ["a"] } }, /"vocab" must be an object of token → id, got an array/],
    [{ model: { type: "WordPiece", vocab: { a: -1 } } }, /gives token "a" the id -1/],
    [bpe({ merges: undefined }), /"merges" must be an array, got undefined/],
    [bpe({ merges: ["a b c"] }), /BPE merge 0 is "a b c"/],
    [wordPiece({ added_tokens: {} }), /"added_tokens" must be an array/],
    [wordPiece({ added_tokens: [{ content: "x" }] }), /added token 0 must be \{ "id"/],
    [wordPiece({ normalizer: "lowercase" }), /"normalizer" must be null or an object with a "type"/],
    [wordPiece({ model: { type: "WordPiece", vocab: {} }, added_tokens: [] }), /the vocabulary is empty/],
  ];
  for (const [json, message] of bad) assert.throws(() => loadTokenizer(json as object), (e: Error) => message.test(e.message) && e.message.startsWith("loadTokenizer: "), `${JSON.stringify(json)} → ${message}`);
  assert.throws(() => loadTokenizer(wordPiece({ pre_tokenizer: { type: "NoSuchThing" } })), /@huggingface\/tokenizers could not build it/);
  assert.throws(() => loadTokenizer("{ not json"), /the JSON text is not valid JSON/);
  assert.throws(() => loadTokenizer(42 as unknown as string), /expected a path, JSON text or a parsed JSON object, got number/);
  const wp = loadTokenizer(wordPiece());
  assert.throws(() => wp.decode([2, 9]), /id 9 at position 1 is outside the vocabulary \(ids run 0\.\.8\)/);
});

test("from files: a tokenizer.json, a model folder (with its tokenizer_config.json), JSON text; missing files are named", () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-tokenizers-load-"));
  dirs.push(dir);
  writeFileSync(join(dir, "plain.json"), JSON.stringify(wordPiece()));
  assert.equal(loadTokenizer(join(dir, "plain.json")).bos, 2);
  const model = join(dir, "model");
  mkdirSync(model);
  writeFileSync(join(model, "tokenizer.json"), JSON.stringify(wordPiece()));
  writeFileSync(join(model, "tokenizer_config.json"), JSON.stringify({ bos_token: "[SEP]", eos_token: "[CLS]" }));
  const fromFolder = loadTokenizer(model);
  assert.deepEqual([fromFolder.bos, fromFolder.eos], [3, 2]);
  // The config travels in toJSON().
  const again = loadTokenizer(JSON.stringify(fromFolder.toJSON()));
  assert.deepEqual([again.bos, again.eos], [3, 2]);
  assert.deepEqual(again.toJSON(), fromFolder.toJSON());
  assert.throws(() => loadTokenizer(join(dir, "missing.json")), /cannot read .*missing\.json: no such file/);
  assert.throws(() => loadTokenizer(dir), /the folder .* holds no tokenizer\.json/);
  writeFileSync(join(dir, "broken.json"), "{");
  assert.throws(() => loadTokenizer(join(dir, "broken.json")), /broken\.json is not valid JSON/);
  writeFileSync(join(dir, "unigram.json"), JSON.stringify({ model: { type: "Unigram", vocab: [] } }));
  assert.throws(() => loadTokenizer(join(dir, "unigram.json")), /unigram\.json: model type "Unigram" is not supported/);
});
