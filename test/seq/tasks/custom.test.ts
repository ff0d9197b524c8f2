import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Float64, Int32, Int64, Table, Utf8, tableFromArrays, tableToIPC, vectorFromArray } from "apache-arrow";
import { tableFileBytes } from "../../../lib/data/dataset-files.js";
import { Rng } from "../../../lib/random/rng.js";
import { defineTask, openTaskTable, taskFromJsonl, taskFromRows, taskFromTable, taskSplit, type TaskDefinition } from "../../../lib/seq/tasks/index.js";

const echo: TaskDefinition = {
  id: "echo",
  levels: [2, 1],
  generate: (rng, level) => {
    const s = Array.from({ length: level }, () => "ab"[rng.int(2)]).join("");
    return { prompt: `echo:${s}=`, answer: s };
  },
  verify: (completion, item) => completion === item.answer,
};

test("defineTask: a typed definition from a cell becomes a task; omitted fields are filled", () => {
  const task = defineTask(echo);
  assert.deepEqual(task.levels, [1, 2]);
  assert.equal(task.description, "echo");
  const item = task.generate(Rng.fromSeed(1), 2);
  assert.match(item.prompt, /^echo:[ab]{2}=$/);
  assert.deepEqual(item, { id: `echo/2/${item.prompt}`, prompt: item.prompt, answer: item.answer, solution: item.answer, level: 2 });
  assert.deepEqual(task.verify(item.answer, item), { correct: true, format: true, reward: 1 });
  assert.deepEqual(task.verify("zz", item), { correct: false, format: true, reward: 0 });
  const full = defineTask({ ...echo, verify: (c, it) => ({ correct: c === it.answer, format: c.length > 0, reward: c === it.answer ? 2 : 0, steps: [true] }) });
  assert.deepEqual(full.verify(item.answer, item), { correct: true, format: true, reward: 2, steps: [true] });
  assert.equal(taskSplit(task, { seed: 0, train: 3, test: 2 }).train.length, 3);
});

test("defineTask: a missing or ill-typed field is an error naming it", () => {
  const cases: [unknown, RegExp][] = [
    [{ ...echo, id: undefined }, /defineTask: id must be a non-empty string, got undefined/],
    [{ ...echo, id: "" }, /id must be a non-empty string, got ""/],
    [{ ...echo, levels: undefined }, /defineTask\("echo"\): levels must be a non-empty array of numbers, got undefined/],
    [{ ...echo, levels: [] }, /levels must be a non-empty array/],
    [{ ...echo, levels: [1, "2"] }, /levels\[1\] must be a finite number, got "2"/],
    [{ ...echo, levels: [1, 1] }, /levels must be distinct/],
    [{ ...echo, generate: undefined }, /generate must be a function, got undefined/],
    [{ ...echo, verify: "exact" }, /verify must be a function, got "exact"/],
    [{ ...echo, description: 3 }, /description must be a string, got 3/],
    [null, /expected a definition/],
  ];
  for (const [definition, message] of cases) assert.throws(() => defineTask(definition as TaskDefinition), message);
});

test("defineTask: bad items and verdicts are caught when produced, naming the field", () => {
  const rng = Rng.fromSeed(0);
  const gen = (out: unknown) => defineTask({ ...echo, generate: () => out as never });
  assert.throws(() => gen({ answer: "a" }).generate(rng, 1), /defineTask\("echo"\)\.generate\(rng, 1\): prompt must be a string, got undefined/);
  assert.throws(() => gen({ prompt: "p", answer: 5 }).generate(rng, 1), /answer must be a string, got 5/);
  assert.throws(() => gen({ prompt: "p", answer: "a", steps: [1] }).generate(rng, 1), /steps must be an array of strings/);
  assert.throws(() => gen({ prompt: "p", answer: "a", level: 2 }).generate(rng, 1), /level must be the level asked for \(1\), got 2/);
  assert.throws(() => gen("p").generate(rng, 1), /expected an item object/);
  assert.throws(() => defineTask(echo).generate(rng, 3), /task echo: level must be one of 1, 2, got 3/);
  const ver = (out: unknown) => defineTask({ ...echo, verify: () => out as never });
  const item = defineTask(echo).generate(rng, 1);
  assert.throws(() => ver({ correct: true, format: true }).verify("a", item), /verify: reward must be a finite number, got undefined/);
  assert.throws(() => ver({ correct: 1, format: true, reward: 1 }).verify("a", item), /correct must be a boolean, got 1/);
  assert.throws(() => ver({ correct: true, format: true, reward: 1, steps: ["y"] }).verify("a", item), /steps must be an array of booleans/);
  assert.throws(() => ver(undefined).verify("a", item), /expected a boolean or a verdict/);
});

test("taskFromRows: exact match after trimming, levels from the rows", () => {
  const task = taskFromRows([
    { prompt: "capital of France?", answer: "Paris" },
    { prompt: "2+2?", answer: " 4 ", level: 2, solution: "4" },
    { prompt: "2+2?", answer: " 4 ", level: 2 },
  ]);
  assert.deepEqual(task.levels, [1, 2]);
  const item = task.generate(Rng.fromSeed(0), 1);
  assert.deepEqual(item, { id: "rows/1/capital of France?", prompt: "capital of France?", answer: "Paris", solution: "Paris", level: 1 });
  assert.equal(task.verify("Paris", item).correct, true);
  assert.equal(task.verify("  Paris\n", item).correct, true);
  assert.deepEqual(task.verify("paris", item), { correct: false, format: true, reward: 0 });
  assert.deepEqual(task.verify("  ", item), { correct: false, format: false, reward: 0 });
  const two = task.enumerate!(2);
  assert.equal(two.length, 1);
  assert.equal(task.verify(two[0]!.solution, two[0]!).correct, true);
});

test("taskFromRows: bad rows name the row and the field", () => {
  assert.throws(() => taskFromRows([{ prompt: "a", answer: "1" }, { answer: "2" } as never]), /taskFromRows: row 1: prompt must be a non-empty string, got undefined/);
  assert.throws(() => taskFromRows([{ prompt: "a", answer: 1 as never }]), /row 0: answer must be a string, got 1/);
  assert.throws(() => taskFromRows([{ prompt: "a", answer: "1", level: "hard" as never }]), /row 0: level must be a finite number, got "hard"/);
  assert.throws(() => taskFromRows([{ prompt: "a", answer: "1", solution: 1 as never }]), /row 0: solution must be a string/);
  assert.throws(() => taskFromRows([{ prompt: "a", answer: "  " }]), /row 0: answer must not be blank/);
  assert.throws(() => taskFromRows(["a" as never]), /row 0: expected an object/);
  assert.throws(() => taskFromRows([{ prompt: "a", answer: "1" }, { prompt: "a", answer: "2" }]), /row 1: prompt "a" already has answer "1" at taskFromRows: row 0, got "2"/);
  assert.throws(() => taskFromRows([]), /no rows/);
  assert.throws(() => taskFromRows("a,b" as never), /rows must be an array/);
});

test("taskFromJsonl: one row per line, blank lines skipped; bad lines named by number", () => {
  const task = taskFromJsonl('{"prompt":"1+1=","answer":"2"}\n\n{"prompt":"2+2=","answer":"4","level":3}\r\n', { id: "sums" });
  assert.equal(task.id, "sums");
  assert.deepEqual(task.levels, [1, 3]);
  assert.equal(task.enumerate!(3)[0]!.answer, "4");
  assert.throws(() => taskFromJsonl('{"prompt":"a","answer":"1"}\n{"prompt":"b","answer":2}'), /taskFromJsonl: line 2: answer must be a string, got 2/);
  assert.throws(() => taskFromJsonl('{"prompt":"a","answer":"1"}\n\n{"prompt":"b",'), /taskFromJsonl: line 3: not valid JSON/);
  assert.throws(() => taskFromJsonl('["a","1"]'), /line 1: expected an object/);
});

function table(prompts: (string | null)[], answers: (string | null)[], extra: Record<string, unknown> = {}): Table {
  return new Table({
    prompt: vectorFromArray(prompts, new Utf8()),
    answer: vectorFromArray(answers, new Utf8()),
    ...(extra as Record<string, ReturnType<typeof vectorFromArray>>),
  });
}

test("taskFromTable: prompt/answer string columns, optional level and solution; bad columns and rows named", () => {
  const t = table(["a?", "b?"], ["1", "2"], { level: vectorFromArray([1n, 2n], new Int64()), solution: vectorFromArray(["1", null], new Utf8()), other: vectorFromArray([0.5, 1], new Float64()) });
  const task = taskFromTable(t, { id: "qa" });
  assert.deepEqual(task.levels, [1, 2]);
  assert.deepEqual(task.enumerate!(2), [{ id: "qa/2/b?", prompt: "b?", answer: "2", solution: "2", level: 2 }]);
  assert.equal(task.verify("1", task.enumerate!(1)[0]!).correct, true);
  assert.throws(() => taskFromTable(table(["a", null], ["1", "2"])), /taskFromTable: row 1: prompt must be a non-empty string, got null/);
  assert.throws(() => taskFromTable(table(["a", "b"], ["1", null])), /row 1: answer must be a string, got null/);
  assert.throws(() => taskFromTable(new Table({ prompt: vectorFromArray(["a"], new Utf8()), answer: vectorFromArray([1], new Int32()) })), /column "answer" is Int32, expected a string column/);
  assert.throws(() => taskFromTable(tableFromArrays({ question: ["a"] as never })), /no column "prompt" \(a string column \(Utf8\)\); the columns are question/);
  assert.throws(() => taskFromTable(table(["a"], ["1"], { level: vectorFromArray(["x"], new Utf8()) })), /column "level" is Utf8, expected a numeric column/);
  assert.throws(() => taskFromTable([] as never), /expected an apache-arrow Table/);
});

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-tasks-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("openTaskTable: .arrow, .parquet and .jsonl files; the id is the file's name; bad rows name the file", async () => {
  const t = table(["3+4=", "5+6="], ["7", "11"], { level: vectorFromArray([1, 2], new Int32()) });
  await writeFile(join(dir, "sums.arrow"), tableToIPC(t, "file"));
  await writeFile(join(dir, "sums.parquet"), tableFileBytes(t, "parquet"));
  await writeFile(join(dir, "sums.jsonl"), '{"prompt":"3+4=","answer":"7","level":1}\n{"prompt":"5+6=","answer":"11","level":2}\n');
  for (const name of ["sums.arrow", "sums.parquet", "sums.jsonl"]) {
    const task = await openTaskTable(join(dir, name));
    assert.equal(task.id, "sums", name);
    assert.deepEqual(task.levels, [1, 2], name);
    assert.deepEqual(task.enumerate!(2).map((x) => [x.prompt, x.answer]), [["5+6=", "11"]], name);
    const item = task.generate(Rng.fromSeed(0), 1);
    assert.equal(task.verify("7", item).correct, true, name);
  }
  await writeFile(join(dir, "bad.parquet"), tableFileBytes(table(["a", "b"], ["1", null]), "parquet"));
  await assert.rejects(openTaskTable(join(dir, "bad.parquet")), /bad\.parquet: row 1: answer must be a string, got null/);
  await writeFile(join(dir, "bad.jsonl"), '{"prompt":"a","answer":"1"}\n{"answer":"2"}\n');
  await assert.rejects(openTaskTable(join(dir, "bad.jsonl")), /bad\.jsonl: taskFromJsonl: line 2: prompt must be a non-empty string/);
  await assert.rejects(openTaskTable(join(dir, "sums.csv")), /expected a \.jsonl, \.arrow/);
});
