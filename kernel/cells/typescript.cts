// TypeScript for the kernel, loaded with require(): importing its 9 MB
// CommonJS file from an ES module makes Node scan the whole source for
// export names first, which costs ~0.4–0.6 s of every kernel start.
import ts = require("typescript");
export = ts;
