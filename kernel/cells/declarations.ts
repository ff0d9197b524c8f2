import ts from "./typescript.cjs";

/** One binding a cell imports: `import { a as b } from "m"` → `{ local: "b", module: "m", imported: "a" }`. */
export interface ImportBinding {
  readonly local: string;
  readonly module: string;
  /** The export it takes: a name, "default", or "*" for a namespace import. */
  readonly imported: string;
  /** `import type` (or a `type` specifier): no runtime binding. */
  readonly typeOnly: boolean;
}

/** The names a cell declares at its top level: what the next cells can see. */
export interface CellDeclarations {
  /** Names with a runtime value: variables, functions, classes, enums, namespaces, value imports. */
  readonly values: readonly string[];
  /** Names that are types only: interfaces and type aliases. */
  readonly types: readonly string[];
  readonly imports: readonly ImportBinding[];
}

const hasModifier = (node: ts.Node, kind: ts.SyntaxKind) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);

/** Every identifier a binding name introduces (`{ a, b: [c, ...d] }` → a, c, d). */
export function bindingNames(name: ts.BindingName, out: string[] = []): string[] {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bindingNames(element.name, out);
  return out;
}

/** The top-level names of a cell's source (a TypeScript module body). */
export function cellDeclarations(source: ts.SourceFile): CellDeclarations {
  const values: string[] = [];
  const types: string[] = [];
  const imports: ImportBinding[] = [];
  for (const statement of source.statements) {
    if (hasModifier(statement, ts.SyntaxKind.DeclareKeyword)) continue;
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) bindingNames(d.name, values);
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
      values.push(statement.name.text);
    } else if (ts.isEnumDeclaration(statement)) {
      values.push(statement.name.text);
    } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
      values.push(statement.name.text);
    } else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
      types.push(statement.name.text);
    } else if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const module = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      if (!clause) continue;
      const typeOnly = clause.isTypeOnly;
      if (clause.name) imports.push({ local: clause.name.text, module, imported: "default", typeOnly });
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) imports.push({ local: bindings.name.text, module, imported: "*", typeOnly });
      else if (bindings) {
        for (const s of bindings.elements) imports.push({ local: s.name.text, module, imported: (s.propertyName ?? s.name).text, typeOnly: typeOnly || s.isTypeOnly });
      }
    }
  }
  for (const i of imports) if (!i.typeOnly) values.push(i.local);
  return { values: unique(values), types: unique(types), imports };
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
