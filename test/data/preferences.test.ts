// Preference data as Arrow tables: pairs and graded lists, built from rows,
// read from tables and files (Arrow, Parquet, save_to_disk layout), checked
// row by row, and shown in the dataset browser.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { Field, Float64, List, Struct, Table, Utf8, vectorFromArray } from "apache-arrow";
import fc from "fast-check";
import { PreferenceData, openPreferences } from "../../lib/data/preferences.js";
import { rl } from "../../lib/rl.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "trellis-prefs-"));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const pairRows = [
  { prompt: "2+2=", chosen: "4", rejected: "5" },
  { prompt: "3+4=", chosen: "7", rejected: "" },
];
const listRows = [
  { prompt: "98+18=", completions: ["115", "116", "106", "12="], scores: [2 / 3, 1, 2 / 3, 0] },
  { prompt: "1+1=", completions: ["2", "3"], scores: [1, 0.5] },
];

describe("preference data", () => {
  test("pairs read as lists of two scored [1, 0]; lists as given", () => {
    const pairs = rl.preferences.pairs(pairRows);
    assert.equal(pairs.kind, "pairs");
    assert.equal(pairs.length, 2);
    assert.deepEqual(pairs.lists()[0], { prompt: "2+2=", completions: ["4", "5"], scores: [1, 0] });
    assert.deepEqual(pairs.table.schema.fields.map((f) => f.name), ["prompt", "chosen", "rejected"]);
    const lists = rl.preferences.lists(listRows);
    assert.equal(lists.kind, "lists");
    assert.deepEqual(lists.lists(), listRows);
    assert.deepEqual(lists.table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`), ["prompt: Utf8", "completions: List<Utf8>", "scores: List<Float64>"]);
  });

  test("pairs of lists: best against worst, or every pair of different scores", () => {
    const lists = rl.preferences.lists(listRows);
    assert.deepEqual(lists.pairs(), [
      { prompt: "98+18=", chosen: "116", rejected: "12=" },
      { prompt: "1+1=", chosen: "2", rejected: "3" },
    ]);
    const all = lists.pairs({ from: "all" });
    // 98+18=: 116 over the three others, each 2/3 over 12=; 1+1=: one pair.
    assert.equal(all.length, 3 + 2 + 1);
    assert.ok(all.every((p) => p.chosen !== p.rejected));
    const ties = rl.preferences.lists([{ prompt: "x", completions: ["a", "b"], scores: [1, 1] }]);
    assert.deepEqual(ties.pairs(), []);
    assert.throws(() => lists.pairs({ from: "some" as never }), /from must be "best-worst" or "all"/);
  });

  test("bad rows are named", () => {
    assert.throws(() => rl.preferences.pairs([]), /non-empty array/);
    assert.throws(() => rl.preferences.pairs([{ prompt: "", chosen: "a", rejected: "b" }]), /pair 0: prompt: expected a non-empty string/);
    assert.throws(() => rl.preferences.pairs([{ prompt: "p", chosen: 3 as never, rejected: "b" }]), /pair 0: chosen: expected a string, got number/);
    assert.throws(() => rl.preferences.lists([{ prompt: "p", completions: ["a"], scores: [1] }]), /list 0: a list needs at least 2 completions, got 1/);
    assert.throws(() => rl.preferences.lists([{ prompt: "p", completions: ["a", "b"], scores: [1] }]), /list 0: 2 completions but 1 scores/);
    assert.throws(() => rl.preferences.lists([{ prompt: "p", completions: ["a", "b"], scores: [1, NaN] }]), /list 0: score 1 is NaN, expected a finite number/);
    assert.throws(() => rl.preferences.lists([null as never]), /list 0: expected \{ prompt, completions, scores \}/);
  });

  test("from tables: the layout is recognized, columns may be renamed, wrong types and conversations are named", () => {
    const text = (values: (string | null)[]) => vectorFromArray(values, new Utf8());
    const t = new Table({ question: text(["a", "b"]), good: text(["x", "y"]), bad: text(["z", "w"]) });
    assert.throws(() => PreferenceData.fromTable(t), /expected pairs \(columns prompt, chosen, rejected\) or lists .*the columns are question, good, bad/);
    const d = PreferenceData.fromTable(t, { columns: { prompt: "question", chosen: "good", rejected: "bad" } });
    assert.deepEqual(d.pairs(), [
      { prompt: "a", chosen: "x", rejected: "z" },
      { prompt: "b", chosen: "y", rejected: "w" },
    ]);
    assert.throws(() => PreferenceData.fromTable(t, { columns: { prompt: "nope" } }), /columns.prompt names "nope", which is not a column/);
    const noPrompt = new Table({ chosen: text(["x"]), rejected: text(["y"]) });
    assert.throws(() => PreferenceData.fromTable(noPrompt), /no column "prompt"/);
    const message = new Struct([new Field("role", new Utf8(), true), new Field("content", new Utf8(), true)]);
    const conv = new List(new Field("item", message, true));
    const chat = new Table({
      prompt: vectorFromArray(["hi"], new Utf8()),
      chosen: vectorFromArray([[{ role: "assistant", content: "hello" }]], conv),
      rejected: vectorFromArray([[{ role: "assistant", content: "go away" }]], conv),
    });
    assert.throws(() => PreferenceData.fromTable(chat), /column "chosen" is .*a conversation.*chat template/);
    const nulls = new Table({ prompt: vectorFromArray(["p", null], new Utf8()), chosen: vectorFromArray(["a", "b"], new Utf8()), rejected: vectorFromArray(["c", "d"], new Utf8()) });
    assert.throws(() => PreferenceData.fromTable(nulls), /pair 1: prompt: expected a string, got null/);
  });

  test("Arrow and Parquet files and the save_to_disk layout hold the same rows", async () => {
    const dir = await tempDir();
    for (const data of [rl.preferences.pairs(pairRows), rl.preferences.lists(listRows)]) {
      for (const name of [`${data.kind}.arrow`, `${data.kind}.parquet`]) {
        await data.save(join(dir, name));
        const back = await openPreferences(join(dir, name));
        assert.equal(back.kind, data.kind, name);
        assert.deepEqual(back.lists(), data.lists(), name);
      }
      const hf = join(dir, `${data.kind}-hf`);
      await data.saveHf(hf);
      const state = JSON.parse(await readFile(join(hf, "state.json"), "utf8")) as { _data_files: { filename: string }[] };
      assert.deepEqual(state._data_files, [{ filename: "data-00000-of-00001.arrow" }]);
      const info = JSON.parse(await readFile(join(hf, "dataset_info.json"), "utf8")) as { features: Record<string, unknown> };
      assert.deepEqual(Object.keys(info.features), data.kind === "pairs" ? ["prompt", "chosen", "rejected"] : ["prompt", "completions", "scores"]);
      const back = await rl.preferences.open(hf);
      assert.deepEqual(back.lists(), data.lists());
    }
  });

  test("a file that is not preference data gets an error naming it", async () => {
    const dir = await tempDir();
    const path = join(dir, "junk.arrow");
    await writeFile(path, "not arrow at all");
    await assert.rejects(openPreferences(path), /junk\.arrow/);
    await assert.rejects(openPreferences(""), /path must be a non-empty string/);
  });

  test("select keeps rows; the browser shows the table with its counts", () => {
    const lists = rl.preferences.lists(listRows);
    assert.deepEqual(lists.select([1]).lists(), [listRows[1]]);
    assert.throws(() => lists.select([2]), /row 2 is outside \[0, 2\)/);
    const bundle = lists.widget().bundle() as Record<string, string>;
    const html = bundle["text/html"]!;
    assert.match(html, /preference lists/);
    assert.match(html, /98\+18=/);
  });

  test("any table of prompts, completions and scores reads as the same lists or is refused with a RangeError or TypeError", () => {
    const text = fc.oneof(fc.string(), fc.constant(null));
    const row = fc.record({ prompt: text, completions: fc.oneof(fc.array(text, { maxLength: 4 }), fc.constant(null)), scores: fc.oneof(fc.array(fc.oneof(fc.double(), fc.constant(null)), { maxLength: 4 }), fc.constant(null)) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 5 }), (rows) => {
        const table = new Table({
          prompt: vectorFromArray(rows.map((r) => r.prompt), new Utf8()),
          completions: vectorFromArray(rows.map((r) => r.completions), new List(new Field("item", new Utf8(), true))),
          scores: vectorFromArray(rows.map((r) => r.scores), new List(new Field("item", new Float64(), true))),
        });
        let data: PreferenceData;
        try {
          data = PreferenceData.fromTable(table);
        } catch (e) {
          assert.ok(e instanceof RangeError || e instanceof TypeError, String(e));
          assert.match((e as Error).message, /^rl\.preferences\.fromTable: /);
          return;
        }
        assert.deepEqual(data.lists(), rows.map((r) => ({ prompt: r.prompt, completions: r.completions, scores: r.scores })));
      }),
      { numRuns: 300 },
    );
  });
});
