import { join } from "node:path";
import ts from "./typescript.cjs";
import type { CellDeclarations } from "./declarations.js";

/**
 * What earlier cells left for the cells after them, as declaration files the
 * type checker reads: one module file of every module the cells imported
 * (each once, as a namespace, plus its default export where a cell took it),
 * and a fixed set of "env" slots, each holding one cell's declarations in a
 * `declare global` block. An env slot reaches modules only through
 * `import * as __modules from "./__trellis_modules__"`, the same import in
 * every slot, full or empty: committing a cell then changes the text of a
 * slot, not the program's files or any file's imports, so TypeScript reuses
 * the whole program structure for the next cell instead of walking its ~400
 * declaration files again (a third of a typed cell's check).
 */

/** One declaration of an earlier cell in the global scope of the cells after it. */
export interface GlobalEntry {
  readonly names: readonly string[];
  readonly text: string;
}

/** One slot: a committed cell's module-level aliases and its global declarations; free when it has no entries. */
export interface EnvSlot {
  readonly path: string;
  aliases: readonly string[];
  entries: GlobalEntry[];
  version: number;
}

/** Module name the env slots import the module file by (it is in the notebook's directory, next to them). */
const MODULES = "__trellis_modules__";
const MODULES_IMPORT = `import * as __modules from "./${MODULES}";`;
/** Slots made at once, and again whenever all are taken (a new file changes the program's structure once). */
const SLOTS_PER_GROWTH = 16;

/** The modules cells imported, and the env slots. */
export class CellEnv {
  readonly modulesPath: string;
  modulesVersion = 0;
  readonly slots: EnvSlot[] = [];
  private readonly specifiers: string[] = [];
  private readonly withDefault = new Set<number>();

  constructor(private readonly dir: string) {
    this.modulesPath = join(dir, `${MODULES}.d.ts`);
    this.grow();
  }

  /** The files of the program besides the cell: the module file, then every slot. */
  paths(): string[] {
    return [this.modulesPath, ...this.slots.map((s) => s.path)];
  }

  slot(path: string): EnvSlot | undefined {
    return this.slots.find((s) => s.path === path);
  }

  /** The text of the module file or a slot at `path`, or undefined for other paths. */
  text(path: string): string | undefined {
    if (path === this.modulesPath) return this.modulesText();
    const slot = this.slot(path);
    if (!slot) return undefined;
    // An empty slot has the same import and the same (empty) global augmentation as a full one: TypeScript
    // compares both when it decides whether a changed file changes the program's structure.
    if (slot.entries.length === 0) return `${MODULES_IMPORT}\ndeclare global {}\nexport {};\n`;
    return [MODULES_IMPORT, ...slot.aliases, "declare global {", ...slot.entries.map((e) => e.text), "}", "export {};", ""].join("\n");
  }

  /** Drops `names` from every slot (a cell declared them again): those slots change, a slot left empty is free. */
  forget(names: ReadonlySet<string>): void {
    for (const s of this.slots) {
      const kept = s.entries.filter((entry) => !entry.names.some((n) => names.has(n)));
      if (kept.length === s.entries.length) continue;
      s.entries = kept;
      if (kept.length === 0) s.aliases = [];
      s.version++;
    }
  }

  /** Records a cell's declaration emit `dts` in a free slot (see {@link envFromDeclarations}). */
  add(dts: string, declarations: CellDeclarations, defaults: Map<string, { value: boolean; type: boolean }>): void {
    const { aliases, entries } = envFromDeclarations(dts, declarations, defaults, (spec, needsDefault) => this.module(spec, needsDefault));
    if (entries.length === 0) return;
    const slot = this.slots.find((s) => s.entries.length === 0) ?? this.grow();
    slot.aliases = aliases;
    slot.entries = entries;
    slot.version++;
  }

  /** The namespace by which slots reach `specifier` (`__modules.m3`), recording it (and its default export) when new. */
  private module(specifier: string, needsDefault: boolean): string {
    let k = this.specifiers.indexOf(specifier);
    if (k < 0) {
      k = this.specifiers.push(specifier) - 1;
      this.modulesVersion++;
    }
    if (needsDefault && !this.withDefault.has(k)) {
      this.withDefault.add(k);
      this.modulesVersion++;
    }
    return `__modules.m${k}`;
  }

  private modulesText(): string {
    const lines: string[] = [];
    const names: string[] = [];
    this.specifiers.forEach((spec, k) => {
      lines.push(`import * as m${k} from ${JSON.stringify(spec)};`);
      names.push(`m${k}`);
      if (this.withDefault.has(k)) {
        lines.push(`import m${k}_default from ${JSON.stringify(spec)};`);
        names.push(`m${k}_default`);
      }
    });
    return [...lines, `export { ${names.join(", ")} };`, ""].join("\n");
  }

  private grow(): EnvSlot {
    const first = this.slots.length;
    for (let i = 0; i < SLOTS_PER_GROWTH; i++) this.slots.push({ path: join(this.dir, `__trellis_env_${first + i}__.d.ts`), aliases: [], entries: [], version: 0 });
    return this.slots[first]!;
  }
}

const printer = ts.createPrinter({ removeComments: false });

/** `namespace` of a module: given a specifier, the expression slots reach it by (and whether its default export is needed). */
type ModuleNamespace = (specifier: string, needsDefault: boolean) => string;

/**
 * Turns one cell's declaration emit into a slot's content: its imports
 * become module-level aliases into the module file (`import x =
 * __modules.m0.x`), its declarations move into `declare global`, and the
 * cell's own imports become global aliases, which keep the value, the type
 * and the namespace meaning of what they name.
 */
export function envFromDeclarations(dts: string, declarations: CellDeclarations, defaults: Map<string, { value: boolean; type: boolean }>, namespace: ModuleNamespace): { aliases: string[]; entries: GlobalEntry[] } {
  const file = throughModules(ts.createSourceFile("env.d.ts", dts, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS), namespace);
  const aliases: string[] = [];
  const entries: GlobalEntry[] = [];
  const imported = new Set(declarations.imports.map((i) => i.local));
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      aliases.push(...aliasesOf(statement, namespace));
    } else if (ts.isImportEqualsDeclaration(statement)) {
      const ref = statement.moduleReference;
      if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression)) aliases.push(`import ${statement.name.text} = ${namespace(ref.expression.text, false)};`);
      else aliases.push(printer.printNode(ts.EmitHint.Unspecified, statement, file));
    } else if (ts.isExportDeclaration(statement) || ts.isExportAssignment(statement)) {
      continue;
    } else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        const names = bindingNamesOf(d.name);
        if (names.some((n) => imported.has(n))) continue;
        const keyword = statement.declarationList.flags & ts.NodeFlags.Const ? "const" : statement.declarationList.flags & ts.NodeFlags.Let ? "let" : "var";
        entries.push({ names, text: `${keyword} ${printer.printNode(ts.EmitHint.Unspecified, d, file)};` });
      }
    } else {
      const name = (statement as ts.DeclarationStatement).name;
      if (!name || !ts.isIdentifier(name) || imported.has(name.text)) continue;
      entries.push({ names: [name.text], text: printer.printNode(ts.EmitHint.Unspecified, withoutDeclare(statement), file) });
    }
  }
  for (const i of declarations.imports) {
    if (i.imported === "default") {
      // `default` cannot be named in an alias: the module file binds it; the global declares its value and type meanings.
      const binding = `${namespace(i.module, true)}_default`;
      const meaning = defaults.get(i.local) ?? { value: true, type: false };
      const parts = [meaning.value ? `const ${i.local}: typeof ${binding};` : "", meaning.type ? `type ${i.local} = ${binding};` : ""].filter(Boolean);
      entries.push({ names: [i.local], text: parts.join(" ") });
      continue;
    }
    const ns = namespace(i.module, false);
    entries.push({ names: [i.local], text: `export import ${i.local} = ${i.imported === "*" ? ns : `${ns}.${i.imported}`};` });
  }
  return { aliases, entries };
}

/**
 * The declaration emit with its import types (`import("trellis").RunBuilder<true>`, which
 * the emit writes for types the cell did not import) turned into references through the
 * module file (`__modules.m0.RunBuilder<true>`): an import type is an import of the file
 * that holds it, and the slots must keep the same imports.
 */
function throughModules(file: ts.SourceFile, namespace: ModuleNamespace): ts.SourceFile {
  const f = ts.factory;
  const entity = (root: string, qualifier: ts.EntityName | undefined): ts.EntityName => {
    const parts = [...root.split("."), ...(qualifier ? entityParts(qualifier) : [])];
    return parts.slice(1).reduce<ts.EntityName>((left, name) => f.createQualifiedName(left, name), f.createIdentifier(parts[0]!));
  };
  const visit = (node: ts.Node, context: ts.TransformationContext): ts.Node => {
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      const root = namespace(node.argument.literal.text, false);
      const typeArguments = node.typeArguments?.map((t) => visit(t, context) as ts.TypeNode);
      // `import("m")` as a type is the module's namespace: `typeof` it.
      if (node.isTypeOf || !node.qualifier) return f.createTypeQueryNode(entity(root, node.qualifier), typeArguments);
      return f.createTypeReferenceNode(entity(root, node.qualifier), typeArguments);
    }
    return ts.visitEachChild(node, (child) => visit(child, context), context);
  };
  const result = ts.transform(file, [(context) => (root) => ts.visitEachChild(root, (child) => visit(child, context), context)]);
  const out = result.transformed[0]!;
  result.dispose();
  return out;
}

function entityParts(name: ts.EntityName): string[] {
  return ts.isIdentifier(name) ? [name.text] : [...entityParts(name.left), name.right.text];
}

/** A declaration emit's import as aliases into the module file (a side-effect import needs none). */
function aliasesOf(statement: ts.ImportDeclaration, namespace: ModuleNamespace): string[] {
  const clause = statement.importClause;
  if (!clause || !ts.isStringLiteral(statement.moduleSpecifier)) return [];
  const spec = statement.moduleSpecifier.text;
  const out: string[] = [];
  if (clause.name) out.push(`import ${clause.name.text} = ${namespace(spec, true)}_default;`);
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) out.push(`import ${bindings.name.text} = ${namespace(spec, false)};`);
  else if (bindings) {
    for (const element of bindings.elements) {
      const name = element.propertyName ?? element.name;
      // A string export name ("a-b") cannot appear in an alias; such emits do not occur for identifiers a cell declares.
      if (!ts.isIdentifier(name)) continue;
      out.push(name.text === "default" ? `import ${element.name.text} = ${namespace(spec, true)}_default;` : `import ${element.name.text} = ${namespace(spec, false)}.${name.text};`);
    }
  }
  return out;
}

function bindingNamesOf(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNamesOf(e.name)));
}

/** The statement without `declare` and `export` modifiers (an ambient context already). */
function withoutDeclare(statement: ts.Statement): ts.Statement {
  if (!ts.canHaveModifiers(statement)) return statement;
  const modifiers = ts.getModifiers(statement)?.filter((m) => m.kind !== ts.SyntaxKind.DeclareKeyword && m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword);
  const f = ts.factory;
  if (ts.isFunctionDeclaration(statement)) return f.updateFunctionDeclaration(statement, modifiers, statement.asteriskToken, statement.name, statement.typeParameters, statement.parameters, statement.type, statement.body);
  if (ts.isClassDeclaration(statement)) return f.updateClassDeclaration(statement, modifiers, statement.name, statement.typeParameters, statement.heritageClauses, statement.members);
  if (ts.isInterfaceDeclaration(statement)) return f.updateInterfaceDeclaration(statement, modifiers, statement.name, statement.typeParameters, statement.heritageClauses, statement.members);
  if (ts.isTypeAliasDeclaration(statement)) return f.updateTypeAliasDeclaration(statement, modifiers, statement.name, statement.typeParameters, statement.type);
  if (ts.isEnumDeclaration(statement)) return f.updateEnumDeclaration(statement, modifiers, statement.name, statement.members);
  if (ts.isModuleDeclaration(statement)) return f.updateModuleDeclaration(statement, modifiers, statement.name, statement.body);
  return statement;
}
