// charTokenizer and charTokenizerFor: ids, special tokens, errors, saving,
// and the round trip (fast-check): decode(encode(text)) is text.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { charTokenizer, charTokenizerFor, loadTokenizer, type Tokenizer } from "../../../lib/seq/tokenizers/index.js";

const ids = (a: Int32Array) => Array.from(a);

test("charTokenizer: <pad> 0, <bos> 1, <eos> 2, then the alphabet in order", () => {
  const tok = charTokenizer("0123456789+=");
  assert.equal(tok.kind, "char");
  assert.equal(tok.vocabSize, 15);
  assert.deepEqual([tok.pad, tok.bos, tok.eos, tok.unk], [0, 1, 2, undefined]);
  assert.deepEqual(ids(tok.encode("47+38=")), [7, 10, 13, 6, 11, 14]);
  assert.deepEqual(ids(tok.encode("85", { eos: true })), [11, 8, 2]);
  assert.deepEqual(ids(tok.encode("85", { bos: true, eos: true })), [1, 11, 8, 2]);
  assert.deepEqual(ids(tok.encode("")), []);
  assert.ok(tok.encode("1") instanceof Int32Array);
  assert.equal(tok.decode([1, 11, 8, 2]), "<bos>85<eos>");
  assert.equal(tok.decode(new Int32Array([1, 11, 8, 2, 0, 0]), { skipSpecial: true }), "85");
  assert.equal(tok.tokenToId("<eos>"), 2);
  assert.equal(tok.tokenToId("+"), 13);
  assert.equal(tok.tokenToId("<unk>"), undefined);
  assert.equal(tok.tokenToId("x"), undefined);
  assert.equal(tok.idToToken(0), "<pad>");
  assert.equal(tok.idToToken(14), "=");
  assert.equal(tok.idToToken(15), undefined);
  assert.equal(tok.idToToken(-1), undefined);
  assert.deepEqual([0, 1, 2, 3].map((i) => tok.isSpecial(i)), [true, true, true, false]);
});

test("charTokenizer: a character outside the alphabet throws, naming it, its code point and position; with { unk: true } it becomes <unk>", () => {
  const tok = charTokenizer("0123456789+=");
  assert.throws(() => tok.encode("47-38="), (e: Error) => e instanceof RangeError && /character "-" \(U\+002D\) at position 2 of "47-38="/.test(e.message) && /\{ unk: true \}/.test(e.message));
  // Positions count characters (code points), not UTF-16 units.
  assert.throws(() => charTokenizer("ab🙂").encode("a🙂b✓"), /character "✓" \(U\+2713\) at position 3/);
  const withUnk = charTokenizer("0123456789+=", { unk: true });
  assert.equal(withUnk.unk, 3);
  assert.equal(withUnk.tokenToId("<unk>"), 3);
  assert.equal(withUnk.vocabSize, 16);
  assert.deepEqual(ids(withUnk.encode("4-1")), [8, 3, 5]);
  assert.equal(withUnk.decode(withUnk.encode("4-1")), "4<unk>1");
  assert.equal(withUnk.decode(withUnk.encode("4-1"), { skipSpecial: true }), "41");
  assert.ok(withUnk.isSpecial(3));
});

test("charTokenizer: characters are code points (astral ones included); special names in the text are plain characters", () => {
  const tok = charTokenizer(["🙂", "é", "<", ">", "e", "o", "s"]);
  assert.deepEqual(ids(tok.encode("🙂é")), [3, 4]);
  assert.equal(tok.decode(tok.encode("🙂é")), "🙂é");
  assert.deepEqual(ids(tok.encode("<eos>")), [5, 7, 8, 9, 6]);
});

test("charTokenizer: bad alphabets and bad ids are refused with clear messages", () => {
  assert.throws(() => charTokenizer(""), /alphabet is empty/);
  assert.throws(() => charTokenizer("abca"), /holds "a" \(U\+0061\) twice \(entries 0 and 3\)/);
  assert.throws(() => charTokenizer(["a", "bc"]), /alphabet entry 1 must be exactly one character/);
  assert.throws(() => charTokenizer(["a", ""]), /alphabet entry 1 must be exactly one character/);
  assert.throws(() => charTokenizer(42 as unknown as string), /must be a string or an array/);
  const tok = charTokenizer("ab");
  assert.throws(() => tok.decode([3, 5]), /id 5 at position 1 is outside the vocabulary \(ids run 0\.\.4\)/);
  assert.throws(() => tok.decode([-1]), /id -1 at position 0/);
  assert.throws(() => tok.decode([1.5]), /id 1\.5 at position 0/);
  assert.throws(() => tok.encode(null as unknown as string), /text must be a string/);
});

test("charTokenizerFor: the sorted characters of the samples, the same whatever their order", () => {
  const a = charTokenizerFor(["47+38=85", "12+9=21"]);
  const b = charTokenizerFor(["12+9=21", "47+38=85"]);
  assert.deepEqual(a.toJSON(), b.toJSON());
  const saved = a.toJSON();
  assert.ok(saved.kind === "char");
  assert.deepEqual(saved.alphabet, ["+", "1", "2", "3", "4", "5", "7", "8", "9", "="]);
  assert.equal(a.vocabSize, 13);
  assert.equal(charTokenizerFor(new Set(["é🙂a"])).idToToken(3), "a");
  assert.equal(charTokenizerFor(["b"], { unk: true }).unk, 3);
  assert.throws(() => charTokenizerFor([]), /hold no characters/);
  assert.throws(() => charTokenizerFor(["a", 3 as unknown as string]), /text 1 is number/);
});

test("charTokenizer: toJSON() and loadTokenizer give back the same tokenizer (object, JSON text)", () => {
  for (const tok of [charTokenizer("0123456789+="), charTokenizerFor(["héllo ✓ 🙂"], { unk: true })]) {
    const saved = tok.toJSON();
    for (const again of [loadTokenizer(saved), loadTokenizer(JSON.stringify(saved))]) {
      assert.deepEqual(again.toJSON(), saved);
      assert.equal(again.vocabSize, tok.vocabSize);
      assert.deepEqual([again.pad, again.bos, again.eos, again.unk], [tok.pad, tok.bos, tok.eos, tok.unk]);
    }
  }
  assert.throws(() => loadTokenizer({ format: "trellis.tokenizer", kind: "char", version: 2, alphabet: ["a"] }), /version 2 is not supported/);
  assert.throws(() => loadTokenizer({ format: "trellis.tokenizer", kind: "char", version: 1 }), /needs "alphabet"/);
  assert.throws(() => loadTokenizer({ format: "trellis.tokenizer", kind: "words", version: 1 }), /unknown saved tokenizer kind "words"/);
});

/** Texts over an alphabet: some of its characters, any number. */
function textsOver(alphabet: readonly string[]): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((cs) => cs.join(""));
}

test("charTokenizer round trip (property): decode(encode(text)) = text, ids in range, bos/eos where asked", () => {
  // Any alphabet of code points (astral and lone surrogates included), any text over it.
  const alphabets = fc.uniqueArray(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), { minLength: 1, maxLength: 30 });
  fc.assert(
    fc.property(alphabets.chain((alphabet) => fc.tuple(fc.constant(alphabet), textsOver(alphabet), fc.boolean(), fc.boolean())), ([alphabet, text, bos, eos]) => {
      const tok: Tokenizer = charTokenizer(alphabet);
      const encoded = tok.encode(text, { bos, eos });
      assert.equal(encoded.length, Array.from(text).length + (bos ? 1 : 0) + (eos ? 1 : 0));
      for (const id of encoded) assert.ok(id >= 0 && id < tok.vocabSize);
      if (bos) assert.equal(encoded[0], tok.bos);
      if (eos) assert.equal(encoded[encoded.length - 1], tok.eos);
      assert.equal(tok.decode(encoded, { skipSpecial: true }), text);
      assert.equal(tok.decode(tok.encode(text)), text);
      // Saved and loaded, the same ids.
      assert.deepEqual(loadTokenizer(JSON.parse(JSON.stringify(tok.toJSON()))).encode(text), tok.encode(text));
    }),
    { numRuns: 300 },
  );
});

test("charTokenizerFor round trip (property): every sample text encodes and decodes back; unk only for unseen characters", () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 6 }), fc.string({ maxLength: 10 }), (texts, other) => {
      const tok = charTokenizerFor(texts, { unk: true });
      for (const text of texts) {
        const encoded = tok.encode(text);
        assert.ok(!encoded.includes(tok.unk!));
        assert.equal(tok.decode(encoded), text);
      }
      const seen = new Set(texts.flatMap((t) => Array.from(t)));
      const encoded = Array.from(tok.encode(other));
      assert.deepEqual(encoded.map((id) => id === tok.unk), Array.from(other).map((ch) => !seen.has(ch)));
    }),
    { numRuns: 200 },
  );
});
