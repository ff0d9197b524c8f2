// Kernel latency, Trellis and tslab side by side over real ZeroMQ sockets
// (the client speaks the wire protocol with the kernel's own encoder):
// - ready_s: process start → first kernel_info_reply;
// - trivial_ms_median: execute a trivial cell (`i + 1`, a different one each time) →
//   execute_reply and idle status received; repeat_ms_median: the same cell again;
// - typed_ms_median: a cell that builds a Trellis run (imports, type check included);
// - first_complete_ms: a fresh kernel, its first complete_request (of Trellis code) sent as soon as
//   kernel_info_reply came → complete_reply;
// - idle_gap_ms_max / _p95: for every request of the run, its idle status's arrival after its reply's
//   (clients that drain IOPub after a reply must not find a late idle there).
// tslab is installed in the benchmark's own folder (.bench-cache/tslab) on first use.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as zmq from "zeromq";
import { makeMessage, type Message } from "../kernel/protocol/message.js";
import { decode, encode, Signer } from "../kernel/protocol/wire.js";
import { emit, median, round } from "./stats.js";
import { freePort } from "../kernel/zmq/connection.js";

const { values } = parseArgs({
  options: {
    trivial: { type: "string", default: "40" },
    typed: { type: "string", default: "15" },
    starts: { type: "string", default: "3" },
    "skip-tslab": { type: "boolean", default: false },
  },
});
const trivialN = Number(values.trivial);
const typedN = Number(values.typed);
const starts = Number(values.starts);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cache = join(root, ".bench-cache", "tslab");


/** Installs tslab next to a link to this checkout (so `import "trellis"` resolves for both kernels). */
function prepareTslab(): string {
  const bin = join(cache, "node_modules", "tslab", "bin", "tslab");
  if (!existsSync(bin)) {
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, "package.json"), JSON.stringify({ name: "tslab-bench", private: true }));
    const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "tslab@1.0.22"], { cwd: cache, stdio: "inherit" });
    if (r.status !== 0) throw new Error("npm install tslab failed");
  }
  const link = join(cache, "node_modules", "trellis");
  if (!existsSync(link)) symlinkSync(root, link, "dir");
  return bin;
}

class Client {
  private readonly signer: Signer;
  readonly shell = new zmq.Dealer();
  readonly iopub = new zmq.Subscriber();
  private readonly pending = new Map<string, (m: Message) => void>();
  private readonly idle = new Map<string, () => void>();
  /** Milliseconds from each reply's arrival to its idle status's (negative: idle came first). */
  readonly idleGaps: number[] = [];
  private closed = false;

  constructor(readonly conn: Record<string, unknown>) {
    this.signer = new Signer(conn.key as string);
    this.shell.connect(`tcp://127.0.0.1:${conn.shell_port}`);
    this.iopub.connect(`tcp://127.0.0.1:${conn.iopub_port}`);
    this.iopub.subscribe();
    void this.loop(this.shell, (m) => this.pending.get((m.parent_header as { msg_id: string }).msg_id)?.(m));
    void this.loop(this.iopub, (m) => {
      if (m.header.msg_type === "status" && m.content.execution_state === "idle") this.idle.get((m.parent_header as { msg_id: string }).msg_id)?.();
    });
  }

  private async loop(socket: zmq.Dealer | zmq.Subscriber, on: (m: Message) => void): Promise<void> {
    try {
      for await (const frames of socket) on(decode(frames as Buffer[], this.signer).message);
    } catch (error) {
      if (!this.closed) throw error;
    }
  }

  /** Sends a request; resolves when its reply and its idle status have both arrived. */
  async request(type: string, content: Record<string, unknown>, timeoutMs = 60_000): Promise<Message> {
    const msg = makeMessage(type, content, undefined, "bench");
    let replyAt = NaN;
    let idleAt = NaN;
    const reply = new Promise<Message>((resolve) => this.pending.set(msg.header.msg_id, (m) => ((replyAt = performance.now()), resolve(m))));
    const idle = new Promise<void>((resolve) => this.idle.set(msg.header.msg_id, () => ((idleAt = performance.now()), resolve())));
    await this.shell.send(encode(msg, [], this.signer));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer to ${type} within ${timeoutMs} ms`)), timeoutMs)));
    try {
      const [r] = await Promise.race([Promise.all([reply, idle]), timeout]);
      this.idleGaps.push(idleAt - replyAt);
      if (process.env.TRELLIS_BENCH_DEBUG && idleAt - replyAt > 2) console.error(`gap ${(idleAt - replyAt).toFixed(1)} ms after ${type}`);
      return r;
    } finally {
      clearTimeout(timer);
      this.pending.delete(msg.header.msg_id);
      this.idle.delete(msg.header.msg_id);
    }
  }

  close(): void {
    this.closed = true;
    this.shell.close();
    this.iopub.close();
  }
}

async function startKernel(command: string[], cwd: string): Promise<{ child: ChildProcess; client: Client; readyS: number }> {
  const conn = {
    ip: "127.0.0.1",
    transport: "tcp",
    signature_scheme: "hmac-sha256",
    key: randomBytes(16).toString("hex"),
    shell_port: await freePort(),
    iopub_port: await freePort(),
    stdin_port: await freePort(),
    control_port: await freePort(),
    hb_port: await freePort(),
  };
  const file = join(cache, `conn-${process.pid}-${Date.now()}.json`);
  mkdirSync(cache, { recursive: true });
  writeFileSync(file, JSON.stringify(conn));
  const t0 = performance.now();
  const child = spawn(process.execPath, [...command.map((a) => a.replace("{connection_file}", file))], { cwd, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const client = new Client(conn);
  // Until the kernel binds, requests queue in ZeroMQ; ask again every 100 ms in case the first was lost.
  let readyS = NaN;
  for (let attempt = 0; attempt < 300 && Number.isNaN(readyS); attempt++) {
    try {
      await client.request("kernel_info_request", {}, 100);
      readyS = (performance.now() - t0) / 1000;
    } catch {
      if (child.exitCode !== null) throw new Error(`the kernel exited (${child.exitCode}): ${stderr}`);
    }
  }
  if (Number.isNaN(readyS)) throw new Error(`no kernel_info_reply within 30 s: ${stderr}`);
  return { child, client, readyS };
}

async function time(client: Client, code: string): Promise<number> {
  const t = performance.now();
  const r = await client.request("execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: false });
  const ms = performance.now() - t;
  if (r.content.status !== "ok") throw new Error(`cell failed: ${code}\n${JSON.stringify(r.content)}`);
  return ms;
}

/** The first completion a user asks for in a Trellis notebook: the fluent entry's members. */
const FIRST_COMPLETION = 'import { rl } from "trellis";\nrl.';

async function firstCompletion(client: Client): Promise<number> {
  const t = performance.now();
  const r = await client.request("complete_request", { code: FIRST_COMPLETION, cursor_pos: FIRST_COMPLETION.length });
  const ms = performance.now() - t;
  const matches = r.content.matches as string[] | undefined;
  if (r.content.status !== "ok" || !matches?.includes("env")) throw new Error(`the first completion did not offer rl.env: ${JSON.stringify(r.content).slice(0, 300)}`);
  return ms;
}

const TYPED = (i: number) => `import { rl } from "trellis";\nconst b${i} = rl.env("CartPole-v1", { n: 2, seed: ${i} }).algo(rl.ppo({ numSteps: 8, minibatches: 1 }));\nb${i}.toConfig().env.n`;

async function measure(name: string, command: string[], cwd: string): Promise<Record<string, unknown>> {
  const readies: number[] = [];
  const firsts: number[] = [];
  const gaps: number[] = [];
  for (let s = 0; s < starts; s++) {
    const k = await startKernel(command, cwd);
    readies.push(k.readyS);
    firsts.push(await firstCompletion(k.client));
    for (let i = 0; i < 5; i++) await k.client.request("complete_request", { code: `Math.${"max".slice(0, i % 3)}`, cursor_pos: 5 + (i % 3) });
    gaps.push(...k.client.idleGaps);
    k.client.close();
    k.child.kill("SIGKILL");
  }
  const k = await startKernel(command, cwd);
  // Warm-up: the first cells load the compiler and Trellis's types.
  await time(k.client, "1 + 1");
  await time(k.client, TYPED(0));
  const trivial: number[] = [];
  for (let i = 0; i < trivialN; i++) trivial.push(await time(k.client, `${i} + 1`));
  const repeat: number[] = [];
  for (let i = 0; i < trivialN; i++) repeat.push(await time(k.client, "1 + 1"));
  const typed: number[] = [];
  for (let i = 1; i <= typedN; i++) typed.push(await time(k.client, TYPED(i)));
  gaps.push(...k.client.idleGaps);
  k.client.close();
  k.child.kill("SIGKILL");
  gaps.sort((a, b) => a - b);
  const row = {
    kernel: name,
    ready_s: round(median(readies)),
    ready_s_all: readies.map((r) => round(r)),
    first_complete_ms: round(median(firsts), 1),
    first_complete_ms_all: firsts.map((f) => round(f, 1)),
    idle_gap_ms_max: round(gaps.at(-1)!, 2),
    idle_gap_ms_p95: round(gaps[Math.floor(0.95 * (gaps.length - 1))]!, 2),
    idle_gaps_n: gaps.length,
    trivial_ms_median: round(median(trivial), 2), repeat_ms_median: round(median(repeat), 2), typed_ms_median: round(median(typed), 1), trivial_n: trivialN, typed_n: typedN };
  emit(row);
  return row;
}

const trellis = await measure("trellis", [join(root, "dist", "kernel", "cli.js"), "kernel", "--connection-file", "{connection_file}"], existsSync(cache) ? cache : root);
let tslab: Record<string, unknown> | undefined;
if (!values["skip-tslab"]) {
  const bin = prepareTslab();
  tslab = await measure("tslab", [bin, "kernel", "--config-path", "{connection_file}"], cache);
}
const ratio = (k: string) => (tslab ? round((tslab[k] as number) / (trellis[k] as number), 2) : null);
emit({
  bench: "kernel-latency",
  ready_s: trellis.ready_s,
  trivial_ms_median: trellis.trivial_ms_median,
  typed_ms_median: trellis.typed_ms_median,
  first_complete_ms: trellis.first_complete_ms,
  idle_gap_ms_max: trellis.idle_gap_ms_max,
  tslab_ready_s: tslab?.ready_s ?? null,
  tslab_first_complete_ms: tslab?.first_complete_ms ?? null,
  tslab_idle_gap_ms_max: tslab?.idle_gap_ms_max ?? null,
  repeat_ms_median: trellis.repeat_ms_median,
  tslab_trivial_ms_median: tslab?.trivial_ms_median ?? null,
  tslab_repeat_ms_median: tslab?.repeat_ms_median ?? null,
  tslab_typed_ms_median: tslab?.typed_ms_median ?? null,
  ready_speedup_vs_tslab: ratio("ready_s"),
  trivial_speedup_vs_tslab: ratio("trivial_ms_median"),
  typed_speedup_vs_tslab: ratio("typed_ms_median"),
  first_complete_speedup_vs_tslab: ratio("first_complete_ms"),
  targets: { ready_s: 1.0, trivial_ms_median: 15, typed_ms_median: "≤ tslab's", first_complete_ms: "≤ 100 and ≤ 2 × tslab's", idle_gap_ms_max: 5 },
});
process.exit(0);
