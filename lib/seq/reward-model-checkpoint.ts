/**
 * Checkpoints of reward models: a directory written atomically.
 *
 *   model.json         format, id, head token, counters, the backbone's kind and config
 *   state.safetensors  the backbone's params and Adam's moments
 *   tokenizer.json     the tokenizer
 *   metrics.arrow      the training rows
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { arrowFileBytes } from "../data/arrow-ipc.js";
import { writeDirAtomic, writeFileSynced } from "../run/atomic-dir.js";
import { MetricsLog } from "../run/metrics-log.js";
import { policyFromRecord, policyRecord, type PolicyRecord } from "./policies/policy-record.js";
import { readSafetensors, writeSafetensors, type SafeTensor } from "./policies/safetensors.js";
import { RewardModel } from "./reward-model.js";
import { loadTokenizer } from "./tokenizers/load.js";

export const REWARD_MODEL_FORMAT = "trellis.reward-model";

interface ModelJson {
  format: typeof REWARD_MODEL_FORMAT;
  version: 1;
  id: string;
  headToken: number;
  steps: number;
  adamT: number;
  backbone: PolicyRecord;
}

export async function saveRewardModel(model: RewardModel, dir: string): Promise<void> {
  const state = model.checkpointState();
  const json: ModelJson = { format: REWARD_MODEL_FORMAT, version: 1, id: model.id, headToken: model.headToken, steps: state.steps, adamT: state.adamT, backbone: policyRecord(model.backbone, "rewardModel.save") };
  const tensors = new Map<string, SafeTensor>([
    ["params", { shape: [model.backbone.params.length], data: model.backbone.params }],
    ["adamM", { shape: [state.adamM.length], data: state.adamM }],
    ["adamV", { shape: [state.adamV.length], data: state.adamV }],
  ]);
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileSynced(join(tmp, "model.json"), JSON.stringify(json, null, 1));
    await writeFileSynced(join(tmp, "state.safetensors"), writeSafetensors(tensors));
    await writeFileSynced(join(tmp, "tokenizer.json"), JSON.stringify(model.tokenizer.toJSON()));
    await writeFileSynced(join(tmp, "metrics.arrow"), arrowFileBytes(model.metricsLog.toArrow()));
  });
}

/** Loads a reward model saved by {@link saveRewardModel}: its scores, and training that continues as if it had not stopped. */
export async function loadRewardModel(dir: string): Promise<RewardModel> {
  const path = join(dir, "model.json");
  const text = await readFile(path, "utf8").catch((e: Error) => {
    throw new Error(`${dir}: not a reward model checkpoint (${e.message})`);
  });
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (e) {
    throw new Error(`${path}: not JSON (${(e as Error).message})`);
  }
  if (json?.format !== REWARD_MODEL_FORMAT || json.version !== 1) throw new Error(`${path}: expected format "${REWARD_MODEL_FORMAT}" version 1, got ${JSON.stringify(json?.format)} ${JSON.stringify(json?.version)}`);
  if (typeof json.id !== "string" || json.id.length === 0) throw new Error(`${path}: id: expected a non-empty string, got ${JSON.stringify(json.id)}`);
  try {
    const state = readSafetensors(new Uint8Array(await readFile(join(dir, "state.safetensors"))));
    const arrays = Object.fromEntries([...state.tensors].map(([k, t]) => [k, t.data]));
    for (const name of ["params", "adamM", "adamV"]) if (!(arrays[name] instanceof Float32Array)) throw new Error(`state.safetensors: no float32 "${name}" tensor`);
    const backbone = policyFromRecord(json.backbone, (arrays.params as Float32Array).slice());
    const tokenizer = loadTokenizer(JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8")));
    const model = new RewardModel(backbone, tokenizer, { headToken: json.headToken, id: json.id });
    model.restoreCheckpoint({ steps: json.steps, adamT: json.adamT, adamM: arrays.adamM as Float32Array, adamV: arrays.adamV as Float32Array }, MetricsLog.fromArrow(tableFromIPC(await readFile(join(dir, "metrics.arrow")))));
    return model;
  } catch (e) {
    throw new Error(`${dir}: ${(e as Error).message}`);
  }
}
