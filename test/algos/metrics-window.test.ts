import assert from "node:assert/strict";
import { test } from "node:test";
import { MetricsWindow } from "../../lib/algos/metrics-window.js";

test("a metrics window averages each metric since the last take, and resumes from its JSON", () => {
  const w = new MetricsWindow();
  assert.equal(w.take(), null);
  w.add({ loss: 1, acc: 0.5 });
  w.add({ loss: 3, acc: 1 });
  const copy = new MetricsWindow();
  copy.load(JSON.parse(JSON.stringify(w.toJSON())));
  assert.deepEqual(w.take(), { loss: 2, acc: 0.75 });
  assert.equal(w.take(), null, "take empties the window");
  copy.add({ loss: 5, acc: 0 });
  assert.deepEqual(copy.take(), { loss: 3, acc: 0.5 });
});
