import { createRequire } from "node:module";
import { VERSION } from "../lib/version.js";
import { PROTOCOL_VERSION } from "./protocol/message.js";

const require = createRequire(import.meta.url);
/** TypeScript's version, read without loading the compiler (the kernel answers kernel_info before it has). */
export const TS_VERSION = (require("typescript/package.json") as { version: string }).version;

/** The kernel_info_reply content. */
export function kernelInfo(): Record<string, unknown> {
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "trellis",
    implementation_version: VERSION,
    language_info: {
      name: "typescript",
      version: TS_VERSION,
      mimetype: "text/typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
      codemirror_mode: { name: "javascript", typescript: true },
    },
    banner: `Trellis ${VERSION}: TypeScript ${TS_VERSION} on Node ${process.version}. Reinforcement learning in notebooks: import { rl } from "trellis".`,
    help_links: [{ text: "Trellis", url: "https://www.npmjs.com/package/trellis" }],
    debugger: false,
  };
}
