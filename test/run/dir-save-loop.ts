// Child process of the atomic-dir tests: saves `count` versions of a directory
// (two files holding the same token) to the same place, then exits 0.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeDirAtomic } from "../../lib/run/atomic-dir.js";

const [target, count, name] = [process.argv[2]!, Number(process.argv[3]), process.argv[4]!];
for (let i = 0; i < count; i++) {
  const token = `${name}-${i}`;
  await writeDirAtomic(target, async (tmp) => {
    await writeFile(join(tmp, "a"), token);
    await writeFile(join(tmp, "b"), token);
  });
}
