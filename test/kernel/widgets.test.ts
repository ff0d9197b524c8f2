import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { WebSocket } from "ws";
import { KernelHarness, ofType, resultText } from "./harness.js";
import { LiveServer } from "../../kernel/session/live.js";
import { payload } from "../helpers/widgets.js";
import type { LiveToBrowser, LiveToKernel, TrainingData } from "../../widgets/shared/types.js";
import { LiveHub } from "../../kernel/session/live-hub.js";
import type { Message } from "../../kernel/protocol/message.js";

let dir: string;
let k: KernelHarness;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-widgets-"));
  k = new KernelHarness(dir);
  await k.kernel.warmUp();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const html = (m: Message) => (m.content.data as Record<string, string>)["text/html"] ?? "";
const displayId = (m: Message) => (m.content.transient as { display_id?: string } | undefined)?.display_id;

/** Opens a WebSocket and resolves once it is open (rejects with the HTTP status when refused). */
function connect(url: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

test("a training cell shows one widget (plotly once before it), refreshed with update_display_data at ≤ 4 Hz, the last with the final state", async () => {
  await k.execute('import { rl } from "trellis";\nconst run = rl.env("CartPole-v1", { n: 4, seed: 1 }).algo(rl.ppo()).build();');
  const ex = await k.execute("await run.train({ steps: 65_536 });");
  const displays = ofType(ex, "display_data");
  assert.match(html(displays[0]!), /id="trellis-plotly"/, "plotly goes out once, before the first widget");
  assert.equal(displays.length, 2);
  const id = displayId(displays[1]!)!;
  assert.match(html(displays[1]!), /data-kind="training"/);
  const data = payload<{ training: TrainingData }>(html(displays[1]!)).training;
  assert.match(data.live!.url!, /^ws:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/);
  assert.equal(data.live!.comm, "trellis.live", "and a comm target for views that cannot reach the socket");
  const updates = ofType(ex, "update_display_data");
  assert.ok(updates.length >= 2, `updates: ${updates.length}`);
  assert.ok(updates.every((u) => displayId(u) === id), "every update replaces the one widget");
  const times = updates.map((u) => Date.parse(u.header.date));
  for (let i = 1; i < times.length - 1; i++) assert.ok(times[i]! - times[i - 1]! >= 240, `updates ${i - 1}→${i} ${times[i]! - times[i - 1]!} ms apart`);
  const last = updates.at(-1)!;
  assert.match((last.content.data as Record<string, string>)["text/plain"]!, /65,536\/65,536 steps .* stopped: steps/);
  const final = payload<{ training: TrainingData }>(html(last)).training;
  assert.equal(final.progress.stopped, "steps");
  // (Read with the iterator: toArray() gives a null as 0.)
  const withReturn = Number(resultText(await k.execute("[...run.metrics.getChild('episodicReturn')!].filter((v) => v !== null && Number.isFinite(v)).length")));
  assert.ok(withReturn > 10);
  assert.equal(final.curve.series[0]!.y.length, withReturn, "one curve point per update that finished episodes");
  // The next widget of the session does not carry plotly again.
  const curve = ofType(await k.execute("run.curve()"), "execute_result")[0]!;
  assert.doesNotMatch(html(curve), /id="trellis-plotly"/);
  assert.match(html(curve), /data-kind="curve"/);
});

test("a view subscribed over the live WebSocket gets progress and points pushed, and its Stop ends train() cleanly; the next cell continues", async () => {
  const request = k.send("shell", "execute_request", { code: "const r = await run.train({ steps: 2_000_000 }); `stopped: ${r.stopped} at ${run.step}`", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
  await k.until(() => k.exchange(request).iopub.some((m) => m.header.msg_type === "display_data"));
  const widget = k.exchange(request).iopub.find((m) => m.header.msg_type === "display_data")!;
  const data = payload<{ training: TrainingData }>(html(widget)).training;
  const ws = await connect(data.live!.url!, "http://localhost:8888");
  try {
    await watchAndStop(
      {
        listen: (on) => ws.on("message", (raw) => on(JSON.parse(String(raw)) as LiveToBrowser)),
        send: (m) => ws.send(JSON.stringify(m)),
      },
      data,
      request,
    );
  } finally {
    ws.close();
  }
  const next = await k.execute("(await run.train({ steps: 512 })).stopped + ' ' + (run.step - " + stoppedAt + ")");
  assert.equal(resultText(next), "'steps 512'");
  // The next call's view continues the run's curve (every episode return so far), as one growing plot.
  const view = payload<{ training: TrainingData }>(html(ofType(next, "update_display_data").at(-1) ?? ofType(next, "display_data")[0]!)).training;
  const points = Number(resultText(await k.execute("[...run.metrics.getChild('episodicReturn')!].filter((v) => v !== null && Number.isFinite(v)).length")));
  assert.equal(view.curve.series[0]!.y.length, Math.min(points, 1500));
});

let stoppedAt = 0;

/** A view's connection to the kernel: the WebSocket or a comm. */
interface ViewLink {
  listen(on: (m: LiveToBrowser) => void): void;
  send(m: LiveToKernel): void;
}

async function watchAndStop(link: ViewLink, data: TrainingData, request: Message): Promise<void> {
  const received: LiveToBrowser[] = [];
  link.listen((m) => received.push(m));
  link.send({ type: "subscribe", widget: data.widgetId });
  await k.until(() => received.some((m) => m.type === "points") && received.filter((m) => m.type === "progress").length >= 2, 60_000);
  const progress = received.filter((m): m is Extract<LiveToBrowser, { type: "progress" }> => m.type === "progress");
  assert.ok(progress.at(-1)!.progress.step > progress[0]!.progress.step, "progress moves");
  const snapshotsWhileWatched = k.exchange(request).iopub.filter((m) => m.header.msg_type === "update_display_data").length;
  link.send({ type: "stop", widget: data.widgetId });
  await k.until(() => k.exchange(request).reply !== undefined, 60_000);
  const ex = k.exchange(request);
  assert.equal(ex.reply.content.status, "ok");
  assert.match(resultText(ex)!, /^'stopped: aborted at \d+'$/);
  const step = Number(/at (\d+)/.exec(resultText(ex)!)![1]);
  assert.ok(step < 2_000_000 + 65_536);
  await k.until(() => received.some((m) => m.type === "progress" && m.progress.stopped === "aborted"), 5_000).catch(() => assert.fail("the view hears that training stopped"));
  const updates = ex.iopub.filter((m) => m.header.msg_type === "update_display_data");
  assert.ok(updates.length - snapshotsWhileWatched <= 2, "a watched view gets pushes, not snapshots (only the final state is written)");
  assert.match((updates.at(-1)!.content.data as Record<string, string>)["text/plain"]!, /stopped: aborted/);
  stoppedAt = step;
}

test("a view that cannot reach the socket subscribes over a comm: its open, pushes and Stop pass while the cell runs", async () => {
  const request = k.send("shell", "execute_request", { code: "const c = await run.train({ steps: 2_000_000 }); `stopped: ${c.stopped} at ${run.step}`", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
  await k.until(() => k.exchange(request).iopub.some((m) => m.header.msg_type === "display_data"));
  const widget = k.exchange(request).iopub.find((m) => m.header.msg_type === "display_data")!;
  const data = payload<{ training: TrainingData }>(html(widget)).training;
  const commId = "c0ffee";
  const seen = new Set<Message>();
  let opened = false;
  let stopPolling = () => {};
  await watchAndStop(
    {
      listen: (on) => {
        // Comm messages go out on IOPub whatever their parent: poll everything the kernel sent.
        const poll = setInterval(() => {
          for (const s of k.sent) {
            if (s.channel !== "iopub" || s.message.header.msg_type !== "comm_msg" || s.message.content.comm_id !== commId || seen.has(s.message)) continue;
            seen.add(s.message);
            on(s.message.content.data as unknown as LiveToBrowser);
          }
        }, 20);
        poll.unref();
        stopPolling = () => clearInterval(poll);
      },
      send: (m) => {
        if (!opened) {
          opened = true;
          k.send("shell", "comm_open", { comm_id: commId, target_name: data.live!.comm!, data: m });
        } else k.send("shell", "comm_msg", { comm_id: commId, data: m });
      },
    },
    data,
    request,
  );
  stopPolling();
  k.send("shell", "comm_close", { comm_id: commId, data: {} });
});

test("a comm to the live target must open with a subscription", async () => {
  k.send("shell", "comm_open", { comm_id: "bad", target_name: "trellis.live", data: { type: "stop", widget: "w" } });
  await k.until(() => k.sent.some((s) => s.message.header.msg_type === "comm_close" && s.message.content.comm_id === "bad"), 5_000);
  const closed = k.sent.find((s) => s.message.header.msg_type === "comm_close" && s.message.content.comm_id === "bad")!.message;
  assert.match(String((closed.content.data as { error?: string }).error), /opens with \{ type: "subscribe", widget \}/);
});

test("the live server takes only its token, from pages served by this machine", async () => {
  const hub = new LiveHub();
  const live = new LiveServer(hub);
  const port = await live.ready;
  const good = live.url(port);
  await assert.rejects(connect(good.replace(/token=\w+/, "token=" + "0".repeat(32))), /refused: 401/);
  await assert.rejects(connect(good, "https://evil.example"), /refused: 401/);
  await assert.rejects(connect(good, "http://localhost.evil.example:8888"), /refused: 401/);
  const stops: string[] = [];
  hub.onControl("w1", (m) => stops.push(m.type));
  const ws = await connect(good, "http://127.0.0.1:8888");
  ws.send(JSON.stringify({ type: "subscribe", widget: "w1" }));
  ws.send(JSON.stringify({ type: "stop", widget: "w1" }));
  const got = new Promise<string>((resolve) => ws.once("message", (raw) => resolve(String(raw))));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(hub.watched("w1"), true);
  hub.push({ type: "progress", widget: "w1", progress: { label: "x", step: 1, updates: 0, elapsedS: 0, sps: 0 } });
  assert.equal(JSON.parse(await got).progress.step, 1);
  assert.deepEqual(stops, ["subscribe", "stop"]);
  // A message that is not JSON closes the client (test/kernel/live-socket.test.ts tries every kind of bad input).
  const code = new Promise<number>((resolve) => ws.once("close", resolve));
  ws.send("not json");
  assert.equal(await code, 1008);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(hub.watched("w1"), false);
  assert.deepEqual(stops, ["subscribe", "stop"]);
  live.close();
});
