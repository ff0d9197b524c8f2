import { gunzipSync } from "node:zlib";

/** The MIME bundle a widget (or anything with a Jupyter display method) shows as. */
export const bundle = (w: object): Record<string, string> => (w as { [k: symbol]: () => Record<string, string> })[Symbol.for("Jupyter.display")]!();

/** The payload a widget's HTML carries (plain or gzipped JSON). */
export function payload<T = Record<string, unknown>>(html: string): T {
  const m = /<script type="(application\/json|application\/x-trellis-gzip)" id="tw-[^"]+-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error("no widget data script in the HTML");
  const text = m[1] === "application/json" ? m[2]! : gunzipSync(Buffer.from(m[2]!, "base64")).toString("utf8");
  return JSON.parse(text) as T;
}
