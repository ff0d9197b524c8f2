/**
 * Tokenizers for sequence policies: text ⇄ Int32Array of token ids.
 *
 * ```ts
 * import { charTokenizer, charTokenizerFor, loadTokenizer } from "./lib/seq/tokenizers/index.js";
 *
 * // One id per character: <pad> 0, <bos> 1, <eos> 2, then the alphabet in order.
 * const tok = charTokenizer("0123456789+=");
 * tok.encode("47+38=");                      // Int32Array [7, 10, 13, 6, 11, 14]
 * tok.encode("85", { eos: true });           // Int32Array [11, 8, 2]
 * tok.decode([1, 11, 8, 2]);                 // "<bos>85<eos>"
 * tok.decode([1, 11, 8, 2], { skipSpecial: true }); // "85"
 * tok.encode("4-1");  // throws: character "-" (U+002D) at position 1 of "4-1" is not in the alphabet …
 * charTokenizer("0123456789+=", { unk: true }).encode("4-1"); // <unk> (id 3) for "-"
 *
 * // The alphabet of sample texts, sorted by code point (deterministic).
 * const tok2 = charTokenizerFor(["47+38=85", "12+9=21"]);
 *
 * // A Hugging Face tokenizer.json (BPE, byte-level or not, or WordPiece):
 * const hf = loadTokenizer("path/to/model");   // the folder, or its tokenizer.json
 * const mine = loadTokenizer("my-bpe/tokenizer.json", { bos: "<|im_start|>", eos: "<|im_end|>", pad: "<|pad|>" });
 *
 * // Save with a model, load again:
 * const saved = JSON.stringify(tok.toJSON());
 * const again = loadTokenizer(saved);          // JSON text, a parsed object or a file path
 * ```
 *
 * **{@link Tokenizer}** (every tokenizer):
 * - `vocabSize`: one more than the largest id (the embedding and output size).
 * - `pad`, `bos`, `eos`: special ids, always present; `unk`: the unknown-text id, or undefined.
 * - `encode(text, { bos?, eos? })` → Int32Array: the text's ids, with bos/eos
 *   added only when asked (special tokens written in the text are plain
 *   characters for a char tokenizer; a Hugging Face tokenizer matches its
 *   added tokens in the text, as the Python library does). A Hugging Face
 *   tokenizer's post-processor (BERT's [CLS] … [SEP]) is not applied: ask for bos/eos.
 * - `decode(ids, { skipSpecial? })` → string; special tokens are written out
 *   by name unless `skipSpecial`; an id outside the vocabulary throws, naming its position.
 * - `tokenToId(token)`, `idToToken(id)`: undefined when absent; `isSpecial(id)`.
 * - `toJSON()`: JSON data for {@link loadTokenizer} (a Hugging Face tokenizer
 *   saves its whole tokenizer.json, its config and the special tokens' names).
 *
 * **{@link charTokenizer}(alphabet, { unk? })**: a character is a Unicode code
 * point; the alphabet is a string or an array of single characters, without
 * repeats. Characters outside it throw (naming the character, its code point
 * and its position) or, with `{ unk: true }`, become `<unk>` (id 3).
 * **{@link charTokenizerFor}(texts, { unk? })**: the alphabet of `texts`, sorted.
 *
 * **{@link loadTokenizer}(pathOrJson, { bos?, eos?, pad?, unk?, config? })**:
 * a tokenizer.json (model type "BPE" or "WordPiece"; others are refused),
 * run by @huggingface/tokenizers (Hugging Face's JS implementation; ids and
 * decoded text match the Python `tokenizers` library, checked by
 * test/seq/tokenizers/hf-interop.test.ts). The special tokens are named by the
 * options, else by tokenizer_config.json (read from beside the file), else
 * found by their usual names ({@link KNOWN_SPECIAL_TOKENS}: "<s>", "</s>",
 * "<pad>", "[CLS]", "[SEP]", "[PAD]", "[UNK]", …). No pad token, or pad equal
 * to eos, is an error that says how to name one. Decoding follows the Python
 * `tokenizers` library (no clean-up of spaces unless the config's
 * clean_up_tokenization_spaces is true).
 * @module
 */
export type { DecodeOptions, EncodeOptions, Tokenizer, TokenizerJSON, CharTokenizerJSON, HuggingFaceTokenizerJSON, SpecialTokenNames } from "./tokenizer.js";
export { TOKENIZER_FORMAT } from "./tokenizer.js";
export { charTokenizer, charTokenizerFor, CHAR_SPECIAL_TOKENS, type CharTokenizerOptions } from "./char.js";
export { huggingFaceTokenizer, checkTokenizerJson, KNOWN_SPECIAL_TOKENS, SUPPORTED_MODEL_TYPES, type HuggingFaceTokenizerOptions } from "./huggingface.js";
export { loadTokenizer, type LoadTokenizerOptions } from "./load.js";
