/**
 * Checkpoints of preference runs: everything `train()` needs to continue bit
 * for bit. A directory written atomically:
 *
 *   run.json           format, id, the loss component, the options, counters,
 *                      the data order's state, the policy's and the
 *                      reference's kind and config
 *   state.safetensors  params, the reference's params, Adam's moments
 *   tokenizer.json     the tokenizer
 *   data.arrow         the preference data (pairs or lists)
 *   metrics.arrow      the metrics rows
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { arrowFileBytes, parseArrowIPC } from "../data/arrow-ipc.js";
import { PreferenceData } from "../data/preferences.js";
import { componentFromJSON, type Component } from "../pg/component.js";
import { writeDirAtomic, writeFileSynced } from "../run/atomic-dir.js";
import { MetricsLog } from "../run/metrics-log.js";
import { policyFromRecord, policyRecord, type PolicyRecord } from "./policies/policy-record.js";
import { readSafetensors, writeSafetensors, type SafeTensor } from "./policies/safetensors.js";
import { PreferenceRun } from "./preference-run.js";
import { loadTokenizer } from "./tokenizers/load.js";

export const PREFERENCE_RUN_FORMAT = "trellis.preference-run";

interface RunJson {
  format: typeof PREFERENCE_RUN_FORMAT;
  version: 1;
  id: string;
  loss: unknown;
  policy: PolicyRecord;
  reference: PolicyRecord;
  state: ReturnType<PreferenceRun["checkpointState"]>["json"];
}

export async function savePreferenceRun(run: PreferenceRun, dir: string): Promise<void> {
  if (run.isTraining) throw new Error("run.save: the run is training; await train() (or stop it) first");
  const { json: state, arrays } = run.checkpointState();
  const json: RunJson = { format: PREFERENCE_RUN_FORMAT, version: 1, id: run.id, loss: run.loss, policy: policyRecord(run.policy, "run.save"), reference: policyRecord(run.reference, "run.save"), state };
  const tensors = new Map<string, SafeTensor>(Object.entries(arrays).map(([k, v]) => [k, { shape: [v.length], data: v }]));
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileSynced(join(tmp, "run.json"), JSON.stringify(json, null, 1));
    await writeFileSynced(join(tmp, "state.safetensors"), writeSafetensors(tensors));
    await writeFileSynced(join(tmp, "tokenizer.json"), JSON.stringify(run.tokenizer.toJSON()));
    await writeFileSynced(join(tmp, "data.arrow"), arrowFileBytes(run.data.table));
    await writeFileSynced(join(tmp, "metrics.arrow"), arrowFileBytes(run.metrics));
  });
}

/** Loads a run saved by {@link savePreferenceRun}: `train()` continues it with the numbers an uninterrupted run would give. */
export async function loadPreferenceRun(dir: string): Promise<PreferenceRun> {
  const runJson = join(dir, "run.json");
  const text = await readFile(runJson, "utf8").catch((e: Error) => {
    throw new Error(`${dir}: not a preference run checkpoint (${e.message})`);
  });
  let json: RunJson;
  try {
    json = JSON.parse(text) as RunJson;
  } catch (e) {
    throw new Error(`${runJson}: not JSON (${(e as Error).message})`);
  }
  if (json?.format !== PREFERENCE_RUN_FORMAT || json.version !== 1) throw new Error(`${runJson}: expected format "${PREFERENCE_RUN_FORMAT}" version 1, got ${JSON.stringify(json?.format)} ${JSON.stringify(json?.version)}`);
  if (typeof json.id !== "string" || json.id.length === 0) throw new Error(`${runJson}: id: expected a non-empty string, got ${JSON.stringify(json.id)}`);
  const s = json.state;
  if (s === null || typeof s !== "object" || s.options === null || typeof s.options !== "object") throw new Error(`${runJson}: state: expected { steps, trainSeconds, adamT, order, options }, got ${JSON.stringify(s)?.slice(0, 80)}`);
  try {
    const loss = componentFromJSON(json.loss, "preference") as Component<"preference">;
    const state = readSafetensors(new Uint8Array(await readFile(join(dir, "state.safetensors"))));
    const arrays = Object.fromEntries([...state.tensors].map(([k, t]) => [k, t.data as Float32Array]));
    if (!(arrays.params instanceof Float32Array)) throw new Error(`state.safetensors: no float32 "params" tensor`);
    const policy = policyFromRecord(json.policy, arrays.params.slice());
    const tokenizer = loadTokenizer(JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8")));
    const dataPath = join(dir, "data.arrow");
    const data = PreferenceData.fromTable(parseArrowIPC(await readFile(dataPath), dataPath), { source: dataPath });
    const { lr, batch, maxGradNorm, seed } = s.options;
    if (!(arrays.referenceParams instanceof Float32Array)) throw new Error(`state.safetensors: no float32 "referenceParams" tensor`);
    const reference = policyFromRecord(json.reference, arrays.referenceParams.slice());
    const run = new PreferenceRun(data, { policy, tokenizer, loss, reference, id: json.id, ...(lr !== undefined ? { lr } : {}), ...(batch !== undefined ? { batch } : {}), ...(maxGradNorm !== undefined ? { maxGradNorm } : {}), ...(seed !== undefined ? { seed } : {}) });
    run.restoreCheckpoint(s, arrays, MetricsLog.fromArrow(tableFromIPC(await readFile(join(dir, "metrics.arrow")))));
    return run;
  } catch (e) {
    throw new Error(`${dir}: ${(e as Error).message}`);
  }
}
