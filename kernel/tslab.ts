// What `import * as tslab from "tslab"` gives a Trellis notebook: tslab's
// display API, so notebooks written for tslab run unchanged.
import { createRequire } from "node:module";
import { VERSION } from "../lib/version.js";

export { display, newDisplay, type Display } from "./session/display.js";

const require = createRequire(import.meta.url);

/** The version strings of the kernel and its dependencies (tslab's `versions`; `tslab` names the Trellis kernel). */
export const versions: { tslab: string; typescript: string; node: string } = {
  tslab: `trellis ${VERSION}`,
  typescript: (require("typescript/package.json") as { version: string }).version,
  node: process.version,
};
