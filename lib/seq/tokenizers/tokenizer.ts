// The Tokenizer interface every tokenizer of lib/seq/tokenizers implements, and
// the checks they share (ids given to decode, the saved form's header).

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Put the `bos` id first. Default false. */
  readonly bos?: boolean;
  /** Put the `eos` id last. Default false. */
  readonly eos?: boolean;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Leave out the special tokens (`pad`, `bos`, `eos`, `unk` and, for a Hugging Face tokenizer, every added token marked special). Default false: they are written out by name ("<eos>"). */
  readonly skipSpecial?: boolean;
}

/** Text to token ids and back, with the special ids a sequence model needs. */
export interface Tokenizer {
  /** "char" ({@link charTokenizer}) or "huggingface" (a tokenizer.json, {@link loadTokenizer}). */
  readonly kind: "char" | "huggingface";
  /** One more than the largest id: the size of a model's embedding and output layers. */
  readonly vocabSize: number;
  /** Padding id (fills a batch's short sequences; masked out of losses). */
  readonly pad: number;
  /** Beginning-of-sequence id. */
  readonly bos: number;
  /** End-of-sequence id (a policy emits it to stop). */
  readonly eos: number;
  /** The id text outside the vocabulary becomes, where the vocabulary has one; else undefined (a char tokenizer without `unk` rejects such text). */
  readonly unk: number | undefined;
  /** The ids of `text`; no special ids unless asked for with `bos`/`eos`. */
  encode(text: string, options?: EncodeOptions): Int32Array;
  /** The text of `ids`; an id outside the vocabulary throws, naming its position. */
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
  /** The id of one token (for a char tokenizer: one character, or a special token's name such as "<eos>"); undefined when not in the vocabulary. */
  tokenToId(token: string): number | undefined;
  /** The token of one id; undefined when not in the vocabulary. */
  idToToken(id: number): string | undefined;
  /** Whether `id` is a special token (what `decode` leaves out with `skipSpecial`). */
  isSpecial(id: number): boolean;
  /** Everything needed to make this tokenizer again with {@link loadTokenizer}: JSON data, to save beside a model. */
  toJSON(): TokenizerJSON;
}

/** The `format` field of every saved tokenizer. */
export const TOKENIZER_FORMAT = "trellis.tokenizer";

/** A char tokenizer as saved by `toJSON()`. */
export interface CharTokenizerJSON {
  readonly format: typeof TOKENIZER_FORMAT;
  readonly kind: "char";
  readonly version: 1;
  /** The characters in id order (the first gets the id after the special tokens). */
  readonly alphabet: readonly string[];
  /** Whether characters outside the alphabet become `<unk>`. */
  readonly unk: boolean;
}

/** The special tokens of a Hugging Face tokenizer, by their text. */
export interface SpecialTokenNames {
  readonly bos?: string;
  readonly eos?: string;
  readonly pad?: string;
  readonly unk?: string;
}

/** A Hugging Face tokenizer as saved by `toJSON()`: its tokenizer.json whole, its tokenizer_config.json if one was used, and which tokens were taken for the special ids. */
export interface HuggingFaceTokenizerJSON {
  readonly format: typeof TOKENIZER_FORMAT;
  readonly kind: "huggingface";
  readonly version: 1;
  readonly tokenizer: Record<string, unknown>;
  readonly config?: Record<string, unknown>;
  readonly special: SpecialTokenNames;
}

/** What `toJSON()` returns. */
export type TokenizerJSON = CharTokenizerJSON | HuggingFaceTokenizerJSON;

/** Throws unless every id is an integer in [0, vocabSize) that `known` accepts; `who` starts the message. */
export function checkIds(ids: ArrayLike<number>, vocabSize: number, known: (id: number) => boolean, who: string): void {
  if (ids === null || typeof ids !== "object" || typeof ids.length !== "number") {
    throw new TypeError(`${who}: ids must be an array or typed array of integers, got ${ids === null ? "null" : typeof ids}`);
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize || !known(id)) {
      const what = Number.isInteger(id) && id >= 0 && id < vocabSize ? "has no token" : "is outside the vocabulary";
      throw new RangeError(`${who}: id ${String(id)} at position ${i} ${what} (ids run 0..${vocabSize - 1})`);
    }
  }
}

/** `ids` with `bos` before and `eos` after, as asked. */
export function withSpecials(ids: ArrayLike<number>, bos: number, eos: number, options: EncodeOptions | undefined): Int32Array {
  const first = options?.bos ? 1 : 0;
  const out = new Int32Array(ids.length + first + (options?.eos ? 1 : 0));
  if (first) out[0] = bos;
  for (let i = 0; i < ids.length; i++) out[first + i] = ids[i]!;
  if (options?.eos) out[out.length - 1] = eos;
  return out;
}
