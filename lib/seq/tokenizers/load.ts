// loadTokenizer: a Tokenizer from a file or JSON data, either a Hugging Face
// tokenizer.json or what a Tokenizer's toJSON() saved.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { charTokenizer } from "./char.js";
import { type HuggingFaceTokenizerOptions, huggingFaceTokenizer } from "./huggingface.js";
import { type SpecialTokenNames, type Tokenizer, TOKENIZER_FORMAT } from "./tokenizer.js";

/** Options of {@link loadTokenizer}: for a Hugging Face tokenizer.json, the special tokens by name and its tokenizer_config.json (see {@link huggingFaceTokenizer}). */
export interface LoadTokenizerOptions extends SpecialTokenNames {
  /** tokenizer_config.json's contents; by default read from beside the tokenizer.json file when it is there. */
  readonly config?: Record<string, unknown>;
}

function parse(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`loadTokenizer: ${where} is not valid JSON: ${(e as Error).message}`);
  }
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`loadTokenizer: cannot read ${path}${code === "ENOENT" ? ": no such file" : `: ${(e as Error).message}`}`);
  }
  return parse(text, path);
}

/**
 * A Tokenizer from `pathOrJson`:
 * - a path to a tokenizer.json, or to a folder holding one (a Hugging Face
 *   model folder; its tokenizer_config.json is read too when present), or to
 *   a file a Tokenizer's `toJSON()` was saved to;
 * - JSON text (a string starting with "{");
 * - parsed JSON: a tokenizer.json object or a `toJSON()` result.
 *
 * A tokenizer.json's `model.type` must be "BPE" or "WordPiece". Everything is
 * checked, with messages naming the file and the problem (no model, an
 * unsupported type, a malformed vocabulary or merge, no pad token…).
 */
export function loadTokenizer(pathOrJson: string | object, options: LoadTokenizerOptions = {}): Tokenizer {
  let json: unknown;
  let where: string;
  let config = options.config;
  if (typeof pathOrJson === "string") {
    if (pathOrJson.trimStart().startsWith("{")) {
      json = parse(pathOrJson, "the JSON text");
      where = "the JSON text";
    } else {
      let path = pathOrJson;
      if (existsSync(path) && statSync(path).isDirectory()) {
        const inside = join(path, "tokenizer.json");
        if (!existsSync(inside)) throw new Error(`loadTokenizer: the folder ${path} holds no tokenizer.json`);
        path = inside;
      }
      json = readJson(path);
      where = path;
      const configPath = join(dirname(path), "tokenizer_config.json");
      if (config === undefined && existsSync(configPath)) {
        const c = readJson(configPath);
        if (c === null || typeof c !== "object" || Array.isArray(c)) throw new Error(`loadTokenizer: ${configPath} must hold a JSON object`);
        config = c as Record<string, unknown>;
      }
    }
  } else if (pathOrJson !== null && typeof pathOrJson === "object") {
    json = pathOrJson;
    where = "the tokenizer JSON";
  } else {
    throw new TypeError(`loadTokenizer: expected a path, JSON text or a parsed JSON object, got ${pathOrJson === null ? "null" : typeof pathOrJson}`);
  }

  const j = json as Record<string, unknown>;
  if (j !== null && typeof j === "object" && !Array.isArray(j) && j.format === TOKENIZER_FORMAT) {
    if (j.version !== 1) throw new Error(`loadTokenizer: ${where}: saved tokenizer version ${JSON.stringify(j.version)} is not supported (this Trellis reads version 1)`);
    if (j.kind === "char") {
      if (!Array.isArray(j.alphabet)) throw new Error(`loadTokenizer: ${where}: a saved char tokenizer needs "alphabet", an array of characters`);
      return charTokenizer(j.alphabet as string[], { unk: j.unk === true });
    }
    if (j.kind === "huggingface") {
      const special = (j.special ?? {}) as SpecialTokenNames;
      const hfOptions: HuggingFaceTokenizerOptions = { ...special, ...stripUndefined(options), source: where };
      const savedConfig = j.config as Record<string, unknown> | undefined;
      return huggingFaceTokenizer(j.tokenizer, savedConfig !== undefined && options.config === undefined ? { ...hfOptions, config: savedConfig } : hfOptions);
    }
    throw new Error(`loadTokenizer: ${where}: unknown saved tokenizer kind ${JSON.stringify(j.kind)} (known: "char", "huggingface")`);
  }
  return huggingFaceTokenizer(json, { ...stripUndefined(options), ...(config !== undefined ? { config } : {}), source: where });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
