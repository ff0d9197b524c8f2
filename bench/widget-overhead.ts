// What the notebook's training view costs: PPO on CartPole-v1 (CleanRL
// settings, 4 copies) trained in a kernel cell with the live view (progress,
// Stop, reward curve, snapshots ≤ 4 Hz) and with a silent display, the two
// alternating run by run in one kernel. Each repeat gives a paired slowdown
// 100 × (1 − SPS with the view ÷ SPS without) from two runs back to back, the
// view first in even repeats and second in odd ones. This VM's speed drifts
// by tens of percent over a minute and now and then stalls a run: the mean of
// an even and the following odd repeat cancels a steady drift, and the median
// of those means (slowdown_pct) ignores a stalled run. median_slowdown_pct is
// the older figure, 100 × (1 − median ÷ median). view_cpu_pct: the share of
// training time spent inside the view's callbacks (median over runs), which
// the machine's drift does not blur.
import { parseArgs } from "node:util";
import { Kernel } from "../kernel/kernel.js";
import { makeMessage, type Header, type Message } from "../kernel/protocol/message.js";
import { emit, median, round } from "./stats.js";

const { values } = parseArgs({ options: { steps: { type: "string", default: "300000" }, repeats: { type: "string", default: "8" } } });
const steps = Number(values.steps);
const repeats = 2 * Math.ceil(Number(values.repeats) / 2);

let outputs = 0;
const pending = new Map<string, { resolve: (r: { reply: Message; result: string | undefined }) => void; result?: string }>();
const kernel = new Kernel({
  dir: process.cwd(),
  live: false,
  io: {
    send: (channel, m) => {
      const p = pending.get((m.parent_header as Header).msg_id);
      if (channel === "iopub" && (m.header.msg_type === "display_data" || m.header.msg_type === "update_display_data")) outputs++;
      if (channel === "iopub" && m.header.msg_type === "execute_result" && p) p.result = (m.content.data as Record<string, string>)["text/plain"];
      if (channel === "shell" && p) p.resolve({ reply: m, result: p.result });
    },
  },
});
await kernel.warmUp();

/** Runs a cell; resolves with its reply and the text of its result. */
function execute(code: string): Promise<{ reply: Message; result: string | undefined }> {
  const req = makeMessage("execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }, undefined, "bench");
  return new Promise((resolve, reject) => {
    pending.set(req.header.msg_id, {
      resolve: (r) => (r.reply.content.status === "ok" ? resolve(r) : reject(new Error(`cell failed: ${JSON.stringify(r.reply.content)}`))),
    });
    kernel.handle("shell", req);
  });
}

// The notebook's view, timed: view_ms is what its callbacks (snapshots and their iopub messages included) take in a run.
await execute(`import { rl, setDisplay, currentDisplay, type Display } from "trellis";
const inner = currentDisplay();
let viewMs = 0;
const timed = <A extends unknown[]>(f: (...a: A) => void) => (...a: A) => { const t = performance.now(); f(...a); viewMs += performance.now() - t; };
const notebookView: Display = { progress: timed((p) => inner.progress(p)), metricsRow: timed((id, row) => inner.metricsRow?.(id, row)) };
const silent = { progress() {} };`);
// A first run warms the JIT for both.
await execute(`await rl.env("CartPole-v1", { n: 4, seed: 99 }).algo(rl.ppo()).record(false).build().train({ steps: 50_000 });`);
const withView: number[] = [];
const without: number[] = [];
const viewShare: number[] = [];
for (let i = 0; i < repeats; i++) {
  for (const view of i % 2 === 0 ? [true, false] : [false, true]) {
    const before = outputs;
    const { result } = await execute(`setDisplay(${view ? "notebookView" : "silent"});\nviewMs = 0;\nconst r${i}${view ? "v" : "s"} = await rl.env("CartPole-v1", { n: 4, seed: ${i + 1} }).algo(rl.ppo({ truncation: "done" })).record(false).build().train({ steps: ${steps} });\nJSON.stringify({ sps: r${i}${view ? "v" : "s"}.sps, seconds: r${i}${view ? "v" : "s"}.seconds, viewMs })`);
    // (The cell's result is a string; its text/plain form is quoted.)
    const r = JSON.parse(result!.replace(/^'|'$/g, "")) as { sps: number; seconds: number; viewMs: number };
    (view ? withView : without).push(r.sps);
    if (view) viewShare.push((100 * r.viewMs) / (1000 * r.seconds));
    emit({ run: i, view, sps: Math.round(r.sps), outputs: outputs - before, ...(view ? { view_ms: round(r.viewMs, 1) } : {}) });
  }
}

const on = median(withView);
const off = median(without);
const pairs = withView.map((w, i) => 100 * (1 - w / without[i]!));
const paired = median(Array.from({ length: repeats / 2 }, (_, k) => (pairs[2 * k]! + pairs[2 * k + 1]!) / 2));
emit({ bench: "widget-overhead", slowdown_pct: round(paired, 2), pair_slowdowns_pct: pairs.map((x) => round(x, 2)), view_cpu_pct: round(median(viewShare), 3), median_slowdown_pct: round(100 * (1 - on / off), 2), sps_with_view: Math.round(on), sps_without: Math.round(off), steps, repeats, target_pct: 3 });
process.exit(0);
