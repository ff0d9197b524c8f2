import ts from "../cells/typescript.cjs";

export type Completeness = { status: "complete" } | { status: "incomplete"; indent: string } | { status: "invalid" };

/** Error codes TypeScript reports for constructs left open at the end of the text. */
const UNTERMINATED = new Set([1002 /* string */, 1010 /* comment */, 1160 /* template */, 1161 /* regexp */]);

/**
 * Whether `code` is ready to run (the console's question when Enter is
 * pressed): complete; incomplete when the text ends inside an open construct
 * (with the indent for the next line); invalid when it has a syntax error
 * before its end.
 */
export function isComplete(code: string): Completeness {
  if (code.trim() === "") return { status: "complete" };
  const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const diagnostics = (file as unknown as { parseDiagnostics: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics;
  if (diagnostics.length === 0) return { status: "complete" };
  const end = code.trimEnd().length;
  const open = diagnostics.some((d) => d.start >= end || UNTERMINATED.has(d.code));
  if (!open) return { status: "invalid" };
  return { status: "incomplete", indent: " ".repeat(2 * openDepth(code)) };
}

/** How many brackets are open at the end of `code` (strings and comments skipped by TypeScript's scanner). */
function openDepth(code: string): number {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, code);
  let depth = 0;
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.OpenBraceToken || token === ts.SyntaxKind.OpenParenToken || token === ts.SyntaxKind.OpenBracketToken) depth++;
    else if (token === ts.SyntaxKind.CloseBraceToken || token === ts.SyntaxKind.CloseParenToken || token === ts.SyntaxKind.CloseBracketToken) depth = Math.max(0, depth - 1);
  }
  return depth;
}
