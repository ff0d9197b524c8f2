// Interop with the real Hugging Face `tokenizers` (Python, the Rust library):
// test/seq/tokenizers/python_tokenizers.py trains a byte-level BPE (GPT-2
// style) and a WordPiece (BERT style) tokenizer, saves their tokenizer.json,
// and encodes and decodes sample texts; loadTokenizer must give the same ids
// and the same decoded texts. Runs in the venv scripts/python-env.sh makes
// (test/helpers/python-env.ts): skipped where it cannot be made, except in CI.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadTokenizer, type Tokenizer } from "../../../lib/seq/tokenizers/index.js";
import { interopPython } from "../../helpers/python-env.js";

const HELPER = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "test", "seq", "tokenizers", "python_tokenizers.py");

/** ASCII, runs of spaces, digits, accents and symbols, astral characters, CJK, control characters, special tokens inside text, nothing. */
const TEXTS = [
  "47+38=85",
  "12+9=21",
  "hello world",
  "Hello, world! Hello again, world.",
  "  two  spaces ",
  "héllo ✓",
  "naïve café",
  "unseen ZEBRA qwx",
  "emoji 🙂 日本語",
  "tab\tnew\nline",
  "<s>47+38=</s>",
  "[CLS] a tiny transformer [SEP]",
  "",
];

interface Row {
  text: string;
  ids: number[];
  decoded: string;
  decodedSkip: string;
}
interface Expected {
  version: string;
  tokenizers: Record<"bpe" | "wordpiece", { vocabSize: number; rows: Row[] }>;
}

const setup = interopPython();
const skip = "skip" in setup ? setup.skip : false;

describe("loadTokenizer matches Hugging Face tokenizers (Python) on its own tokenizer.json files", { skip }, () => {
  let dir: string;
  let expected: Expected;
  const tokenizers: Partial<Record<"bpe" | "wordpiece", Tokenizer>> = {};

  before(() => {
    if ("skip" in setup) return;
    dir = mkdtempSync(join(tmpdir(), "trellis-tokenizers-interop-"));
    writeFileSync(join(dir, "texts.json"), JSON.stringify(TEXTS));
    const r = spawnSync(setup.python, [HELPER, dir, join(dir, "texts.json")], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, `python_tokenizers.py failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
    expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
    tokenizers.bpe = loadTokenizer(join(dir, "bpe.json"));
    tokenizers.wordpiece = loadTokenizer(join(dir, "wordpiece.json"));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the reference is tokenizers 0.23", () => {
    assert.match(expected.version, /^0\.23\./);
  });

  for (const name of ["bpe", "wordpiece"] as const) {
    test(`${name}: the same ids for every text`, () => {
      const tok = tokenizers[name]!;
      for (const row of expected.tokenizers[name].rows) {
        assert.deepEqual(Array.from(tok.encode(row.text)), row.ids, `${name} encoding ${JSON.stringify(row.text)}`);
      }
    });

    test(`${name}: the same decoded text, with and without special tokens`, () => {
      const tok = tokenizers[name]!;
      for (const row of expected.tokenizers[name].rows) {
        assert.equal(tok.decode(row.ids), row.decoded, `${name} decoding ${JSON.stringify(row.text)}`);
        assert.equal(tok.decode(Int32Array.from(row.ids), { skipSpecial: true }), row.decodedSkip, `${name} decoding ${JSON.stringify(row.text)} without special tokens`);
      }
    });

    test(`${name}: vocabulary size, token ⇄ id, and saved with toJSON() the same tokenizer again`, () => {
      const tok = tokenizers[name]!;
      assert.equal(tok.kind, "huggingface");
      assert.equal(tok.vocabSize, expected.tokenizers[name].vocabSize);
      for (let id = 0; id < tok.vocabSize; id++) assert.equal(tok.tokenToId(tok.idToToken(id)!), id);
      const again = loadTokenizer(JSON.parse(JSON.stringify(tok.toJSON())) as object);
      assert.deepEqual([again.pad, again.bos, again.eos, again.unk, again.vocabSize], [tok.pad, tok.bos, tok.eos, tok.unk, tok.vocabSize]);
      for (const row of expected.tokenizers[name].rows) assert.deepEqual(Array.from(again.encode(row.text)), row.ids);
    });
  }

  test("bpe (byte-level): special tokens found by name; every text without special tokens decodes back exactly", () => {
    const tok = tokenizers.bpe!;
    assert.deepEqual([tok.idToToken(tok.pad), tok.idToToken(tok.bos), tok.idToToken(tok.eos), tok.unk], ["<pad>", "<s>", "</s>", undefined]);
    for (const text of TEXTS.filter((t) => !t.includes("<s>"))) assert.equal(tok.decode(tok.encode(text)), text);
    // Special tokens written in the text are matched, as in Python.
    const ids = Array.from(tok.encode("<s>47+38=</s>"));
    assert.equal(ids[0], tok.bos);
    assert.equal(ids[ids.length - 1], tok.eos);
    assert.deepEqual(Array.from(tok.encode("85", { bos: true, eos: true })), [tok.bos, ...tok.encode("85"), tok.eos]);
    assert.equal(tok.decode(tok.encode("85", { bos: true, eos: true }), { skipSpecial: true }), "85");
  });

  test("wordpiece: [PAD], [CLS] as bos, [SEP] as eos, [UNK]; unseen characters are [UNK]", () => {
    const tok = tokenizers.wordpiece!;
    assert.deepEqual([tok.pad, tok.bos, tok.eos, tok.unk].map((id) => tok.idToToken(id!)), ["[PAD]", "[CLS]", "[SEP]", "[UNK]"]);
    const row = expected.tokenizers.wordpiece.rows.find((r) => r.text === "emoji 🙂 日本語")!;
    assert.ok(row.ids.includes(tok.unk!), "the emoji is [UNK] in Python too");
  });
});
