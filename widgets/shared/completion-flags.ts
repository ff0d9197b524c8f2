import type { CompletionRowData } from "./types.js";

/** A completion's flags as short words (the text table, the static picture and the view all show these). */
export function flagWords(r: CompletionRowData): string[] {
  const words: string[] = [];
  if (r.zeroVariance) words.push("zero-var");
  if (r.truncated) words.push("truncated");
  if (r.clipped) words.push(`clip ${r.clipped}`);
  return words;
}
