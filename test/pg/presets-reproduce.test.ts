import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { PRESET_CASES, recordCase, type PresetRecord } from "./preset-cases.js";

// Recorded from the algorithm classes before the engine (commit 197d3f4) by `record-presets.ts`.
const recorded = JSON.parse(await readFile(new URL("../../../test/fixtures/pg-presets.json", import.meta.url), "utf8")) as Record<string, PresetRecord>;

test("the recorded fixture covers every case", () => {
  assert.deepEqual(Object.keys(recorded).sort(), PRESET_CASES.map((c) => c.name).sort());
});

for (const c of PRESET_CASES) {
  test(`${c.name}: metrics and final parameters bit for bit as recorded`, async () => {
    const now = await recordCase(c);
    const before = recorded[c.name]!;
    // The engine reports the learning rate of every method (REINFORCE did not); nothing recorded may go missing.
    const added = Object.keys(now.metrics).filter((k) => !(k in before.metrics));
    assert.deepEqual(added, c.name.startsWith("reinforce") ? ["learningRate"] : [], "metrics the engine adds");
    for (const [name, values] of Object.entries(before.metrics)) assert.deepEqual(now.metrics[name], values, `metric ${name}`);
    assert.equal(now.params, before.params, "SHA-256 of the final parameters");
  });
}
