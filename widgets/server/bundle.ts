import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

let client: string | undefined;
/** The widgets' browser runtime (dist/widgets/client.js, built by scripts/build-widgets.mjs). */
export function clientScript(): string {
  if (client === undefined) {
    const path = join(here, "..", "client.js");
    try {
      client = readFileSync(path, "utf8");
    } catch {
      throw new Error(`the widgets' browser code is missing (${path}): build it with \`npm run build\``);
    }
  }
  return client;
}

let plotly: { raw: string; gzipBase64: string } | undefined;
/** plotly.js (the cartesian bundle): as it is, and gzipped in base64 for notebook outputs (~0.67 MB instead of 1.5 MB). */
export function plotlyBundle(): { raw: string; gzipBase64: string } {
  if (!plotly) {
    const raw = readFileSync(require.resolve("plotly.js-cartesian-dist-min/plotly-cartesian.min.js"), "utf8");
    plotly = { raw, gzipBase64: gzipSync(raw, { level: 9 }).toString("base64") };
  }
  return plotly;
}
