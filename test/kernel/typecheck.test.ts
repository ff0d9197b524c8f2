// The cell type checker on its own: what cells declare reaches later cells
// through env slots that keep the program's structure, so TypeScript reuses it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import type TS from "typescript";
import { cellDeclarations } from "../../kernel/cells/declarations.js";
import { CellChecker } from "../../kernel/cells/typecheck.js";

const ts = createRequire(import.meta.url)("typescript") as typeof TS;
const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = mkdtempSync(join(tmpdir(), "trellis-typecheck-"));
writeFileSync(join(dir, "helper.js"), "export default function greet(n) { return n; }\nexport const answer = 42;\n");
writeFileSync(join(dir, "helper.d.ts"), "export default function greet(n: string): string;\nexport declare const answer: number;\nexport interface Shape<T> { size: T }\n");
after(() => rmSync(dir, { recursive: true, force: true }));

const checker = new CellChecker({ dir, paths: { trellis: [join(dist, "lib", "index.d.ts")] }, stableRoots: [join(dist, "lib")], typeRoots: [dirname(dirname(createRequire(import.meta.url).resolve("@types/node/package.json")))] });
const declarationsOf = (code: string) => cellDeclarations(ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS));

/** Checks `code` as the next cell; when it has no errors, records it as run. Returns the error messages. */
function cell(code: string): string[] {
  const d = declarationsOf(code);
  const errors = checker.check(code, d).map((e) => e.message);
  if (errors.length === 0) checker.commit(code, d);
  return errors;
}

const reuse = () => (checker as unknown as { service: TS.LanguageService }).service.getProgram() as unknown as { structureIsReused: number };
/** TypeScript's StructureIsReused.Completely: no file walked again, no module resolved again. */
const COMPLETELY = 2;

test("cells that declare names, import modules already imported and carry import types keep the program's structure: TypeScript reuses it whole", () => {
  assert.deepEqual(cell('import { rl } from "trellis";\nconst b0 = rl.env("CartPole-v1").algo(rl.ppo());'), []);
  for (let i = 1; i <= 20; i++) {
    // More cells than one group of slots: the first cell past it adds files once.
    assert.deepEqual(cell(`import { rl } from "trellis";\nconst b${i} = rl.env("CartPole-v1", { n: ${i} }).algo(rl.ppo());\nconst n${i}: number = b${i}.toConfig().env.n;`), []);
    if (i !== 16) assert.equal(reuse().structureIsReused, COMPLETELY, `cell ${i}`);
  }
  assert.deepEqual(cell("const total: number = n1 + n20;\nconst again = b3.toConfig().algo;"), []);
  assert.equal(reuse().structureIsReused, COMPLETELY);
});

test("what cells declare keeps its meanings through the slots: default, named and namespace imports, generic types, redeclarations", () => {
  assert.deepEqual(cell('import greet, { answer, type Shape } from "./helper.js";\nimport * as path from "node:path";\ninterface Box<T> { inner: T }\ntype Pair<A, B> = [A, B];'), []);
  assert.deepEqual(cell('const s: string = greet("x");\nconst a: number = answer;\nconst shape: Shape<number> = { size: 1 };\nconst box: Box<Shape<string>> = { inner: { size: "s" } };\nconst p: Pair<number, string> = [1, "a"];\nconst base: string = path.basename("/a/b");'), []);
  assert.match(cell("const wrong: number = greet('x');").join(), /Type 'string' is not assignable to type 'number'/);
  assert.match(cell("const bad: Shape<number> = { size: 'no' };").join(), /Type 'string' is not assignable to type 'number'/);
  // Declared again with another type: the new meaning wins, the old slot entry is gone.
  assert.deepEqual(cell('let answer = "text";'), []);
  assert.deepEqual(cell("const upper: string = answer.toUpperCase();"), []);
  assert.match(cell("const stillNumber: number = answer;").join(), /Type 'string' is not assignable to type 'number'/);
  // A class and a function declared, used with their types; a namespace import reaches its members' types.
  assert.deepEqual(cell("class Counter<T> { items: T[] = []; add(t: T) { this.items.push(t); return this; } }\nfunction make() { return new Counter<number>(); }"), []);
  assert.deepEqual(cell("const c: Counter<number> = make().add(1);\nconst parsed: path.ParsedPath = path.parse('/x/y.txt');"), []);
  assert.match(cell("make().add('x');").join(), /not assignable to parameter of type 'number'/);
});
