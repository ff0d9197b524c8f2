import assert from "node:assert/strict";
import { test } from "node:test";
import { interpolate, meanBand } from "../../widgets/shared/bands.js";
import { lttbIndices } from "../../widgets/shared/downsample.js";
import { emaSmooth } from "../../widgets/shared/smoothing.js";
import { lineChartSvg, niceTicks } from "../../widgets/server/svg/line-chart.js";

const near = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("emaSmooth is TensorBoard's debiased EMA (hand example), skips non-finite values, 0 leaves the series", () => {
  // w = 0.5, y = (2, 4, 8): last = 1, 2.5, 5.25; debias 1 − 0.5^i = 0.5, 0.75, 0.875 → 2, 3.333…, 6.
  const s = emaSmooth([2, 4, 8], 0.5);
  near(s[0]!, 2);
  near(s[1]!, 2.5 / 0.75);
  near(s[2]!, 5.25 / 0.875);
  const gap = emaSmooth([2, Number.NaN, 4], 0.5);
  assert.ok(Number.isNaN(gap[1]!));
  near(gap[2]!, 2.5 / 0.75, 1e-12);
  assert.deepEqual(Array.from(emaSmooth([3, 1, 2], 0)), [3, 1, 2]);
  assert.throws(() => emaSmooth([1], 1), RangeError);
});

test("LTTB keeps the ends and the spikes, and as many points as asked", () => {
  const n = 10_000;
  const xs = Array.from({ length: n }, (_, i) => i);
  const ys = xs.map((x) => Math.sin(x / 300) + (x === 4321 ? 50 : 0));
  const keep = lttbIndices(xs, ys, 500);
  assert.equal(keep.length, 500);
  assert.equal(keep[0], 0);
  assert.equal(keep[499], n - 1);
  assert.ok(Array.from(keep).includes(4321), "the spike survives");
  for (let i = 1; i < keep.length; i++) assert.ok(keep[i]! > keep[i - 1]!, "indices ascend");
  assert.deepEqual(Array.from(lttbIndices([0, 1, 2], [5, 6, 7], 10)), [0, 1, 2], "short series are kept whole");
  assert.deepEqual(Array.from(lttbIndices([0, 1, 2, 3], [1, Number.NaN, 3, 4], 10)), [0, 2, 3], "non-finite values are skipped");
});

test("meanBand: mean ± population std on a common grid, each run counted inside its own range (hand example)", () => {
  const a = { x: [0, 10], y: [0, 10] };
  const b = { x: [0, 10], y: [2, 2] };
  const c = { x: [5, 10], y: [100, 100] };
  const band = meanBand([a, b, c], 3); // grid 0, 5, 10
  assert.deepEqual(Array.from(band.x), [0, 5, 10]);
  assert.deepEqual(Array.from(band.count), [2, 3, 3]);
  near(band.mean[0]!, 1);
  near(band.upper[0]! - band.mean[0]!, 1); // values 0 and 2
  near(band.mean[1]!, (5 + 2 + 100) / 3);
  near(interpolate(a, 2.5)!, 2.5);
  assert.equal(interpolate(c, 1), undefined);
});

test("niceTicks picks 1/2/5 steps", () => {
  assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(-3, 47), [0, 10, 20, 30, 40]);
  assert.deepEqual(niceTicks(0.1, 0.35), [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
  // A constant series after smoothing: 500 and 500 − 6e-14 is one tick (it used to loop until the array overflowed).
  assert.deepEqual(niceTicks(499.99999999999994, 500), [499.99999999999994]);
  assert.match(lineChartSvg([{ name: "flat", x: [0, 1, 2], y: [500, 499.99999999999994, 500], color: "#000" }]), /<svg[\s\S]*500/);
});
