// Rewrites the generated part of docs/components.md from the component declarations (run after `npx tsc`).
import { readFile, writeFile } from "node:fs/promises";
import { componentsReference, GENERATED_BEGIN, GENERATED_END } from "../dist/lib/pg/components-doc.js";
import "../dist/lib/pg/index.js";

const path = new URL("../docs/components.md", import.meta.url);
const text = await readFile(path, "utf8");
const a = text.indexOf(GENERATED_BEGIN);
const b = text.indexOf(GENERATED_END);
if (a < 0 || b < a) throw new Error("docs/components.md lacks the generated-part markers");
await writeFile(path, text.slice(0, a + GENERATED_BEGIN.length) + "\n\n" + componentsReference() + "\n" + text.slice(b));
console.log("docs/components.md: generated part rewritten");
