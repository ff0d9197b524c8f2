// The import rules between lib/, widgets/, kernel/ and native/ (docs/architecture.md),
// checked on the sources: every import, export-from, import-equals, dynamic
// import() and require() of each .ts/.cts/.mts file is parsed with TypeScript's
// parser (not matched by regexes, so code inside strings and comments is not
// mistaken for an import) and judged by `violations` below.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** One module reference of a source file. */
interface Edge {
  /** The importing file, relative to the repository root (posix separators). */
  readonly file: string;
  readonly line: number;
  /** The module specifier as written. */
  readonly specifier: string;
  /** For a relative specifier: the target, relative to the root, extension dropped ("lib/run/display"); else undefined (a package or node: module). */
  readonly target: string | undefined;
  /** Erased at compile time: `import type`, `import { type A, type B }`, `export type … from`, `import("x").T` in a type. */
  readonly typeOnly: boolean;
  /** The statement's first line, for messages. */
  readonly text: string;
}

function stripExtension(path: string): string {
  return path.replace(/\.(?:[cm]?js|[cm]?ts|d\.ts)$/, "");
}

/** The module references of one source file (`file` is relative to the root). */
function moduleEdges(file: string, source: string): Edge[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: Edge[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const spec = specifier.text;
    const target = spec.startsWith(".") ? stripExtension(posix.normalize(posix.join(posix.dirname(file), spec))) : undefined;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    const text = node.getText(sf).split("\n")[0]!.trim();
    edges.push({ file, line, specifier: spec, target, typeOnly, text });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      // `import { type A, type B } from` is erased too; `import {} from` and `import "x"` are kept (side effects).
      const named = clause?.namedBindings;
      const allTypeNames = !!clause && !clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, !!clause && (clause.isTypeOnly || allTypeNames));
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      const allTypeNames = !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, node.isTypeOnly || allTypeNames);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal as ts.Expression, true);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const dynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const requireCall = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if (dynamicImport || requireCall) add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

/**
 * The lib/ modules the kernel imports directly, besides lib/index: its two
 * hooks (setDisplay, setInterruptSource) and VERSION, from their own small
 * modules because importing lib/index.js loads all of Trellis (~0.5 s, tfjs
 * included) before the kernel can answer kernel_info.
 */
const KERNEL_LIB_MODULES: readonly string[] = ["lib/index", "lib/version", "lib/run/display", "lib/run/interrupt"];

const OUR_FOLDERS = ["lib/", "widgets/", "kernel/", "native/"];
const under = (path: string | undefined, folder: string) => path !== undefined && (path + "/").startsWith(folder);

/** What is wrong with each edge, as "file:line: rule — statement" (empty when every edge follows the rules). */
function violations(edges: readonly Edge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const problem = (rule: string) => out.push(`${e.file}:${e.line}: ${rule} — ${e.text}`);
    const t = e.target;
    if (t !== undefined && !OUR_FOLDERS.some((f) => under(t, f))) {
      problem(`imports ${e.specifier}, outside lib/, widgets/, kernel/ and native/ (tests, benchmarks and scripts are not part of the package)`);
      continue;
    }
    if (under(e.file, "widgets/")) {
      if (under(t, "lib/") && !e.typeOnly) problem("widgets/ may import only types from lib/ (use `import type`, or move the value to widgets/shared or widgets/server)");
      if (under(t, "kernel/") || under(t, "native/")) problem("widgets/ imports nothing from kernel/ or native/");
      const browser = under(e.file, "widgets/client/") || under(e.file, "widgets/shared/");
      if (browser && under(t, "widgets/server/")) problem("browser code (widgets/client, widgets/shared) imports nothing from widgets/server");
      if (browser && e.specifier.startsWith("node:")) problem("browser code (widgets/client, widgets/shared) imports no node: modules");
      if (under(e.file, "widgets/shared/") && under(t, "widgets/client/")) problem("widgets/shared imports nothing from widgets/client");
      if (under(e.file, "widgets/shared/") && !e.typeOnly && !under(t, "widgets/shared/")) problem("widgets/shared imports values only from widgets/shared (no packages: the browser bundle and the server both use it)");
    }
    if (under(e.file, "lib/")) {
      if (under(t, "kernel/")) problem("lib/ never imports kernel/ (the kernel installs its hooks through global symbols: lib/run/display.ts, lib/run/interrupt.ts)");
      if (under(t, "widgets/client/")) problem("lib/ imports nothing from widgets/client (browser code)");
    }
    if (under(e.file, "native/") && t !== undefined && !under(t, "native/")) problem("native/ imports nothing of ours outside native/");
    if (under(e.file, "kernel/") && under(t, "lib/") && !KERNEL_LIB_MODULES.includes(t!)) {
      problem(`kernel/ imports lib/ only through ${KERNEL_LIB_MODULES.map((m) => m + ".js").join(", ")}`);
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = posix.join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return /\.[cm]?ts$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

test("layering: widgets/ imports only types from lib/, lib/ never kernel/, kernel/ lib/ through its public modules, native/ only itself", () => {
  const files = ["lib", "widgets", "kernel", "native"].flatMap(sourceFiles);
  const edges = files.flatMap((f) => moduleEdges(f, readFileSync(join(root, f), "utf8")));
  const found = violations(edges);
  assert.deepEqual(found, [], `import rules broken (docs/architecture.md):\n${found.join("\n")}`);
  // Not vacuous: each folder was found and read, and references across them were seen.
  for (const folder of OUR_FOLDERS) assert.ok(files.filter((f) => f.startsWith(folder)).length >= 5, `few source files under ${folder}`);
  assert.ok(edges.length > 300, `only ${edges.length} imports found`);
  assert.ok(edges.some((e) => under(e.file, "lib/") && under(e.target, "widgets/server/") && !e.typeOnly), "no lib/ → widgets/server value import seen");
  assert.ok(edges.some((e) => under(e.file, "kernel/") && e.target === "lib/index"), "no kernel/ → lib/index import seen");
  for (const m of KERNEL_LIB_MODULES) assert.ok(existsSync(join(root, m + ".ts")), `${m}.ts is allowed to the kernel but does not exist`);
});

test("layering: the checker reports what it should and only that", () => {
  const check = (file: string, source: string) => violations(moduleEdges(file, source));
  // widgets → lib: types only.
  assert.deepEqual(check("widgets/server/x.ts", 'import type { A } from "../../lib/a.js";\nimport { type B, type C } from "../../lib/b.js";\nexport type { D } from "../../lib/d.js";\ntype E = import("../../lib/e.js").E;'), []);
  assert.match(check("widgets/server/x.ts", 'import { columnNumbers } from "../../lib/data/column-numbers.js";')[0] ?? "", /^widgets\/server\/x\.ts:1: widgets\/ may import only types from lib\//);
  assert.equal(check("widgets/server/x.ts", 'import { type A, b } from "../../lib/a.js";').length, 1);
  assert.equal(check("widgets/server/x.ts", 'export * from "../../lib/a.js";').length, 1);
  assert.equal(check("widgets/server/x.ts", 'const m = await import("../../lib/a.js");').length, 1);
  assert.equal(check("widgets/server/x.ts", 'const s = "import { x } from \\"../../lib/a.js\\"";\n// import { y } from "../../lib/b.js";').length, 0);
  // Browser code.
  assert.equal(check("widgets/client/x.ts", 'import { Widget } from "../server/widget.js";').length, 1);
  assert.equal(check("widgets/shared/x.ts", 'import { DataType } from "apache-arrow";').length, 1);
  assert.equal(check("widgets/shared/x.ts", 'import { readFileSync } from "node:fs";').length, 2);
  // lib, native, kernel.
  assert.equal(check("lib/run/x.ts", 'import type { Kernel } from "../../kernel/kernel.js";').length, 1);
  assert.deepEqual(check("lib/run/x.ts", 'import { datasetWidget } from "../../widgets/server/dataset.js";\nimport { fmtInt } from "../../widgets/shared/format.js";'), []);
  assert.equal(check("native/x/y.ts", 'import { Rng } from "../../lib/random/rng.js";').length, 1);
  assert.deepEqual(check("native/x/y.ts", 'import { a } from "../index.js";\nimport * as tf from "@tensorflow/tfjs";'), []);
  assert.deepEqual(check("kernel/x.ts", 'import { rl } from "../lib/index.js";\nimport { setDisplay } from "../lib/run/display.js";'), []);
  assert.equal(check("kernel/session/x.ts", 'import { Dataset } from "../../lib/data/dataset.js";').length, 1);
  assert.equal(check("lib/x.ts", 'import { helper } from "../test/helpers/runs.js";').length, 1);
});
