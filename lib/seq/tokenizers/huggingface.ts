// A Hugging Face tokenizer.json (BPE, byte-level or not, and WordPiece) as a
// Tokenizer. The tokenization itself is @huggingface/tokenizers (Hugging
// Face's pure JS implementation of the Rust `tokenizers` pipeline: normalizer,
// pre-tokenizer, model, decoder, added tokens); this file checks the file,
// picks the special ids and gives it the Tokenizer interface.
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import {
  type DecodeOptions,
  type EncodeOptions,
  type HuggingFaceTokenizerJSON,
  type SpecialTokenNames,
  type Tokenizer,
  TOKENIZER_FORMAT,
  checkIds,
  withSpecials,
} from "./tokenizer.js";

/** The tokenizer.json `model.type`s this loader takes. */
export const SUPPORTED_MODEL_TYPES = ["BPE", "WordPiece"] as const;

/** Options of {@link huggingFaceTokenizer} (and loadTokenizer's for a tokenizer.json). */
export interface HuggingFaceTokenizerOptions extends SpecialTokenNames {
  /** The model's tokenizer_config.json (loadTokenizer reads it from beside tokenizer.json when there is one): its bos_token, eos_token, pad_token and unk_token name the special tokens, and it can change decoding (clean_up_tokenization_spaces) as in transformers. */
  readonly config?: Record<string, unknown>;
  /** Where the JSON came from, for messages. */
  readonly source?: string;
}

/** Names tried, in order, for each special token when neither the options nor tokenizer_config.json name it. */
export const KNOWN_SPECIAL_TOKENS: Readonly<Record<"bos" | "eos" | "pad" | "unk", readonly string[]>> = {
  bos: ["<bos>", "<s>", "<|begin_of_text|>", "<|startoftext|>", "[BOS]", "[CLS]", "<|endoftext|>"],
  eos: ["<eos>", "</s>", "<|end_of_text|>", "<|endoftext|>", "[EOS]", "[SEP]"],
  pad: ["<pad>", "[PAD]", "<|pad|>", "<|padding|>"],
  unk: ["<unk>", "[UNK]", "<|unk|>"],
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

/** A tokenizer_config.json token entry: a string, or an AddedToken object ({ content }). */
function configToken(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (isRecord(value) && typeof value.content === "string") return value.content;
  return undefined;
}

/** Throws a clear message unless `json` has the parts of a tokenizer.json this loader needs. */
export function checkTokenizerJson(json: unknown, where: string): asserts json is Record<string, unknown> {
  const fail = (message: string): never => {
    throw new Error(`loadTokenizer: ${where}: ${message}`);
  };
  if (!isRecord(json)) fail(`a tokenizer.json holds a JSON object, got ${describe(json)}`);
  const j = json as Record<string, unknown>;
  if (!("model" in j)) fail(`no "model" field: this is not a Hugging Face tokenizer.json (it holds ${Object.keys(j).slice(0, 8).map((k) => JSON.stringify(k)).join(", ") || "no fields"})`);
  const model = j.model;
  if (!isRecord(model)) fail(`"model" must be an object, got ${describe(model)}`);
  const m = model as Record<string, unknown>;
  if (typeof m.type !== "string") fail(`"model" has no "type" (one of ${SUPPORTED_MODEL_TYPES.join(", ")}); tokenizer.json files from tokenizers before 0.9 lack it: load and save the file again with a recent tokenizers`);
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(m.type as string)) fail(`model type ${JSON.stringify(m.type)} is not supported (supported: ${SUPPORTED_MODEL_TYPES.join(", ")})`);
  if (!isRecord(m.vocab)) fail(`the ${m.type} model's "vocab" must be an object of token → id, got ${describe(m.vocab)}`);
  for (const [token, id] of Object.entries(m.vocab as Record<string, unknown>)) {
    if (!Number.isInteger(id) || (id as number) < 0) fail(`the vocab gives token ${JSON.stringify(token)} the id ${JSON.stringify(id)}, not an integer ≥ 0`);
  }
  if (m.type === "BPE") {
    if (!Array.isArray(m.merges)) fail(`the BPE model's "merges" must be an array, got ${describe(m.merges)}`);
    (m.merges as unknown[]).forEach((merge, i) => {
      const ok = (typeof merge === "string" && merge.split(" ").length === 2) || (Array.isArray(merge) && merge.length === 2 && merge.every((p) => typeof p === "string"));
      if (!ok) fail(`BPE merge ${i} is ${JSON.stringify(merge)}: a merge is "a b" or ["a", "b"]`);
    });
  }
  if ("added_tokens" in j && j.added_tokens !== null && !Array.isArray(j.added_tokens)) fail(`"added_tokens" must be an array, got ${describe(j.added_tokens)}`);
  ((j.added_tokens as unknown[] | null | undefined) ?? []).forEach((t, i) => {
    if (!isRecord(t) || typeof t.content !== "string" || !Number.isInteger(t.id) || (t.id as number) < 0) fail(`added token ${i} must be { "id": integer ≥ 0, "content": string, … }, got ${JSON.stringify(t)}`);
  });
  for (const part of ["normalizer", "pre_tokenizer", "post_processor", "decoder"]) {
    if (part in j && j[part] !== null && !(isRecord(j[part]) && typeof (j[part] as Record<string, unknown>).type === "string")) fail(`"${part}" must be null or an object with a "type", got ${JSON.stringify(j[part])}`);
  }
}

/**
 * A Tokenizer from a parsed tokenizer.json (its `model.type` BPE or
 * WordPiece). The special ids come from `options` (token texts), else the
 * config's bos_token/eos_token/pad_token/unk_token, else the first of
 * {@link KNOWN_SPECIAL_TOKENS} in the vocabulary (unk: the model's unk_token
 * first); a missing bos, eos or pad throws, saying how to name it. pad may not
 * be eos (a model trained with eos masked as padding never learns to stop).
 */
export function huggingFaceTokenizer(json: unknown, options: HuggingFaceTokenizerOptions = {}): Tokenizer {
  const where = options.source ?? "tokenizer.json";
  checkTokenizerJson(json, where);
  const config = options.config;
  if (config !== undefined && !isRecord(config)) throw new TypeError(`loadTokenizer: ${where}: the tokenizer config must be an object, got ${describe(config)}`);
  // The library's constructor wants every part's key present (null when absent) and added_tokens iterable.
  const full: Record<string, unknown> = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...json, added_tokens: json.added_tokens ?? [] };
  let hf: HfTokenizer;
  try {
    hf = new HfTokenizer(full, config ?? {});
  } catch (e) {
    throw new Error(`loadTokenizer: ${where}: @huggingface/tokenizers could not build it: ${(e as Error).message}`);
  }
  const model = json.model as Record<string, unknown>;

  // Every token and id, added tokens over the model's vocabulary (as in the Rust library).
  const idOf = new Map<string, number>();
  const tokenOf = new Map<number, string>();
  for (const [token, id] of Object.entries(model.vocab as Record<string, number>)) {
    idOf.set(token, id);
    tokenOf.set(id, token);
  }
  const specialIds = new Set<number>();
  for (const t of (full.added_tokens as { id: number; content: string; special?: boolean }[])) {
    idOf.set(t.content, t.id);
    tokenOf.set(t.id, t.content);
    if (t.special) specialIds.add(t.id);
  }
  if (tokenOf.size === 0) throw new Error(`loadTokenizer: ${where}: the vocabulary is empty`);
  let vocabSize = 0;
  for (const id of tokenOf.keys()) if (id >= vocabSize) vocabSize = id + 1;

  const pick = (role: "bos" | "eos" | "pad" | "unk"): string | undefined => {
    const given = options[role];
    if (given !== undefined) {
      if (!idOf.has(given)) throw new Error(`loadTokenizer: ${where}: the ${role} token ${JSON.stringify(given)} is not in the vocabulary`);
      return given;
    }
    const fromConfig = config ? configToken(config[`${role}_token`]) : undefined;
    if (fromConfig !== undefined && idOf.has(fromConfig)) return fromConfig;
    if (role === "unk" && typeof model.unk_token === "string" && idOf.has(model.unk_token)) return model.unk_token;
    return KNOWN_SPECIAL_TOKENS[role].find((name) => idOf.has(name));
  };
  const special: { bos?: string; eos?: string; pad?: string; unk?: string } = {};
  for (const role of ["bos", "eos", "pad", "unk"] as const) {
    const name = pick(role);
    if (name !== undefined) special[role] = name;
    else if (role !== "unk") {
      const added = [...specialIds].map((id) => tokenOf.get(id)!);
      throw new Error(
        `loadTokenizer: ${where}: no ${role} token: none was named and the vocabulary has none of ${KNOWN_SPECIAL_TOKENS[role].map((t) => JSON.stringify(t)).join(", ")}; ` +
          `name it with { ${role}: "<token>" }${added.length ? ` (its special tokens: ${added.slice(0, 12).map((t) => JSON.stringify(t)).join(", ")})` : " (it has no special tokens: add one to the tokenizer, e.g. with tokenizers' add_special_tokens, and save it again)"}`,
      );
    }
  }
  const bos = idOf.get(special.bos!)!;
  const eos = idOf.get(special.eos!)!;
  const pad = idOf.get(special.pad!)!;
  const unk = special.unk !== undefined ? idOf.get(special.unk) : undefined;
  if (pad === eos) throw new Error(`loadTokenizer: ${where}: pad and eos are the same token ${JSON.stringify(special.pad)}: padding is masked out of losses, so a model would never learn to emit eos; name a separate pad token with { pad: "<token>" } (add one to the tokenizer if it has none)`);
  for (const id of [bos, eos, pad, unk]) if (id !== undefined) specialIds.add(id);
  const cleanUp = config?.clean_up_tokenization_spaces === true;

  const encode = (text: string, encodeOptions?: EncodeOptions): Int32Array => {
    if (typeof text !== "string") throw new TypeError(`tokenizer.encode: text must be a string, got ${describe(text)}`);
    const ids = text.length === 0 ? [] : hf.encode(text, { add_special_tokens: false }).ids;
    return withSpecials(ids, bos, eos, encodeOptions);
  };

  const decode = (ids: ArrayLike<number>, decodeOptions?: DecodeOptions): string => {
    checkIds(ids, vocabSize, (id) => tokenOf.has(id), "tokenizer.decode");
    let list = Array.from(ids);
    if (decodeOptions?.skipSpecial) list = list.filter((id) => !specialIds.has(id));
    if (list.length === 0) return "";
    return hf.decode(list, { skip_special_tokens: decodeOptions?.skipSpecial === true, clean_up_tokenization_spaces: cleanUp });
  };

  const saved: HuggingFaceTokenizerJSON = {
    format: TOKENIZER_FORMAT,
    kind: "huggingface",
    version: 1,
    tokenizer: json,
    ...(config !== undefined ? { config } : {}),
    special,
  };
  return Object.freeze({
    kind: "huggingface" as const,
    vocabSize,
    pad,
    bos,
    eos,
    unk,
    encode,
    decode,
    tokenToId: (token: string) => idOf.get(token),
    idToToken: (id: number) => tokenOf.get(id),
    isSpecial: (id: number) => specialIds.has(id),
    toJSON: (): HuggingFaceTokenizerJSON => structuredClone(saved),
  });
}
