import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "../cells/typescript.cjs";
import { saveCodeCache } from "../cells/typescript-loader.cjs";
import { cellDeclarations } from "../cells/declarations.js";
import { compileCell } from "../cells/transform.js";
import { CellChecker, type CellDiagnostic } from "../cells/typecheck.js";
import type { CellContext } from "./context.js";
import { Executor, type CellError } from "./executor.js";
import { isComplete, type Completeness } from "./is-complete.js";
import { ModuleResolver } from "./resolve.js";

/** What running one cell gave. */
export type CellOutcome = { status: "ok"; value: unknown; hasValue: boolean } | { status: "error"; error: CellError };

export interface SessionOptions {
  /** The notebook's directory (imports, relative paths and type checking start there). */
  readonly dir: string;
  /** Check types before running a cell (default true); a type error stops the cell. */
  readonly typecheck?: boolean;
  /** An interrupt flag shared with another thread (default: the executor's own). */
  readonly interruptFlag?: Int32Array;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The package that holds this kernel: dist/kernel/session → package root. */
const distDir = join(here, "..", "..");
const require = createRequire(import.meta.url);

/** Module aliases of notebooks: Trellis is the kernel's own copy, "tslab" its compatible display API. */
function aliases(): { runtime: Record<string, string>; types: Record<string, string[]> } {
  const file = (rel: string) => join(distDir, rel);
  return {
    runtime: {
      trellis: file("lib/index.js"),
      "trellis/native": file("native/index.js"),
      "trellis/kernel": file("kernel/api.js"),
      tslab: file("kernel/tslab.js"),
    },
    types: {
      trellis: [file("lib/index.d.ts")],
      "trellis/native": [file("native/index.d.ts")],
      "trellis/kernel": [file("kernel/api.d.ts")],
      tslab: [file("kernel/tslab.d.ts")],
    },
  };
}

/** The `@types` folder that holds the kernel's @types/node (cells get Node's globals even where the notebook's project has no @types/node). */
function nodeTypeRoot(): string | undefined {
  try {
    return dirname(dirname(require.resolve("@types/node/package.json")));
  } catch {
    return undefined;
  }
}

/**
 * A notebook's execution state: compiles each cell (TypeScript → script),
 * type checks it against the cells before it, runs it, and answers
 * completion, inspection and is-complete questions about code.
 */
export class Session {
  readonly dir: string;
  readonly executor: Executor;
  private readonly checker: CellChecker | undefined;
  private cells = 0;
  private readonly labels = new Map<string, string>();

  constructor(options: SessionOptions) {
    this.dir = options.dir;
    const a = aliases();
    this.executor = new Executor(new ModuleResolver(options.dir, a.runtime), options.interruptFlag);
    const typeRoot = nodeTypeRoot();
    this.checker = options.typecheck === false ? undefined : new CellChecker({ dir: options.dir, paths: a.types, stableRoots: [join(distDir, "lib"), join(distDir, "native"), join(distDir, "kernel")], ...(typeRoot ? { typeRoots: [typeRoot] } : {}) });
    this.executor.install();
  }

  /** Compiles, checks and runs `code` as cell `label` (e.g. "In[3]"); the cell's output goes to the context. */
  async execute(code: string, label: string, makeContext: (signal: AbortSignal) => CellContext): Promise<CellOutcome> {
    const filename = `trellis-cell-${++this.cells}.js`;
    this.labels.set(filename, label);
    const source = ts.createSourceFile(filename, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const declarations = cellDeclarations(source);
    const compiled = compileCell(code, filename.replace(/\.js$/, ".ts"));
    if (compiled.diagnostics.length) {
      const diagnostics = compiled.diagnostics.map((d): CellDiagnostic => {
        const { line, character } = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0) : { line: 0, character: 0 };
        return { message: ts.flattenDiagnosticMessageText(d.messageText, "\n"), line: line + 1, column: character + 1, code: d.code };
      });
      return { status: "error", error: diagnosticError("SyntaxError", diagnostics, code, label) };
    }
    if (this.checker) {
      const diagnostics = this.checker.check(code, declarations);
      if (diagnostics.length) return { status: "error", error: diagnosticError("TSError", diagnostics, code, label) };
    }
    try {
      const value = await this.executor.run(compiled, filename, makeContext);
      return { status: "ok", value, hasValue: compiled.hasResult && value !== undefined };
    } catch (error) {
      return { status: "error", error: this.executor.formatError(error, (file) => this.labels.get(file)) };
    } finally {
      // What the cell declared is typed for the next cells even when it failed part-way (its assignments may have run).
      this.checker?.commit(code, declarations);
    }
  }

  /**
   * Loads TypeScript's view of Trellis (lib files, @types/node, Trellis's
   * declarations) by checking a typical first cell, so the user's first
   * cell does not pay the ~1.5 s it takes. Nothing is recorded.
   */
  warmUp(): void {
    const code = 'import { rl } from "trellis";\nrl.env("CartPole-v1").algo(rl.ppo());\n';
    this.checker?.check(code, this.declarationsOf(code));
    // After the current request's answer (a kernel's warm-up precedes its kernel_info_reply).
    setImmediate(saveCodeCache);
  }

  /** Completions at `cursor` (code-unit offset) as the next cell would see them. */
  complete(code: string, cursor: number): { matches: string[]; start: number; end: number; kinds: string[] } {
    if (!this.checker) return { matches: [], start: cursor, end: cursor, kinds: [] };
    return this.checker.completions(code, cursor, this.declarationsOf(code));
  }

  /** The signature and docs of the name at `cursor`, or undefined. */
  inspect(code: string, cursor: number): string | undefined {
    return this.checker?.quickInfo(code, cursor, this.declarationsOf(code));
  }

  isComplete(code: string): Completeness {
    return isComplete(code);
  }

  private declarationsOf(code: string) {
    return cellDeclarations(ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS));
  }
}

/** Diagnostics as a cell error: one line per diagnostic, with the source line and a caret under the column. */
function diagnosticError(ename: string, diagnostics: readonly CellDiagnostic[], code: string, label: string): CellError {
  const lines = code.split("\n");
  const traceback = [`${ename}: ${diagnostics.length} error${diagnostics.length > 1 ? "s" : ""} in ${label}`];
  for (const d of diagnostics) {
    traceback.push(`${label}:${d.line}:${d.column} - error TS${d.code}: ${d.message}`);
    const src = lines[d.line - 1];
    if (src !== undefined) traceback.push(`    ${src}`, `    ${" ".repeat(Math.max(0, d.column - 1))}^`);
  }
  const first = diagnostics[0]!;
  return { ename, evalue: `${label}:${first.line}:${first.column} ${first.message}`, traceback };
}
