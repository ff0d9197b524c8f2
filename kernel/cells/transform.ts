import ts from "./typescript.cjs";

/** The name of the kernel object every compiled cell reads (installed on globalThis by the executor). */
export const RUNTIME = "__trellis";

/** A cell turned into a script: one async arrow function called at once, its promise the script's value. */
export interface CompiledCell {
  /** JavaScript for `vm.runInThisContext`. */
  readonly code: string;
  /** Source map (v3 JSON) from `code` back to the cell's TypeScript. */
  readonly sourceMap: string;
  /** True when the cell ends with an expression whose value the promise resolves to. */
  readonly hasResult: boolean;
  /** Syntax errors TypeScript found while transpiling (the cell is not run when there are any). */
  readonly diagnostics: readonly ts.Diagnostic[];
}

const TRANSPILE_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  // Keep every import not marked `type`: a name imported for its type in one cell may be used as a value in a later one.
  verbatimModuleSyntax: true,
  sourceMap: true,
  inlineSources: false,
  removeComments: false,
};

/**
 * Compiles one notebook cell (TypeScript, module syntax, top-level await) into
 * a script whose top-level declarations outlive it:
 *
 * - `const/let/var` declarations, classes and imports become assignments to
 *   `globalThis`, so later cells see them and may declare them again (a cell
 *   re-run replaces the old value); functions stay hoisted and are assigned too;
 * - `import` declarations and `import()` calls load through the kernel's
 *   resolver (`__trellis.import`), `import.meta` is the notebook's;
 * - the body runs inside `async () => { ... }` (top-level `await`, `for await`),
 *   and the final expression statement is returned as the cell's value;
 * - every loop checks the kernel's interrupt flag on each iteration, so an
 *   interrupt stops `while (true) {}` also after an `await`.
 */
export function compileCell(source: string, fileName: string): CompiledCell {
  let hasResult = false;
  const out = ts.transpileModule(source, {
    compilerOptions: TRANSPILE_OPTIONS,
    fileName,
    reportDiagnostics: true,
    transformers: {
      after: [
        (context) => (file) => {
          const result = wrapCell(file, context);
          hasResult = result.hasResult;
          return result.file;
        },
      ],
    },
  });
  // The script is run from memory: the map is kept by the kernel, not referenced from the code.
  const code = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  return { code, sourceMap: out.sourceMapText ?? "", hasResult, diagnostics: out.diagnostics ?? [] };
}

function wrapCell(file: ts.SourceFile, context: ts.TransformationContext): { file: ts.SourceFile; hasResult: boolean } {
  const f = context.factory;
  const runtime = (member: string) => f.createPropertyAccessExpression(f.createIdentifier(RUNTIME), member);
  const global = (name: string) => f.createPropertyAccessExpression(f.createIdentifier("globalThis"), name);
  const assign = (target: ts.Expression, value: ts.Expression, range: ts.TextRange) =>
    ts.setTextRange(f.createExpressionStatement(f.createAssignment(target, value)), range);

  // Loop guards, import() and import.meta, anywhere in the cell.
  const guard = () => f.createExpressionStatement(f.createCallExpression(runtime("checkInterrupt"), undefined, []));
  const deep: ts.Visitor = (node) => {
    if (ts.isIterationStatement(node, false)) {
      const visited = ts.visitEachChild(node, deep, context) as ts.IterationStatement;
      const body = visited.statement;
      const guarded = f.createBlock([guard(), ...(ts.isBlock(body) ? body.statements : [body])], true);
      return ts.setTextRange(withLoopBody(f, visited, ts.setTextRange(guarded, body)), node);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      return ts.setTextRange(f.createCallExpression(runtime("import"), undefined, ts.visitNodes(node.arguments, deep, ts.isExpression)), node);
    }
    if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) return ts.setTextRange(runtime("importMeta"), node);
    return ts.visitEachChild(node, deep, context);
  };

  const hoisted: ts.Statement[] = [];
  const body: ts.Statement[] = [];
  let moduleCount = 0;
  // Whether the cell's last statement is an expression (its value is the cell's result).
  let endsWithExpression = false;
  for (const original of file.statements) {
    const statement = ts.visitNode(original, deep) as ts.Statement;
    endsWithExpression = ts.isExpressionStatement(statement) || ts.isExportAssignment(statement);
    if (ts.isImportDeclaration(statement)) {
      const load = f.createAwaitExpression(f.createCallExpression(runtime("import"), undefined, [statement.moduleSpecifier as ts.Expression]));
      const clause = statement.importClause;
      if (!clause || clause.isTypeOnly) {
        if (!clause) body.push(ts.setTextRange(f.createExpressionStatement(load), statement));
        continue;
      }
      const tmp = f.createUniqueName(`__module${moduleCount++}`);
      body.push(ts.setTextRange(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(tmp, undefined, undefined, load)], ts.NodeFlags.Const)), statement));
      if (clause.name) body.push(assign(global(clause.name.text), f.createPropertyAccessExpression(tmp, "default"), statement));
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) body.push(assign(global(bindings.name.text), tmp, statement));
      else if (bindings) {
        for (const s of bindings.elements) {
          if (s.isTypeOnly) continue;
          const imported = (s.propertyName ?? s.name) as ts.Identifier | ts.StringLiteral;
          body.push(assign(global(s.name.text), f.createElementAccessExpression(tmp, f.createStringLiteral(imported.text)), s));
        }
      }
    } else if (ts.isExportDeclaration(statement)) {
      continue; // `export { a }` / `export * from "m"`: cells share through globals, not exports
    } else if (ts.isExportAssignment(statement)) {
      body.push(ts.setTextRange(f.createExpressionStatement(statement.expression), statement));
    } else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        const value = d.initializer ?? f.createVoidZero();
        body.push(ts.setTextRange(f.createExpressionStatement(f.createAssignment(assignmentTarget(f, d.name, global), value)), d));
      }
    } else if (ts.isFunctionDeclaration(statement) && statement.name) {
      const fn = f.updateFunctionDeclaration(statement, stripExport(statement.modifiers), statement.asteriskToken, statement.name, statement.typeParameters, statement.parameters, statement.type, statement.body);
      body.push(fn);
      hoisted.push(assign(global(statement.name.text), f.createIdentifier(statement.name.text), statement));
    } else if (ts.isClassDeclaration(statement) && statement.name) {
      const expr = f.createClassExpression(stripExport(statement.modifiers), statement.name, statement.typeParameters, statement.heritageClauses, statement.members);
      body.push(assign(global(statement.name.text), ts.setTextRange(expr, statement), statement));
    } else {
      body.push(statement);
    }
  }
  const last = body.at(-1);
  const hasResult = endsWithExpression && !!last && ts.isExpressionStatement(last);
  if (hasResult) body[body.length - 1] = ts.setTextRange(f.createReturnStatement((last as ts.ExpressionStatement).expression), last!);
  const fnBody = f.createBlock([f.createExpressionStatement(f.createStringLiteral("use strict")), ...hoisted, ...body], true);
  const iife = f.createCallExpression(f.createParenthesizedExpression(f.createArrowFunction([f.createModifier(ts.SyntaxKind.AsyncKeyword)], undefined, [], undefined, undefined, fnBody)), undefined, []);
  return { file: f.updateSourceFile(file, [f.createExpressionStatement(iife)]), hasResult };
}

function stripExport(modifiers: ts.NodeArray<ts.ModifierLike> | undefined): ts.ModifierLike[] | undefined {
  return modifiers?.filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword);
}

/** `{ a, b: [c = 1, ...d] }` as an assignment pattern onto `globalThis.a`, `globalThis.c`, … */
function assignmentTarget(f: ts.NodeFactory, name: ts.BindingName, global: (name: string) => ts.Expression): ts.Expression {
  if (ts.isIdentifier(name)) return global(name.text);
  if (ts.isObjectBindingPattern(name)) {
    return f.createObjectLiteralExpression(
      name.elements.map((e) => {
        const target = withDefault(f, assignmentTarget(f, e.name, global), e.initializer);
        if (e.dotDotDotToken) return f.createSpreadAssignment(target);
        const key = e.propertyName ?? (e.name as ts.Identifier);
        return f.createPropertyAssignment(ts.isIdentifier(key) ? f.createIdentifier(key.text) : (key as ts.PropertyName), target);
      }),
    );
  }
  return f.createArrayLiteralExpression(
    name.elements.map((e) => {
      if (ts.isOmittedExpression(e)) return f.createOmittedExpression();
      const target = withDefault(f, assignmentTarget(f, e.name, global), e.initializer);
      return e.dotDotDotToken ? f.createSpreadElement(target) : target;
    }),
  );
}

function withDefault(f: ts.NodeFactory, target: ts.Expression, initializer: ts.Expression | undefined): ts.Expression {
  return initializer ? f.createAssignment(target, initializer) : target;
}

/** The same loop with another body. */
function withLoopBody(f: ts.NodeFactory, loop: ts.IterationStatement, body: ts.Statement): ts.IterationStatement {
  if (ts.isWhileStatement(loop)) return f.updateWhileStatement(loop, loop.expression, body);
  if (ts.isDoStatement(loop)) return f.updateDoStatement(loop, body, loop.expression);
  if (ts.isForStatement(loop)) return f.updateForStatement(loop, loop.initializer, loop.condition, loop.incrementor, body);
  if (ts.isForInStatement(loop)) return f.updateForInStatement(loop, loop.initializer, loop.expression, body);
  return f.updateForOfStatement(loop as ts.ForOfStatement, (loop as ts.ForOfStatement).awaitModifier, (loop as ts.ForOfStatement).initializer, (loop as ts.ForOfStatement).expression, body);
}
