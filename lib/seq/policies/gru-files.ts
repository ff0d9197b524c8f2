import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gruConfig, type GruConfig } from "./gru-config.js";
import { gruLayout } from "./gru-layout.js";
import { GruPolicy } from "./gru.js";
import { readSafetensors, writeSafetensors, type SafeTensor } from "./safetensors.js";

/**
 * GRU policy checkpoints: a folder with `model.safetensors` (F32 tensors under
 * the names of a torch module with `embedding = nn.Embedding(V, E)`,
 * `gru = nn.GRU(E, H, num_layers, batch_first=True)`, `head = nn.Linear(H, V)`,
 * see {@link gruLayout}; a tied head stores no `head.weight`) and
 * `config.json`, Trellis's own format:
 *
 *     model_type      "trellis-gru"
 *     vocab_size      V
 *     embedding_size  E (nn.GRU's input_size)
 *     hidden_size     H
 *     num_layers      stacked GRU layers
 *     tie_head        true: head.weight is embedding.weight (needs E = H)
 *     max_positions   the longest sequence, or null for no bound
 *     torch_dtype     "float32" (optional)
 */
export interface GruFiles {
  /** config.json's object. */
  config: Record<string, unknown>;
  /** model.safetensors's bytes. */
  safetensors: Uint8Array;
}

export const GRU_MODEL_TYPE = "trellis-gru";
const JSON_KEYS = new Set(["model_type", "vocab_size", "embedding_size", "hidden_size", "num_layers", "tie_head", "max_positions", "torch_dtype"]);

/** config.json for `config`. */
export function gruConfigJson(config: GruConfig): Record<string, unknown> {
  return {
    model_type: GRU_MODEL_TYPE,
    vocab_size: config.vocabSize,
    embedding_size: config.embedSize,
    hidden_size: config.hiddenSize,
    num_layers: config.layers,
    tie_head: config.tieHead,
    max_positions: config.context === Infinity ? null : config.context,
    torch_dtype: "float32",
  };
}

/** Our config from a config.json object; a missing, mistyped or unknown field is a RangeError naming it. */
export function configFromGruJson(json: unknown): GruConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new RangeError(`GRU config.json: expected a JSON object, got ${JSON.stringify(json)}`);
  const o = json as Record<string, unknown>;
  if (o.model_type !== GRU_MODEL_TYPE) throw new RangeError(`GRU config.json: model_type must be ${JSON.stringify(GRU_MODEL_TYPE)}, got ${JSON.stringify(o.model_type)}`);
  for (const key of Object.keys(o)) {
    if (!JSON_KEYS.has(key)) throw new RangeError(`GRU config.json: unknown field ${JSON.stringify(key)} (known: ${[...JSON_KEYS].join(", ")})`);
  }
  const int = (key: string): number => {
    const v = o[key];
    if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`GRU config.json: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  if (typeof o.tie_head !== "boolean") throw new RangeError(`GRU config.json: tie_head must be true or false, got ${JSON.stringify(o.tie_head)}`);
  if (o.torch_dtype !== undefined && o.torch_dtype !== "float32") throw new RangeError(`GRU config.json: torch_dtype must be "float32", got ${JSON.stringify(o.torch_dtype)}`);
  return gruConfig({
    vocabSize: int("vocab_size"),
    embedSize: int("embedding_size"),
    hiddenSize: int("hidden_size"),
    layers: int("num_layers"),
    tieHead: o.tie_head,
    context: o.max_positions === null ? Infinity : int("max_positions"),
  });
}

/** The checkpoint of `policy` in memory. */
export function toGruFiles(policy: GruPolicy): GruFiles {
  const tensors = new Map<string, SafeTensor>();
  for (const [name, { shape }] of policy.layout.slots) tensors.set(name, { shape: [...shape], data: policy.param(name).slice() });
  return { config: gruConfigJson(policy.config), safetensors: writeSafetensors(tensors, { format: "pt" }) };
}

/**
 * A policy from a checkpoint in memory. A missing, misshapen or unknown
 * tensor is a RangeError naming it; with a tied head a `head.weight` may be
 * present only when it equals `embedding.weight` (as torch's state_dict of a
 * tied module has it).
 */
export function fromGruFiles(files: GruFiles): GruPolicy {
  const config = configFromGruJson(files.config);
  const { tensors } = readSafetensors(files.safetensors);
  const layout = gruLayout(config);
  const params = new Float32Array(layout.size);
  const seen = new Set<string>();
  for (const [name, tensor] of tensors) {
    if (name === "head.weight" && config.tieHead) continue; // checked against the embedding below
    const slot = layout.slots.get(name);
    if (slot === undefined) throw new RangeError(`GRU checkpoint: unexpected tensor ${JSON.stringify(name)} for this config (expected: ${[...layout.slots.keys()].join(", ")})`);
    checkShape(name, tensor.shape, slot.shape);
    params.set(tensor.data, slot.offset);
    seen.add(name);
  }
  const missing = [...layout.slots.keys()].filter((n) => !seen.has(n));
  if (missing.length > 0) throw new RangeError(`GRU checkpoint: missing tensors ${missing.join(", ")}`);
  const head = tensors.get("head.weight");
  if (config.tieHead && head !== undefined) {
    const embedding = tensors.get("embedding.weight")!;
    checkShape("head.weight", head.shape, embedding.shape);
    if (head.data.some((v, i) => !Object.is(v, embedding.data[i]))) {
      throw new RangeError("GRU checkpoint: tie_head is true but head.weight differs from embedding.weight");
    }
  }
  return new GruPolicy(config, params);
}

function checkShape(name: string, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new RangeError(`GRU checkpoint: ${name} has shape [${got}], expected [${want}]`);
  }
}

/** Writes `dir/config.json` and `dir/model.safetensors` (creating `dir`). */
export function saveGru(policy: GruPolicy, dir: string): void {
  const { config, safetensors } = toGruFiles(policy);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  writeFileSync(join(dir, "model.safetensors"), safetensors);
}

/** Reads a folder written by {@link saveGru} (or by torch in the same naming); config.json that is not JSON is a RangeError. */
export function loadGru(dir: string): GruPolicy {
  const text = readFileSync(join(dir, "config.json"), "utf8");
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw new RangeError(`GRU config.json in ${dir} is not valid JSON (${(e as Error).message})`);
  }
  return fromGruFiles({ config: config as Record<string, unknown>, safetensors: new Uint8Array(readFileSync(join(dir, "model.safetensors"))) });
}
