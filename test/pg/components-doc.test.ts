import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { componentsReference, GENERATED_BEGIN, GENERATED_END } from "../../lib/pg/components-doc.js";
import { componentTypes } from "../../lib/pg/index.js";
import { SLOT_NAMESPACE } from "../../lib/pg/component.js";

test("docs/components.md carries the reference generated from the declarations (run scripts/components-doc.mjs after changing a component)", async () => {
  const text = await readFile(new URL("../../../docs/components.md", import.meta.url), "utf8");
  const a = text.indexOf(GENERATED_BEGIN);
  const b = text.indexOf(GENERATED_END);
  assert.ok(a >= 0 && b > a, "the generated part's markers");
  assert.equal(text.slice(a + GENERATED_BEGIN.length, b).trim(), componentsReference().trim());
  for (const t of componentTypes()) assert.ok(text.includes(`rl.${SLOT_NAMESPACE[t.slot]}.${t.kind}(`), `${t.slot} ${t.kind} is documented`);
});
