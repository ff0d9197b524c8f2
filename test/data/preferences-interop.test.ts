// Preference data against the real Hugging Face `datasets` 5: what
// `save_to_disk` and `to_parquet` write (TRL's prompt/chosen/rejected layout,
// and graded lists), Trellis reads as the same rows; what Trellis's saveHf and
// save write, `load_from_disk` and pyarrow read as the same rows.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { openPreferences } from "../../lib/data/preferences.js";
import { rl } from "../../lib/rl.js";
import { interopPython } from "../helpers/python-env.js";

const PAIRS = { prompt: ["2+2=", "Say hi: ", "x"], chosen: ["4", "hi", "é ✓ 漢"], rejected: ["5", "", "y"], source: ["a", "b", "c"] };
const LISTS = { prompt: ["98+18=", "1+1="], completions: [["115", "116", "106", "12="], ["2", "3"]], scores: [[0.5, 1, 0.5, 0], [1, -2.25]] };

const WRITE = `
import datasets, json, sys
job = json.load(sys.stdin)
out = {}
for name, columns in job["write"].items():
    d = datasets.Dataset.from_dict(columns)
    d.save_to_disk(job["dir"] + "/" + name + "-hf")
    d.to_parquet(job["dir"] + "/" + name + ".parquet")
for name in job["read"]:
    d = datasets.load_from_disk(job["dir"] + "/" + name)
    out[name] = {"features": {k: str(v) for k, v in d.features.items()}, "rows": d.to_dict()}
import pyarrow.parquet as pq
for name in job["parquet"]:
    out[name] = {"rows": pq.read_table(job["dir"] + "/" + name).to_pydict()}
print(json.dumps(out))
`;

describe("preference data with Hugging Face datasets", () => {
  let python: string | undefined;
  let skip: string | undefined;
  let dir = "";
  before(async () => {
    const p = interopPython();
    if ("skip" in p) skip = p.skip;
    else python = p.python;
    dir = await mkdtemp(join(tmpdir(), "trellis-prefs-hf-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("each side reads what the other writes", async (t) => {
    if (skip) return t.skip(skip);
    const pairs = rl.preferences.pairs(PAIRS.prompt.map((prompt, i) => ({ prompt, chosen: PAIRS.chosen[i]!, rejected: PAIRS.rejected[i]! })));
    const lists = rl.preferences.lists(LISTS.prompt.map((prompt, i) => ({ prompt, completions: LISTS.completions[i]!, scores: LISTS.scores[i]! })));
    await pairs.saveHf(join(dir, "trellis-pairs"));
    await lists.saveHf(join(dir, "trellis-lists"));
    await lists.save(join(dir, "trellis-lists.parquet"));
    const job = { dir, write: { pairs: PAIRS, lists: LISTS }, read: ["trellis-pairs", "trellis-lists"], parquet: ["trellis-lists.parquet"] };
    const r = spawnSync(python!, ["-c", WRITE], { input: JSON.stringify(job), encoding: "utf8", timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, { features?: Record<string, string>; rows: Record<string, unknown[]> }>;

    // Trellis reads datasets' files (an extra column is kept in the table, not in the rows).
    for (const path of ["pairs-hf", "pairs.parquet"]) {
      const d = await openPreferences(join(dir, path));
      assert.equal(d.kind, "pairs", path);
      assert.deepEqual(d.pairs(), pairs.pairs(), path);
      assert.ok(d.table.getChild("source"), `${path} keeps the extra column`);
    }
    for (const path of ["lists-hf", "lists.parquet"]) {
      const d = await openPreferences(join(dir, path));
      assert.equal(d.kind, "lists", path);
      assert.deepEqual(d.lists(), lists.lists(), path);
    }

    // datasets and pyarrow read Trellis's.
    assert.deepEqual(out["trellis-pairs"]!.rows, { prompt: PAIRS.prompt, chosen: PAIRS.chosen, rejected: PAIRS.rejected });
    assert.deepEqual(out["trellis-lists"]!.rows, LISTS);
    assert.match(out["trellis-lists"]!.features!.completions!, /string/);
    assert.deepEqual(out["trellis-lists.parquet"]!.rows, LISTS);
  });
});
