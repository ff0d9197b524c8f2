// The kernel's socket thread. It owns the five ZeroMQ sockets, so the
// heartbeat, the control channel (interrupt, kernel_info, shutdown) and the
// queuing of shell requests keep working while the main thread runs a cell,
// even a `while (true) {}`. Layers, lowest first: frames (zeromq) → wire
// (decode/verify, encode/sign: ../protocol/wire.ts) → one loop per socket →
// the few requests answered here; everything else goes to the main thread.
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { makeMessage, type Channel, type Header, type Message } from "../protocol/message.js";
import { decode, encode, Signer, WireError } from "../protocol/wire.js";
import { endpoint, type ConnectionInfo } from "./connection.js";

/**
 * Messages between the socket thread and the main thread. Every message that
 * arrives gets a `route`: a number of this thread's own that names who sent it
 * on which socket. Its replies (and an execute's stdin requests) travel back
 * with that number, never by msg_id: clients are free to repeat msg_ids (a
 * KernelManager's interrupts repeat its client's), and a reply must still reach
 * the socket and peer its request came from.
 */
export type ToMain = { kind: "ready" } | { kind: "request"; channel: Channel; message: Message; route: number } | { kind: "interrupt" } | { kind: "closed" } | { kind: "log"; text: string };
/**
 * How long an interrupt waits for the main thread to stop the cell by itself
 * (a loop guard reads the flag, an awaiting cell is aborted by the
 * `interrupt` message) before SIGINT breaks synchronous code that checks
 * nothing. A SIGINT that comes after the cell ended would be kept by Node and
 * break the next cell's script, so it is sent only when needed.
 */
const SIGINT_AFTER_MS = 100;
/** After `closed` following a shutdown_request, the main thread has this long to exit by itself before the socket thread ends the process (a cell may block it). */
const SHUTDOWN_GRACE_MS = 2_000;
/** `close`: send what is queued, close the sockets, answer `closed` (the kernel shuts down); `warm`: the kernel has loaded (kernel_info may be answered). */
export type ToWorker = { kind: "send"; channel: Channel; message: Message; route?: number } | { kind: "warm" } | { kind: "close" } | { kind: "batch"; messages: ToWorker[] };

interface WorkerInput {
  connection: ConnectionInfo;
  /** Interrupt flag shared with the main thread's executor. */
  flag: SharedArrayBuffer;
  kernelInfo: Record<string, unknown>;
  session: string;
}

const input = workerData as WorkerInput;
const port = parentPort!;
const signer = new Signer(input.connection.key, input.connection.signature_scheme);
const flag = new Int32Array(input.flag);
const log = (text: string) => port.postMessage({ kind: "log", text } satisfies ToMain);

const shell = new zmq.Router();
const control = new zmq.Router();
const stdin = new zmq.Router();
const iopub = new zmq.Publisher();
const hb = new zmq.Reply();
const sockets: Record<Channel, zmq.Router | zmq.Publisher> = { shell, control, stdin, iopub };

/** Routing identities of requests still being answered, by route (their replies, and stdin requests of an execute, go back to them). */
const identities = new Map<number, Buffer[]>();
let lastRoute = 0;

/** zeromq sockets take one send at a time: each socket's sends are chained. */
const sendQueues = new Map<unknown, Promise<void>>();
function sendFrames(socket: zmq.Router | zmq.Publisher, frames: Buffer[], after?: Promise<void>): Promise<void> {
  const previous = sendQueues.get(socket) ?? Promise.resolve();
  const next = (after ? Promise.all([previous, after]) : previous).then(() => socket.send(frames)).catch((error: unknown) => log(`send failed: ${(error as Error).message}`));
  sendQueues.set(socket, next);
  return next;
}

function send(channel: Channel, message: Message, route?: number): Promise<void> {
  const to = channel === "iopub" ? [Buffer.from(`kernel.${input.session}.${message.header.msg_type}`)] : route === undefined ? undefined : identities.get(route);
  if (to === undefined) {
    log(`no route for a ${message.header.msg_type} on ${channel} (its request is unknown)`);
    return Promise.resolve();
  }
  // A reply ends its request's routing needs (input_request travels while the execute request is still open).
  if (route !== undefined && channel !== "stdin" && message.header.msg_type.endsWith("_reply")) identities.delete(route);
  // A reply leaves after the IOPub messages sent before it (a cell's outputs, each one awaited send): it must not
  // overtake them, and its idle status, sent right after it, then follows it within a send instead of a backlog.
  const reply = channel !== "iopub" && channel !== "stdin" && message.header.msg_type.endsWith("_reply");
  return sendFrames(sockets[channel], encode(message, to, signer), reply ? sendQueues.get(iopub) : undefined);
}

/** kernel_info requests that came before the kernel was warm: answered once it is (the reply means ready). */
let warm = false;
const heldInfo: { channel: Channel; message: Message; route: number }[] = [];

function answerInfo(channel: Channel, message: Message, route: number): void {
  const parent = message.header as Header;
  void send(channel, makeMessage("kernel_info_reply", input.kernelInfo, parent, input.session), route);
  void send("iopub", makeMessage("status", { execution_state: "idle" }, parent, input.session));
}

/** Requests answered on this thread, so they work while a cell blocks the main thread. */
function answerHere(channel: Channel, message: Message, route: number): boolean {
  const type = message.header.msg_type;
  if (type !== "kernel_info_request" && type !== "interrupt_request" && type !== "shutdown_request") return false;
  const parent = message.header as Header;
  const status = (state: string) => send("iopub", makeMessage("status", { execution_state: state }, parent, input.session));
  void status("busy");
  if (type === "shutdown_request") {
    // Answered here so a kernel busy in a cell still shuts down: reply, close, and end the process if the main thread cannot.
    const restart = message.content.restart === true;
    void send(channel, makeMessage("shutdown_reply", { status: "ok", restart }, parent, input.session), route);
    void status("idle").then(() => close());
    setTimeout(() => process.kill(process.pid, "SIGKILL"), SHUTDOWN_GRACE_MS).unref();
    return true;
  }
  if (type === "interrupt_request") {
    // The flag stops loops in cell code; the message aborts an awaiting cell; SIGINT breaks synchronous code (vm breakOnSigint).
    Atomics.store(flag, 1, route);
    Atomics.store(flag, 0, 1);
    port.postMessage({ kind: "interrupt" } satisfies ToMain);
    setTimeout(() => {
      if (Atomics.load(flag, 0) === 1 && Atomics.load(flag, 1) === route) process.kill(process.pid, "SIGINT");
    }, SIGINT_AFTER_MS).unref();
    void send(channel, makeMessage("interrupt_reply", { status: "ok" }, parent, input.session), route);
    void status("idle");
    return true;
  }
  if (warm) answerInfo(channel, message, route);
  else heldInfo.push({ channel, message, route });
  return true;
}

let closing = false;

async function serve(channel: Exclude<Channel, "iopub">, socket: zmq.Router): Promise<void> {
  for await (const frames of socket) {
    if (closing) break;
    let message: Message;
    const route = ++lastRoute;
    try {
      const received = decode(frames as Buffer[], signer);
      message = received.message;
      // Only requests are answered (comm messages and input replies are not).
      if (message.header.msg_type.endsWith("_request")) identities.set(route, received.identities);
    } catch (error) {
      // A bad signature, malformed JSON or truncated frames: dropped and logged; the kernel lives on.
      log(`dropped a message on ${channel}: ${error instanceof WireError ? error.message : String(error)}`);
      continue;
    }
    if (channel === "stdin" || !answerHere(channel, message, route)) port.postMessage({ kind: "request", channel, message, route } satisfies ToMain);
  }
}

async function heartbeat(): Promise<void> {
  for await (const frames of hb) {
    if (closing) break;
    await hb.send(frames);
  }
}

async function close(): Promise<void> {
  closing = true;
  await Promise.all([...sendQueues.values()]);
  for (const s of [shell, control, stdin, iopub, hb]) s.close();
  port.postMessage({ kind: "closed" } satisfies ToMain);
}

function receive(m: ToWorker): void {
  if (m.kind === "batch") for (const each of m.messages) receive(each);
  else if (m.kind === "send") void send(m.channel, m.message, m.route);
  else if (m.kind === "close") void close();
  else if (m.kind === "warm") {
    warm = true;
    for (const held of heldInfo.splice(0)) answerInfo(held.channel, held.message, held.route);
  }
}

port.on("message", receive);

const c = input.connection;
for (const s of [shell, control, stdin, iopub]) s.linger = 1000;
await Promise.all([
  shell.bind(endpoint(c, c.shell_port)),
  control.bind(endpoint(c, c.control_port)),
  stdin.bind(endpoint(c, c.stdin_port)),
  iopub.bind(endpoint(c, c.iopub_port)),
  hb.bind(endpoint(c, c.hb_port)),
]);
// A closed socket ends its loop with an error; after close() that is the expected way out.
const quietly = (p: Promise<void>) => p.catch((error: unknown) => closing || log(`socket loop failed: ${(error as Error).message}`));
void quietly(serve("shell", shell));
void quietly(serve("control", control));
void quietly(serve("stdin", stdin));
void quietly(heartbeat());
port.postMessage({ kind: "ready" } satisfies ToMain);
