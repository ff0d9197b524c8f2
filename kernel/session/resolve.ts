import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { dirname, extname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";

/** Conditions of an `import` by Node (the order of preference of package.json "exports"). */
const IMPORT_CONDITIONS = ["node", "import", "default"];

/** Why a module cannot be loaded, with the specifier and where it was looked up. */
export class ModuleNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModuleNotFoundError";
  }
}

/**
 * Resolves the specifiers of notebook imports as Node would for a module in
 * the notebook's directory (builtins, relative files, packages in the
 * node_modules above it, package "exports" with import conditions), after
 * fixed aliases: "trellis" and its subpaths are the kernel's own copy (the
 * one whose display and interrupts the kernel drives), "tslab" is the
 * kernel's tslab-compatible display API.
 */
export class ModuleResolver {
  private readonly require: NodeRequire;

  constructor(
    readonly dir: string,
    private readonly aliases: Readonly<Record<string, string>>,
  ) {
    this.require = createRequire(join(dir, "__trellis_notebook__.js"));
  }

  /** An absolute file path, or the specifier itself for a Node builtin. */
  resolve(specifier: string): string {
    if (isBuiltin(specifier)) return specifier;
    const alias = this.aliases[specifier];
    if (alias) return alias;
    if (specifier.startsWith(".") || isAbsolute(specifier) || specifier.startsWith("file:")) return this.resolveFile(specifier);
    try {
      return this.require.resolve(specifier);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ERR_PACKAGE_PATH_NOT_EXPORTED" && code !== "MODULE_NOT_FOUND") throw error;
      // ESM-only packages export their entry under the "import" condition, which require.resolve does not take.
      const found = this.resolveImportExports(specifier);
      if (found) return found;
      throw new ModuleNotFoundError(`cannot find module ${JSON.stringify(specifier)} from the notebook's directory ${this.dir}: install it there (npm install ${packageName(specifier)})`);
    }
  }

  /** Loads a module as `import(specifier)` would from the notebook's directory. */
  async import(specifier: unknown): Promise<unknown> {
    if (typeof specifier !== "string") throw new TypeError(`import(): expected a module specifier string, got ${typeof specifier}`);
    const target = this.resolve(specifier);
    if (isBuiltin(target)) return import(target);
    const ext = extname(target).toLowerCase();
    if (ext === ".json") return { default: this.require(target) };
    if (ext === ".ts" || ext === ".mts" || ext === ".cts" || ext === ".tsx") {
      throw new ModuleNotFoundError(`${specifier}: importing TypeScript files from a cell is not supported; compile the file to JavaScript (tsc) and import that, or paste its code into a cell`);
    }
    return import(pathToFileURL(target).href);
  }

  /** `import.meta` of notebook code: the notebook's directory. */
  importMeta(): { url: string; dirname: string; filename: string; resolve: (s: string) => string } {
    const filename = join(this.dir, "notebook.ts");
    return { url: pathToFileURL(filename).href, dirname: this.dir, filename, resolve: (s) => { const r = this.resolve(s); return isBuiltin(r) ? r : pathToFileURL(r).href; } };
  }

  private resolveFile(specifier: string): string {
    const path = specifier.startsWith("file:") ? new URL(specifier).pathname : resolvePath(this.dir, specifier);
    for (const candidate of [path, `${path}.js`, `${path}.mjs`, `${path}.cjs`, `${path}.json`, join(path, "index.js")]) {
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
    for (const ts of [`${path}.ts`, join(path, "index.ts")]) if (existsSync(ts)) return ts;
    throw new ModuleNotFoundError(`cannot find ${JSON.stringify(specifier)} (looked for ${path}, with .js/.mjs/.cjs/.json and index.js)`);
  }

  /** Resolves `specifier` through its package's "exports" with Node's import conditions. */
  private resolveImportExports(specifier: string): string | undefined {
    const name = packageName(specifier);
    const subpath = `.${specifier.slice(name.length)}`;
    for (let dir = this.dir; ; dir = dirname(dir)) {
      const pkgDir = join(dir, "node_modules", name);
      const manifest = join(pkgDir, "package.json");
      if (existsSync(manifest)) {
        const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { exports?: unknown; module?: string; main?: string };
        if (pkg.exports !== undefined) {
          const target = exportsTarget(pkg.exports, subpath);
          return target ? join(pkgDir, target) : undefined;
        }
        if (subpath === ".") return join(pkgDir, pkg.module ?? pkg.main ?? "index.js");
        return join(pkgDir, subpath);
      }
      if (dirname(dir) === dir) return undefined;
    }
  }
}

/** "@scope/pkg/sub" → "@scope/pkg"; "pkg/sub" → "pkg". */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** The file a package.json "exports" field maps `subpath` to under Node's import conditions (Node's PACKAGE_EXPORTS_RESOLVE, without the error cases). */
export function exportsTarget(exports: unknown, subpath: string): string | undefined {
  const isSubpathMap = exports !== null && typeof exports === "object" && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith("."));
  if (!isSubpathMap) return subpath === "." ? conditionalTarget(exports, "") : undefined;
  const map = exports as Record<string, unknown>;
  if (subpath in map && !subpath.includes("*")) return conditionalTarget(map[subpath], "");
  // Subpath patterns: "./features/*.js": "./src/features/*.js", the longest matching prefix wins.
  let best: { key: string; match: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      if (!best || prefix.length > best.key.indexOf("*")) best = { key, match: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  return best ? conditionalTarget(map[best.key], best.match) : undefined;
}

function conditionalTarget(target: unknown, match: string): string | undefined {
  if (typeof target === "string") return target.replaceAll("*", match);
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = conditionalTarget(t, match);
      if (r) return r;
    }
    return undefined;
  }
  if (target && typeof target === "object") {
    for (const [condition, value] of Object.entries(target)) {
      if (IMPORT_CONDITIONS.includes(condition)) {
        const r = conditionalTarget(value, match);
        if (r) return r;
      }
    }
  }
  return undefined;
}
