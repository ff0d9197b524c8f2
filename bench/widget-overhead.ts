// What the notebook's training view costs: PPO on CartPole-v1 (CleanRL
// settings, 4 copies) trained in a kernel cell with the live view (progress,
// Stop, reward curve, snapshots ≤ 4 Hz) and with a silent display, the two
// alternating run by run in one kernel. Figure: slowdown_pct = 100 × (1 −
// median SPS with the view ÷ median SPS without).
import { parseArgs } from "node:util";
import { Kernel } from "../kernel/kernel.js";
import { makeMessage, type Header, type Message } from "../kernel/protocol/message.js";
import { emit, median, round } from "./stats.js";

const { values } = parseArgs({ options: { steps: { type: "string", default: "300000" }, repeats: { type: "string", default: "5" } } });
const steps = Number(values.steps);
const repeats = Number(values.repeats);

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

await execute('import { rl, setDisplay, currentDisplay } from "trellis";\nconst notebookView = currentDisplay();\nconst silent = { progress() {} };');
// A first run warms the JIT for both.
await execute(`await rl.env("CartPole-v1", { n: 4, seed: 99 }).algo(rl.ppo()).record(false).build().train({ steps: 50_000 });`);
const withView: number[] = [];
const without: number[] = [];
for (let i = 0; i < repeats; i++) {
  for (const view of i % 2 === 0 ? [true, false] : [false, true]) {
    const before = outputs;
    const { result } = await execute(`setDisplay(${view ? "notebookView" : "silent"});\n(await rl.env("CartPole-v1", { n: 4, seed: ${i + 1} }).algo(rl.ppo({ truncation: "done" })).record(false).build().train({ steps: ${steps} })).sps`);
    const sps = Number(result);
    (view ? withView : without).push(sps);
    emit({ run: i, view, sps: Math.round(sps), outputs: outputs - before });
  }
}

const on = median(withView);
const off = median(without);
emit({ bench: "widget-overhead", slowdown_pct: round(100 * (1 - on / off), 2), sps_with_view: Math.round(on), sps_without: Math.round(off), steps, repeats, target_pct: 3 });
process.exit(0);
