// A character tokenizer: one id per character (Unicode code point) of a fixed
// alphabet, after the special tokens. The tokenizer of the small verifiable
// tasks ("47+38=" → "85"), where every character is its own token.
import { type CharTokenizerJSON, type DecodeOptions, type EncodeOptions, type Tokenizer, TOKENIZER_FORMAT, checkIds, withSpecials } from "./tokenizer.js";

/** Options of {@link charTokenizer} and {@link charTokenizerFor}. */
export interface CharTokenizerOptions {
  /** Add an `<unk>` token that characters outside the alphabet become; without it (the default) they throw, naming the character and where it is. */
  readonly unk?: boolean;
}

/** The special tokens' names, in id order: `<pad>` 0, `<bos>` 1, `<eos>` 2, then `<unk>` 3 when asked for. */
export const CHAR_SPECIAL_TOKENS = ["<pad>", "<bos>", "<eos>", "<unk>"] as const;

/** How a character reads in a message: quoted, with its code point. */
function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return `${JSON.stringify(ch)} (U+${cp.toString(16).toUpperCase().padStart(4, "0")})`;
}

/** The alphabet as a list of single characters, checked: no empty entries, no entries of several characters, no repeats. */
function alphabetChars(alphabet: string | readonly string[]): string[] {
  if (typeof alphabet !== "string" && !Array.isArray(alphabet)) {
    throw new TypeError(`charTokenizer: the alphabet must be a string or an array of single characters, got ${alphabet === null ? "null" : typeof alphabet}`);
  }
  const chars = typeof alphabet === "string" ? Array.from(alphabet) : [...alphabet];
  const seen = new Map<string, number>();
  chars.forEach((ch, i) => {
    if (typeof ch !== "string" || Array.from(ch).length !== 1) {
      throw new TypeError(`charTokenizer: alphabet entry ${i} must be exactly one character (one Unicode code point), got ${JSON.stringify(ch)}`);
    }
    const before = seen.get(ch);
    if (before !== undefined) throw new Error(`charTokenizer: the alphabet holds ${describeChar(ch)} twice (entries ${before} and ${i})`);
    seen.set(ch, i);
  });
  if (chars.length === 0) throw new Error("charTokenizer: the alphabet is empty");
  return chars;
}

/** A short view of the alphabet for messages. */
function alphabetPreview(chars: readonly string[]): string {
  const shown = chars.slice(0, 40).join("");
  return `${chars.length} characters: ${JSON.stringify(shown)}${chars.length > 40 ? "…" : ""}`;
}

/**
 * A tokenizer with one id per character of `alphabet` (a string, split into
 * Unicode code points, or an array of single characters), after the special
 * tokens: `<pad>` 0, `<bos>` 1, `<eos>` 2, `<unk>` 3 with `{ unk: true }`;
 * the alphabet's characters follow in the order given. `encode` never reads
 * special tokens out of the text ("<eos>" in a text is five characters).
 */
export function charTokenizer(alphabet: string | readonly string[], options: CharTokenizerOptions = {}): Tokenizer {
  const chars = alphabetChars(alphabet);
  const useUnk = options.unk === true;
  const specials = useUnk ? CHAR_SPECIAL_TOKENS.slice() : CHAR_SPECIAL_TOKENS.slice(0, 3);
  const first = specials.length;
  const tokens: readonly string[] = [...specials, ...chars];
  const ids = new Map<number, number>(); // code point → id
  chars.forEach((ch, i) => ids.set(ch.codePointAt(0)!, first + i));
  const tokenIds = new Map<string, number>(tokens.map((t, i) => [t, i]));
  const unk = useUnk ? 3 : undefined;
  const vocabSize = tokens.length;

  const encode = (text: string, encodeOptions?: EncodeOptions): Int32Array => {
    if (typeof text !== "string") throw new TypeError(`charTokenizer.encode: text must be a string, got ${text === null ? "null" : typeof text}`);
    const out: number[] = [];
    let position = 0;
    for (const ch of text) {
      const id = ids.get(ch.codePointAt(0)!);
      if (id !== undefined) out.push(id);
      else if (unk !== undefined) out.push(unk);
      else {
        throw new RangeError(`charTokenizer.encode: character ${describeChar(ch)} at position ${position} of ${JSON.stringify(text.length > 60 ? text.slice(0, 60) + "…" : text)} is not in the alphabet (${alphabetPreview(chars)}); add it to the alphabet or make the tokenizer with { unk: true }`);
      }
      position++;
    }
    return withSpecials(out, 1, 2, encodeOptions);
  };

  const decode = (idList: ArrayLike<number>, decodeOptions?: DecodeOptions): string => {
    checkIds(idList, vocabSize, () => true, "charTokenizer.decode");
    let text = "";
    for (let i = 0; i < idList.length; i++) {
      const id = idList[i]!;
      if (id < first && decodeOptions?.skipSpecial) continue;
      text += tokens[id]!;
    }
    return text;
  };

  const json: CharTokenizerJSON = { format: TOKENIZER_FORMAT, kind: "char", version: 1, alphabet: chars, unk: useUnk };
  return Object.freeze({
    kind: "char" as const,
    vocabSize,
    pad: 0,
    bos: 1,
    eos: 2,
    unk,
    encode,
    decode,
    tokenToId: (token: string) => tokenIds.get(token),
    idToToken: (id: number) => (Number.isInteger(id) && id >= 0 && id < vocabSize ? tokens[id] : undefined),
    isSpecial: (id: number) => Number.isInteger(id) && id >= 0 && id < first,
    toJSON: (): CharTokenizerJSON => ({ ...json, alphabet: [...chars] }),
  });
}

/**
 * A char tokenizer whose alphabet is every character found in `texts`, sorted
 * by code point: the same texts give the same ids whatever their order.
 */
export function charTokenizerFor(texts: Iterable<string>, options: CharTokenizerOptions = {}): Tokenizer {
  if (texts === null || typeof texts !== "object" || typeof (texts as Iterable<string>)[Symbol.iterator] !== "function") {
    throw new TypeError("charTokenizerFor: texts must be an iterable of strings (an array of sample texts)");
  }
  const codePoints = new Set<number>();
  let i = 0;
  for (const text of texts) {
    if (typeof text !== "string") throw new TypeError(`charTokenizerFor: text ${i} is ${text === null ? "null" : typeof text}, not a string`);
    for (const ch of text) codePoints.add(ch.codePointAt(0)!);
    i++;
  }
  if (codePoints.size === 0) throw new Error(`charTokenizerFor: the ${i} sample texts hold no characters, so there is no alphabet`);
  return charTokenizer([...codePoints].sort((a, b) => a - b).map((cp) => String.fromCodePoint(cp)), options);
}
