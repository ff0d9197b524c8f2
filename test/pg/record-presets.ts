// Writes test/fixtures/pg-presets.json: `node dist/test/pg/record-presets.js` (run once, on the commit before the engine).
import { writeFile } from "node:fs/promises";
import { PRESET_CASES, recordCase, type PresetRecord } from "./preset-cases.js";

const out: Record<string, PresetRecord> = {};
for (const c of PRESET_CASES) {
  const t0 = performance.now();
  out[c.name] = await recordCase(c);
  console.error(`${c.name}: ${Object.values(out[c.name]!.metrics)[0]?.length} rows, ${Math.round(performance.now() - t0)} ms`);
}
await writeFile(new URL("../../../test/fixtures/pg-presets.json", import.meta.url), JSON.stringify(out, null, 1) + "\n");
