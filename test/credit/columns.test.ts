import assert from "node:assert/strict";
import { test } from "node:test";
import { Float32, tableFromIPC, tableToIPC, type Table } from "apache-arrow";
import { withCreditColumns } from "../../lib/credit/columns.js";
import { episodeArrays } from "../../lib/credit/episodes.js";
import { TrajectoryRecorder } from "../../lib/data/recorder.js";
import { META_ENV_ID } from "../../lib/data/schema.js";
import { close } from "./credit-helpers.js";

/** Two copies, three steps: copy 0 plays episode 0 (terminates at step 1) then episode 2; copy 1 plays episode 1 (truncated at step 2). */
function recordTable(withValues = true, flushAfter = -1): Table {
  const rec = new TrajectoryRecorder({ numEnvs: 2, obsSize: 1, actionSize: 1, discrete: true, envId: "Toy-v0" });
  const steps = [
    { r: [1, 10], v: [0.5, 5], term: [0, 0], trunc: [0, 0] },
    { r: [2, 20], v: [1, 6], term: [1, 0], trunc: [0, 0] },
    { r: [3, 30], v: [2, 7], term: [0, 0], trunc: [0, 1] },
  ];
  for (const [i, s] of steps.entries()) {
    if (i === flushAfter) rec.flush();
    rec.record({
      obs: new Float32Array(2),
      actions: new Int32Array(2),
      rewards: Float32Array.from(s.r),
      terminated: Uint8Array.from(s.term),
      truncated: Uint8Array.from(s.trunc),
      nextObs: new Float32Array(2),
      logp: new Float32Array(2),
      ...(withValues ? { values: Float32Array.from(s.v) } : {}),
      policyVersion: 0,
    });
  }
  return rec.toTable();
}

const col = (table: Table, name: string) => Array.from(table.getChild(name)!.toArray() as Float32Array);

test("withCreditColumns fills return, advantage and td_error of an interleaved table", () => {
  // Rows (table order): ep0 t0, ep1 t0, ep0 t1 (terminated), ep1 t1, ep2 t0 (unfinished), ep1 t2 (truncated).
  // γ = 0.5, λ = 1 (GAE with λ = 1: advantage = G − V, return = Monte-Carlo G).
  //   ep0: r = [1, 2], V = [0.5, 1]: G = [1 + 0.5·2, 2] = [2, 2]; δ = [1 + 0.5 − 0.5, 2 − 1] = [1, 1]
  //   ep1: r = [10, 20, 30], V = [5, 6, 7], V(s_T) = 8: G2 = 30 + 4 = 34, G1 = 20 + 17 = 37, G0 = 10 + 18.5 = 28.5;
  //        δ = [10 + 3 − 5, 20 + 3.5 − 6, 30 + 4 − 7] = [8, 17.5, 27]
  //   ep2: r = [3], V = [2], V(s_T) = 4: G = 3 + 2 = 5, δ = 5 − 2 = 3
  const table = recordTable();
  const before = tableToIPC(table);
  const asked: number[] = [];
  const out = withCreditColumns(table, {
    gamma: 0.5,
    lambda: 1,
    bootstrap: (id) => {
      asked.push(Number(id));
      return id === 1n ? 8 : 4;
    },
  });
  assert.deepEqual(asked.sort(), [1, 2]);
  close(col(out, "return"), [2, 28.5, 2, 37, 5, 34]);
  close(col(out, "advantage"), [1.5, 23.5, 1, 31, 3, 27]);
  close(col(out, "td_error"), [1, 8, 1, 17.5, 3, 27]);
  for (const name of ["return", "advantage", "td_error"]) {
    assert.ok(out.schema.fields.find((f) => f.name === name)!.type instanceof Float32, name);
    assert.equal(out.getChild(name)!.nullCount, 0);
  }
  assert.equal(out.schema.metadata.get(META_ENV_ID), "Toy-v0");
  assert.deepEqual(
    out.schema.fields.map((f) => f.name),
    [...table.schema.fields.map((f) => f.name), "td_error"],
  );
  // The input is untouched: same bytes, its return/advantage still null, no td_error.
  assert.deepEqual(tableToIPC(table), before);
  assert.equal(table.getChild("return")!.nullCount, 6);
  assert.equal(table.getChild("td_error"), null);
  // The result round-trips through IPC.
  close(col(tableFromIPC(tableToIPC(out)), "return"), [2, 28.5, 2, 37, 5, 34]);
});

test("withCreditColumns gives the same columns for a table of several record batches", () => {
  const one = withCreditColumns(recordTable(), { gamma: 0.8, lambda: 0.7, bootstrap: (id) => Number(id) });
  const table = recordTable(true, 2);
  assert.equal(table.batches.length, 2);
  const two = withCreditColumns(table, { gamma: 0.8, lambda: 0.7, bootstrap: (id) => Number(id) });
  for (const name of ["return", "advantage", "td_error"]) close(col(two, name), col(one, name));
});

test("withCreditColumns with λ < 1 matches GAE on the gathered episodes", () => {
  const out = withCreditColumns(recordTable(), { gamma: 0.9, lambda: 0.5, bootstrap: () => 1 });
  // ep0 (terminated): δ = [1 + 0.9 − 0.5, 2 − 1] = [1.4, 1]; Â = [1.4 + 0.45·1, 1] = [1.85, 1]
  const adv = col(out, "advantage");
  close([adv[0]!, adv[2]!], [1.85, 1]);
  const ret = col(out, "return");
  close([ret[0]!, ret[2]!], [2.35, 2]);
  const arrays = episodeArrays(out, { values: true });
  assert.deepEqual([...arrays.layout.offsets], [0, 2, 5, 6]);
});

test("withCreditColumns names the null value column and asks for missing bootstraps", () => {
  assert.throws(() => withCreditColumns(recordTable(false), { gamma: 0.9, lambda: 0.9, bootstrap: () => 0 }), /column "value" has 6 null value\(s\), the first at row 0/);
  assert.throws(() => withCreditColumns(recordTable(), { gamma: 0.9, lambda: 0.9 }), /episode 1 ends truncated; pass options.bootstrap/);
  assert.throws(() => withCreditColumns(recordTable(), { gamma: 1.5, lambda: 0.9 }), /gamma and lambda must be in \[0, 1\]/);
});
