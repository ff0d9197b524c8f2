import { dirname, join } from "node:path";
import ts from "./typescript.cjs";
import type { CellDeclarations } from "./declarations.js";
import { CellEnv } from "./env.js";

/** A type or syntax error of a cell, in the cell's coordinates (1-based line and column). */
export interface CellDiagnostic {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly code: number;
}

export interface CellCheckerOptions {
  /** The notebook's directory: relative imports and node_modules resolve from here. */
  readonly dir: string;
  /** Module names mapped to declaration files (e.g. "trellis" → the kernel's own copy). */
  readonly paths?: Record<string, string[]>;
  /** Directories holding type packages (`@types` folders) that every cell sees (e.g. the one with @types/node). */
  readonly typeRoots?: readonly string[];
  /** Directories whose files do not change during the session (beyond node_modules and TypeScript's libs), e.g. the kernel's own package. */
  readonly stableRoots?: readonly string[];
}

/** Globals the kernel gives every cell (see `Executor.install`). */
const KERNEL_GLOBALS = `declare global {
  /** Shows values below the cell: display(x), display.html("<b>hi</b>"), display.png(bytes), … */
  const display: import("trellis/kernel").Display;
  /** Clears the cell's output (wait: only when new output arrives). */
  function clearOutput(wait?: boolean): void;
  /** Asks the notebook user for a line of text. */
  function input(prompt?: string, options?: { password?: boolean }): Promise<string>;
}
export {};
`;

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2023.d.ts"],
  types: ["node"],
  strict: true,
  // Notebook code is exploratory: an untyped parameter is not worth stopping a cell for.
  noImplicitAny: false,
  esModuleInterop: true,
  allowSyntheticDefaultImports: true,
  resolveJsonModule: true,
  allowJs: true,
  skipLibCheck: true,
  declaration: true,
  emitDeclarationOnly: true,
  noEmitOnError: false,
};

/**
 * Type checks notebook cells with TypeScript's language service, cell after
 * cell. Each cell is a module file in the notebook's directory; what earlier
 * cells declared reaches it as globals: when a cell has run, its declaration
 * emit (`.d.ts`) goes into an env slot whose `declare global` block holds its
 * names (imports as `export import x = __modules.m0.x` aliases, which keep
 * every meaning and type parameter; see env.ts). A name declared again drops
 * out of older slots, so a later `let x = "a"` replaces an earlier
 * `let x = 1` without a conflict.
 */
export class CellChecker {
  private readonly dir: string;
  private readonly options: ts.CompilerOptions;
  private readonly cellPath: string;
  private readonly globalsPath: string;
  private cellText = "";
  private cellVersion = 0;
  private readonly env: CellEnv;
  private readonly service: ts.LanguageService;
  private readonly files = new Map<string, { version: string; snapshot: ts.IScriptSnapshot }>();
  private readonly answers = new Map<string, unknown>();
  private readonly libDir = dirname(ts.getDefaultLibFilePath({}));
  private readonly stableRoots: readonly string[];
  /**
   * Module and type-reference resolutions asked by files that do not change
   * (node_modules, TypeScript's libs, the kernel's package), kept across
   * programs: each cell that declares something builds a new program, and
   * resolving the imports of its ~400 declaration files again (package.json
   * files read and parsed included) was a third of a typed cell's time.
   * Resolutions from the notebook's own files are made fresh, so a module
   * created or installed during the session is found.
   */
  private readonly stableModules: ts.ModuleResolutionCache;
  private readonly stableTypeReferences: ts.TypeReferenceDirectiveResolutionCache;
  /** Their results by containing file, name and mode (the caches above still cost a path normalization per question). */
  private readonly resolutions = new Map<string, unknown>();

  constructor(options: CellCheckerOptions) {
    this.dir = options.dir;
    this.stableRoots = options.stableRoots ?? [];
    this.cellPath = join(options.dir, "__trellis_cell__.ts");
    this.globalsPath = join(options.dir, "__trellis_globals__.d.ts");
    this.env = new CellEnv(options.dir);
    this.options = {
      ...COMPILER_OPTIONS,
      ...(options.paths ? { paths: options.paths } : {}),
      ...(options.typeRoots ? { typeRoots: [...options.typeRoots] } : {}),
    };
    const canonical = (f: string) => (ts.sys.useCaseSensitiveFileNames ? f : f.toLowerCase());
    this.stableModules = ts.createModuleResolutionCache(this.dir, canonical, this.options);
    this.stableTypeReferences = ts.createTypeReferenceDirectiveResolutionCache(this.dir, canonical, this.options, this.stableModules.getPackageJsonInfoCache());
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => [this.globalsPath, ...this.env.paths(), this.cellPath],
      getScriptVersion: (path) => {
        if (path === this.cellPath) return String(this.cellVersion);
        if (path === this.env.modulesPath) return String(this.env.modulesVersion);
        const slot = this.env.slot(path);
        return slot ? String(slot.version) : (this.realFile(path)?.version ?? "0");
      },
      getScriptSnapshot: (path) => {
        const text = this.virtualText(path);
        return text !== undefined ? ts.ScriptSnapshot.fromString(text) : this.realFile(path)?.snapshot;
      },
      getCurrentDirectory: () => this.dir,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (path) => this.virtualText(path) !== undefined || this.cached("file", path, ts.sys.fileExists),
      readFile: (path, encoding) => this.virtualText(path) ?? this.cached("read", path, (p) => ts.sys.readFile(p, encoding)),
      readDirectory: ts.sys.readDirectory,
      directoryExists: (path) => this.cached("dir", path, ts.sys.directoryExists),
      getDirectories: ts.sys.getDirectories,
      realpath: (path) => this.cached("real", path, ts.sys.realpath!),
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
      // Its package.json lookups (also asked for every file's module format) are kept with it.
      getModuleResolutionCache: () => this.stableModules,
      resolveModuleNameLiterals: (literals, containingFile, redirected, options, containingSourceFile) =>
        literals.map((literal) => {
          const mode = ts.getModeForUsageLocation(containingSourceFile, literal, options);
          return this.resolution(`m\0${containingFile}\0${literal.text}\0${mode}`, containingFile, (cache) => ts.resolveModuleName(literal.text, containingFile, options, host, cache ? this.stableModules : undefined, redirected, mode));
        }),
      resolveTypeReferenceDirectiveReferences: (references, containingFile, redirected, options, containingSourceFile) =>
        references.map((reference) => {
          const name = typeof reference === "string" ? reference : reference.fileName.toLowerCase();
          const mode = typeof reference === "string" || !containingSourceFile ? undefined : ts.getModeForFileReference(reference, containingSourceFile.impliedNodeFormat);
          return this.resolution(`t\0${containingFile}\0${name}\0${mode}`, containingFile, (cache) => ts.resolveTypeReferenceDirective(name, containingFile, options, host, redirected, cache ? this.stableTypeReferences : undefined, mode));
        }),
    } as ts.LanguageServiceHost & { getModuleResolutionCache(): ts.ModuleResolutionCache };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /**
   * A file on disk as the language service sees it. The service asks for
   * every file's snapshot on every check: reading ~1000 declaration files
   * each time costs tens of milliseconds, so snapshots are kept, and only
   * files outside node_modules and TypeScript's libs are checked for changes
   * (their modification time is their version).
   */
  private realFile(path: string): { version: string; snapshot: ts.IScriptSnapshot } | undefined {
    const cached = this.files.get(path);
    const stable = this.isStable(path);
    if (cached && stable) return cached;
    const mtime = ts.sys.getModifiedTime?.(path)?.getTime();
    if (cached && cached.version === String(mtime)) return cached;
    const text = ts.sys.readFile(path);
    if (text === undefined) {
      this.files.delete(path);
      return undefined;
    }
    const entry = { version: String(mtime ?? 0), snapshot: ts.ScriptSnapshot.fromString(text) };
    this.files.set(path, entry);
    return entry;
  }

  /** Files that do not change while the kernel runs: installed packages, TypeScript's libs, the kernel's own package. */
  private isStable(path: string): boolean {
    return path.includes("/node_modules/") || path.startsWith(this.libDir) || this.stableRoots.some((r) => path.startsWith(r));
  }

  /** A resolution asked by `containingFile`: remembered for files that do not change, made fresh for the notebook's own. */
  private resolution<R>(key: string, containingFile: string, resolve: (cache: boolean) => R): R {
    if (!this.isStable(containingFile)) return resolve(false);
    // Unresolved answers are kept too: most are Node's ambient modules ("stream", "node:url"), which @types/node
    // declares without a file; a package's own declarations do not start importing a package installed later.
    let r = this.resolutions.get(key) as R | undefined;
    if (r === undefined) this.resolutions.set(key, (r = resolve(true)));
    return r;
  }

  /**
   * Answers about node_modules and TypeScript's libs, remembered (module
   * resolution asks the same thousands of times per check). Only what exists
   * is remembered: a package installed during the session is found.
   */
  private cached<T>(kind: string, path: string, ask: (path: string) => T): T {
    if (!this.isStable(path)) return ask(path);
    const key = `${kind}:${path}`;
    if (this.answers.has(key)) return this.answers.get(key) as T;
    const answer = ask(path);
    if (answer !== false && answer !== undefined) this.answers.set(key, answer);
    return answer;
  }

  private virtualText(path: string): string | undefined {
    if (path === this.cellPath) return this.cellText;
    if (path === this.globalsPath) return KERNEL_GLOBALS;
    return this.env.text(path);
  }

  private setCell(source: string, declarations?: CellDeclarations): void {
    // Exporting every top-level name makes the declaration emit describe all of them; a cell without
    // imports or exports also becomes a module this way, so its names stay out of the global scope.
    const names = declarations ? [...declarations.values.filter((n) => !declarations.imports.some((i) => i.local === n)), ...declarations.types] : [];
    const text = `${source}\n;export { ${names.join(", ")} };\n`;
    // The same text (a cell run again) keeps its version: the service then reuses its program and diagnostics.
    if (text === this.cellText) return;
    this.cellText = text;
    this.cellVersion++;
  }

  /** Syntax and type errors of `source` as the next cell (nothing is recorded). */
  check(source: string, declarations: CellDeclarations): CellDiagnostic[] {
    this.setCell(source, declarations);
    const limit = source.length;
    const diagnostics = [...this.service.getSyntacticDiagnostics(this.cellPath), ...this.service.getSemanticDiagnostics(this.cellPath)];
    return diagnostics
      .filter((d) => d.category === ts.DiagnosticCategory.Error && (d.start ?? 0) <= limit)
      .map((d) => {
        const file = d.file ?? this.service.getProgram()!.getSourceFile(this.cellPath)!;
        const { line, character } = file.getLineAndCharacterOfPosition(d.start ?? 0);
        return { message: ts.flattenDiagnosticMessageText(d.messageText, "\n"), line: line + 1, column: character + 1, code: d.code };
      });
  }

  /**
   * Records a cell that ran: its names become globals of the cells after it,
   * replacing earlier declarations of the same names.
   */
  commit(source: string, declarations: CellDeclarations): void {
    const names = new Set([...declarations.values, ...declarations.types]);
    if (names.size === 0) return;
    this.setCell(source, declarations);
    // The cell's declarations from the program that checked it, before older env files change (which would build another).
    const dts = this.service.getEmitOutput(this.cellPath, true, true).outputFiles.find((f) => f.name.endsWith(".d.ts"))?.text ?? "";
    const defaults = this.defaultImportMeanings();
    this.env.forget(names);
    this.env.add(dts, declarations, defaults);
  }

  /** Whether each default import of the current cell names a value, a type, or both (an alias can only name namespaces). */
  private defaultImportMeanings(): Map<string, { value: boolean; type: boolean }> {
    const out = new Map<string, { value: boolean; type: boolean }>();
    const program = this.service.getProgram();
    const file = program?.getSourceFile(this.cellPath);
    if (!program || !file) return out;
    const checker = program.getTypeChecker();
    for (const statement of file.statements) {
      const name = ts.isImportDeclaration(statement) ? statement.importClause?.name : undefined;
      if (!name) continue;
      const symbol = checker.getSymbolAtLocation(name);
      const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const flags = target?.flags ?? ts.SymbolFlags.Value;
      out.set(name.text, { value: (flags & ts.SymbolFlags.Value) !== 0 || (flags & ts.SymbolFlags.Alias) !== 0, type: (flags & ts.SymbolFlags.Type) !== 0 });
    }
    return out;
  }

  /** Completions at `cursor` in `source` (as the next cell): names, the span they replace, and their kinds. */
  completions(source: string, cursor: number, declarations: CellDeclarations): { matches: string[]; start: number; end: number; kinds: string[] } {
    this.setCell(source, declarations);
    const info = this.service.getCompletionsAtPosition(this.cellPath, cursor, { includeCompletionsWithInsertText: true, includeCompletionsForModuleExports: false });
    let start = cursor;
    while (start > 0 && /[\w$]/.test(source[start - 1]!)) start--;
    let end = cursor;
    while (end < source.length && /[\w$]/.test(source[end]!)) end++;
    const prefix = source.slice(start, cursor);
    const entries = (info?.entries ?? []).filter((e) => e.name.startsWith(prefix) && !e.name.startsWith("__trellis")).sort((a, b) => (a.sortText === b.sortText ? a.name.localeCompare(b.name) : a.sortText < b.sortText ? -1 : 1));
    return { matches: entries.map((e) => e.name), start, end, kinds: entries.map((e) => e.kind) };
  }

  /** The signature and documentation of the name at `cursor`, as TypeScript's hover shows them. */
  quickInfo(source: string, cursor: number, declarations: CellDeclarations): string | undefined {
    this.setCell(source, declarations);
    const at = Math.max(0, Math.min(cursor, source.length) - (cursor > 0 && !/[\w$]/.test(source[cursor] ?? "") ? 1 : 0));
    const info = this.service.getQuickInfoAtPosition(this.cellPath, at);
    if (!info) return undefined;
    const signature = ts.displayPartsToString(info.displayParts);
    const docs = ts.displayPartsToString(info.documentation);
    const tags = (info.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text)}`.trim());
    return [signature, docs, ...tags].filter(Boolean).join("\n\n");
  }
}
