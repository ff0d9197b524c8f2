// The live WebSocket against a client that holds the token (it is saved in
// notebooks) and breaks the protocol: every bad frame or message closes that
// client, and the kernel, its other views and a training cell carry on.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { WebSocket } from "ws";
import { LiveServer } from "../../kernel/session/live.js";
import { LiveHub, liveMessageFrom } from "../../kernel/session/live-hub.js";
import type { LiveToKernel, TrainingData } from "../../widgets/shared/types.js";
import { frame, RawWebSocket, text } from "../helpers/raw-websocket.js";
import { payload } from "../helpers/widgets.js";
import { KernelHarness, resultText } from "./harness.js";

const MiB = 1024 * 1024;

/** Each way a client can break the WebSocket protocol or the live views' messages, with the close code it earns. */
const attacks: { name: string; bytes: () => Buffer[]; code: number }[] = [
  { name: "the text null", bytes: () => [text("null")], code: 1008 },
  { name: "a JSON array", bytes: () => [text("[]")], code: 1008 },
  { name: "a JSON number", bytes: () => [text("42")], code: 1008 },
  { name: "not JSON", bytes: () => [text("{not json")], code: 1008 },
  { name: "a stop without a widget", bytes: () => [text('{"type":"stop"}')], code: 1008 },
  { name: "a widget that is an object", bytes: () => [text('{"type":"subscribe","widget":{}}')], code: 1008 },
  { name: "a type named like a prototype member", bytes: () => [text('{"type":"__proto__","widget":"w"}')], code: 1008 },
  { name: "a binary message", bytes: () => [frame({ opcode: 0x2, payload: Buffer.from('{"type":"stop","widget":"w"}') })], code: 1008 },
  { name: "an unmasked client frame", bytes: () => [frame({ opcode: 0x1, payload: Buffer.from("{}"), mask: false })], code: 1002 },
  { name: "RSV1 without an extension", bytes: () => [frame({ opcode: 0x1, rsv: 4, payload: Buffer.from("{}") })], code: 1002 },
  { name: "a reserved opcode", bytes: () => [frame({ opcode: 0x3, payload: Buffer.from("x") })], code: 1002 },
  { name: "invalid UTF-8", bytes: () => [frame({ opcode: 0x1, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) })], code: 1007 },
  { name: "an oversized control frame", bytes: () => [frame({ opcode: 0x9, payload: Buffer.alloc(126, 0x61) })], code: 1002 },
  { name: "close code 999", bytes: () => [frame({ opcode: 0x8, payload: Buffer.from([0x03, 0xe7]) })], code: 1002 },
  { name: "a continuation first", bytes: () => [frame({ opcode: 0x0, payload: Buffer.from("x") })], code: 1002 },
  { name: "garbage bytes", bytes: () => [Buffer.from("GET / HTTP/1.1\r\n\r\n\x00\x01\x02garbage")], code: 1002 },
  // Announced, then only the first MiB sent: the server must refuse at the header, not buffer 100 MiB.
  { name: "a 100 MiB message", bytes: () => [frame({ opcode: 0x1, payload: Buffer.alloc(MiB, 0x20), announcedLength: 100 * MiB })], code: 1009 },
  { name: "a fragmented 100 MiB message", bytes: () => [frame({ opcode: 0x1, fin: false, payload: Buffer.alloc(MiB / 2, 0x20) }), frame({ opcode: 0x0, fin: false, payload: Buffer.alloc(MiB / 2, 0x20) })], code: 1009 },
];

/** Sends the attack and waits until the server has closed the connection (rejects after 5 s). */
async function attack(url: string, bytes: Buffer[]): Promise<RawWebSocket> {
  const ws = await RawWebSocket.open(url);
  for (const b of bytes) ws.write(b);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("the server kept the connection open")), 5_000)));
  try {
    await Promise.race([ws.closed, timeout]);
  } finally {
    clearTimeout(timer);
    ws.destroy();
  }
  return ws;
}

/** A well-behaved view: subscribes to `widget` and resolves with the first push it receives (rejects after 20 s without one). */
async function goodView(url: string, widget: string): Promise<{ ws: WebSocket; first: Promise<unknown> }> {
  const ws = new WebSocket(url, { origin: "http://localhost:8888" });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const first = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the view got no push within 20 s")), 20_000);
    ws.once("message", (raw) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(raw)));
    });
  });
  ws.send(JSON.stringify({ type: "subscribe", widget }));
  return { ws, first };
}

test("every protocol violation and malformed message closes that client with its code; the server serves the next view", async () => {
  const hub = new LiveHub();
  const controls: LiveToKernel[] = [];
  hub.onControl("w", (m) => controls.push(m));
  const live = new LiveServer(hub);
  const url = live.url(await live.ready);
  try {
    const closed = await Promise.all(attacks.map((a) => attack(url, a.bytes())));
    attacks.forEach((a, i) => assert.equal(closed[i]!.closeCode(), a.code, `${a.name}: close code`));
    assert.deepEqual(controls, [], "no malformed message reached a widget's controls");
    const view = await goodView(url, "w");
    await new Promise((r) => setTimeout(r, 50));
    hub.push({ type: "progress", widget: "w", progress: { label: "x", step: 7, updates: 0, elapsedS: 0, sps: 0 } });
    assert.equal(((await view.first) as { progress: { step: number } }).progress.step, 7);
    view.ws.close();
  } finally {
    live.close();
  }
});

test("a client that subscribes again and again holds one subscription per widget, at most 256 widgets", async () => {
  const hub = new LiveHub();
  const live = new LiveServer(hub);
  const url = live.url(await live.ready);
  try {
    const ws = await RawWebSocket.open(url);
    for (let i = 0; i < 1000; i++) ws.write(text('{"type":"subscribe","widget":"same"}'));
    for (let i = 0; i < 255; i++) ws.write(text(JSON.stringify({ type: "subscribe", widget: `w${i}` })));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(ws.closeCode(), undefined, "256 widgets (one of them subscribed 1000 times) are allowed");
    hub.push({ type: "progress", widget: "same", progress: { label: "x", step: 1, updates: 0, elapsedS: 0, sps: 0 } });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(ws.texts().length, 1, "one push, not one per repeated subscription");
    ws.write(text('{"type":"subscribe","widget":"one-too-many"}'));
    await ws.closed;
    assert.equal(ws.closeCode(), 1008);
    for (let i = 0; i < 100 && hub.watched("same"); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(hub.watched("same"), false, "a closed client's subscriptions are gone");
  } finally {
    live.close();
  }
});

test("liveMessageFrom accepts exactly { type: subscribe | stop, widget: string } (property: any JSON value)", () => {
  assert.deepEqual(liveMessageFrom({ type: "stop", widget: "a", extra: 1 }), { type: "stop", widget: "a" });
  assert.match(String(liveMessageFrom(null)), /expected an object \{ type, widget \}, got null/);
  assert.match(String(liveMessageFrom({ type: "stop", widget: "x".repeat(201) })), /1 to 200 characters/);
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const m = liveMessageFrom(value);
      const valid = typeof value === "object" && value !== null && !Array.isArray(value) && ((value as Record<string, unknown>).type === "subscribe" || (value as Record<string, unknown>).type === "stop") && typeof (value as Record<string, unknown>).widget === "string" && ((value as Record<string, string>).widget.length ?? 0) > 0 && (value as Record<string, string>).widget.length <= 200;
      assert.equal(typeof m !== "string", valid);
    }),
    { seed: 9, numRuns: 2_000 },
  );
});

let dir: string;
let k: KernelHarness;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-live-socket-"));
  k = new KernelHarness(dir);
  await k.kernel.warmUp();
});
after(() => rm(dir, { recursive: true, force: true }));

test("a training cell completes while a token holder throws every bad frame at its view's socket; the kernel answers the next cell", async () => {
  await k.execute('import { rl } from "trellis";\nconst run = rl.env("CartPole-v1", { n: 4, seed: 2 }).algo(rl.ppo()).build();');
  const request = k.send("shell", "execute_request", { code: "const r = await run.train({ steps: 60_000 }); `${r.stopped} ${run.step}`", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
  await k.until(() => k.exchange(request).iopub.some((m) => m.header.msg_type === "display_data" && /data-kind="training"/.test(String((m.content.data as Record<string, string>)["text/html"]))));
  const widget = k.exchange(request).iopub.find((m) => m.header.msg_type === "display_data" && /data-kind="training"/.test(String((m.content.data as Record<string, string>)["text/html"])))!;
  const data = payload<{ training: TrainingData }>((widget.content.data as Record<string, string>)["text/html"]!).training;
  const url = data.live!.url!;
  const view = await goodView(url, data.widgetId);
  await Promise.all(attacks.map((a) => attack(url, a.bytes())));
  await k.until(() => k.exchange(request).reply !== undefined, 60_000);
  const reply = k.exchange(request).reply;
  assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
  assert.ok(await view.first, "the well-behaved view got its pushes");
  view.ws.close();
  assert.equal(resultText(await k.execute("`${r.stopped} ${run.step}`")), "'steps 60000'");
});

test("a widget nobody watches any more is forgotten: ids sent by clients do not pile up in the hub", () => {
  const hub = new LiveHub();
  const leave = Array.from({ length: 1000 }, (_, i) => hub.subscribe(`random-${i}`, { send: () => {} }));
  const stay = hub.subscribe("kept", { send: () => {} });
  for (const l of leave) l();
  const watched = (hub as unknown as { subscribers: Map<string, unknown> }).subscribers;
  assert.deepEqual([...watched.keys()], ["kept"]);
  stay();
  assert.equal(watched.size, 0);
});
