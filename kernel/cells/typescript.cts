// TypeScript for the kernel: loaded by typescript-loader.cts (which puts it in
// require's cache), then required as usual, so that importing this file from
// an ES module costs Node no scan of TypeScript's 9 MB source.
require("./typescript-loader.cjs");
import ts = require("typescript");
export = ts;
