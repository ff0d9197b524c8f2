/** Colours shared by the static pictures and the interactive views. */

/** Diverging red–white–blue for a value in [-1, 1]: negative red, positive blue (plotly's reversed RdBu ends). */
export function diverging(v: number): string {
  const c = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  const mix = (a: number, b: number, t: number) => Math.round(a + (b - a) * t).toString(16).padStart(2, "0");
  return c >= 0 ? `#${mix(255, 33, c)}${mix(255, 102, c)}${mix(255, 172, c)}` : `#${mix(255, 178, -c)}${mix(255, 24, -c)}${mix(255, 43, -c)}`;
}

/** White to orange for a value in [0, 1] (surprise: how unlikely a token was). */
export function sequential(v: number): string {
  const c = Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0;
  const mix = (a: number, b: number) => Math.round(a + (b - a) * c).toString(16).padStart(2, "0");
  return `#${mix(255, 230)}${mix(255, 97)}${mix(255, 0)}`;
}

/** The outline of tokens or steps that are not the policy's own. */
export const SOURCE_COLORS: Record<string, string> = { offline: "#8250df", hint: "#bf8700", teacher: "#1a7f37", sim: "#0969da" };
export const sourceColor = (source: string): string => SOURCE_COLORS[source] ?? "#57606a";

/** Trace colours, in order (plotly's default sequence). */
export const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** The underline of tokens whose ratio the clipped surrogate held at a bound (dark, so it reads over red and blue fills). */
export const CLIPPED_COLOR = "#1f2328";
