// Malformed messages from a frontend, on every channel: a clear error reply
// (or a logged drop where the protocol has no reply), nothing reaching an
// object prototype, and a kernel that answers the next request.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import type { Channel } from "../../kernel/protocol/message.js";
import { makeMessage } from "../../kernel/protocol/message.js";
import { contentProblem } from "../../kernel/protocol/requests.js";
import { decode, encode, Signer, WireError } from "../../kernel/protocol/wire.js";
import { putBuffers } from "../../kernel/session/widgets.js";
import { KernelHarness, ofType, resultText } from "./harness.js";

let dir: string;
let k: KernelHarness;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-malformed-"));
  k = new KernelHarness(dir);
  await k.kernel.warmUp();
});
after(() => rm(dir, { recursive: true, force: true }));

/** Own keys of Object.prototype and Array.prototype now (a polluted prototype gains keys). */
const prototypeKeys = () => [...Reflect.ownKeys(Object.prototype), ...Reflect.ownKeys(Array.prototype)].map(String).sort().join(",");

async function kernelAnswers(): Promise<void> {
  const ex = await k.execute("40 + 2");
  assert.equal(ex.reply.content.status, "ok", JSON.stringify(ex.reply.content));
  assert.equal(resultText(ex), "42");
}

test("an execute_request whose code is not a string gets an InvalidRequest error reply and runs nothing", async () => {
  const before = Number(resultText(await k.execute("1")) ?? NaN);
  assert.equal(before, 1);
  for (const code of [123, null, [], {}, true]) {
    const ex = await k.request("shell", "execute_request", { code, silent: false });
    assert.equal(ex.reply.header.msg_type, "execute_reply");
    assert.equal(ex.reply.content.status, "error", `code ${JSON.stringify(code)}`);
    assert.equal(ex.reply.content.ename, "InvalidRequest");
    assert.match(String(ex.reply.content.evalue), /execute_request: content\.code (must be a string|is required)/);
    assert.equal(ofType(ex, "execute_input").length, 0, "nothing was run");
    assert.equal(ofType(ex, "error").length, 1, "the notebook shows the error");
  }
  const missing = await k.request("shell", "execute_request", { silent: false });
  assert.match(String(missing.reply.content.evalue), /content\.code is required/);
  await kernelAnswers();
});

test("fields of the wrong type in other requests are named in their error replies", async () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["complete_request", { code: "x", cursor_pos: "end" }, /complete_request: content\.cursor_pos must be an integer, got a string/],
    ["inspect_request", { code: 5, cursor_pos: 0 }, /inspect_request: content\.code must be a string, got the integer 5/],
    ["history_request", { hist_access_type: "everything" }, /must be one of "range", "tail", "search"/],
    ["history_request", { hist_access_type: "tail", n: 1e300 }, /content\.n must be an integer/],
    ["execute_request", { code: "1", user_expressions: { a: 1 } }, /user_expressions must be an object of strings/],
    ["is_complete_request", { code: ["x"] }, /must be a string, got an array/],
  ];
  for (const [type, content, expected] of cases) {
    const ex = await k.request("shell", type, content);
    assert.equal(ex.reply.header.msg_type, type.replace(/_request$/, "_reply"));
    assert.equal(ex.reply.content.status, "error");
    assert.match(String(ex.reply.content.evalue), expected);
    assert.equal(ofType(ex, "status").at(-1)!.content.execution_state, "idle");
  }
  await kernelAnswers();
});

test("message types named like prototype members (constructor, toString, __proto__) reach no prototype; requests get an error reply", async () => {
  const keys = prototypeKeys();
  const logged: string[] = [];
  const log = console.error;
  console.error = (...args: unknown[]) => logged.push(args.map(String).join(" "));
  try {
    await sendPrototypeNamedTypes();
  } finally {
    console.error = log;
  }
  assert.deepEqual(logged.filter((l) => !/ignored a (constructor|toString|__proto__|hasOwnProperty|valueOf) message on (shell|control)$/.test(l)), [], "no handler ran for them");
  assert.equal(prototypeKeys(), keys);
  await kernelAnswers();
});

async function sendPrototypeNamedTypes(): Promise<void> {
  for (const channel of ["shell", "control"] as const) {
    for (const type of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf", "constructor_request", "__proto___request", "toString_request"]) {
      const msg = k.send(channel, type, {});
      await k.until(() => k.exchange(msg).iopub.some((m) => m.content.execution_state === "idle"), 5_000).catch(() => {});
      const reply = k.exchange(msg).reply;
      if (type.endsWith("_request")) {
        assert.equal(reply?.content.status, "error", `${type} on ${channel}`);
        assert.match(String(reply?.content.evalue), /does not handle/);
      } else assert.equal(reply, undefined, `${type} on ${channel} is not answered`);
    }
  }
}

test("a widget update whose buffer_paths go through __proto__ or constructor is ignored; Object.prototype stays clean and later cells run", async () => {
  const ex = await k.execute('import { widgets } from "trellis/kernel";\nconst m = widgets.model({ _model_name: "BlobModel", _model_module: "blob", _model_module_version: "1.0.0", data: new Uint8Array([1]), nested: { f: 1 } });\nm.id');
  const id = String(resultText(ex)).replaceAll("'", "");
  const keys = prototypeKeys();
  const bad: unknown[] = [
    [["__proto__", "polluted"]],
    [["constructor", "prototype", "polluted"]],
    [["nested", "__proto__", "polluted"]],
    [["prototype"]],
    [[]],
    [["missing", "x"]],
    [["data", "x", "y"]],
    [[{ key: 1 }]],
    [[-1]],
    "data",
    [["data"], ["nested", "f"]], // two paths, one buffer
  ];
  for (const buffer_paths of bad) {
    const update = await k.request("shell", "comm_msg", { comm_id: id, data: { method: "update", state: { data: null, polluted: "no" }, buffer_paths } }, [Uint8Array.of(7)]);
    assert.equal(ofType(update, "comm_msg").length, 0, `no echo for ${JSON.stringify(buffer_paths)}`);
    assert.match(ofType(update, "stream").map((m) => String(m.content.text)).join(""), /ignored a widget update/);
  }
  const stateKey = await k.request("shell", "comm_msg", { comm_id: id, data: { method: "update", state: JSON.parse('{"__proto__": {"polluted": 1}, "plain": 2}'), buffer_paths: [] } });
  assert.equal(ofType(stateKey, "comm_msg").length, 1, "a state with a __proto__ key updates its other keys");
  assert.equal(prototypeKeys(), keys);
  assert.equal(resultText(await k.execute("[({} as Record<string, unknown>).polluted, Array.from(m.get('data') as Uint8Array), (m.state as Record<string, unknown>).plain, Object.getPrototypeOf(m.state) === Object.prototype]")), "[ undefined, [ 1 ], 2, true ]");
  await kernelAnswers();
});

test("putBuffers: the protocol's own paths work; bad ones throw before anything changes", () => {
  const state = { a: null, list: [0, { b: null }] } as Record<string, unknown>;
  putBuffers(state, [["a"], ["list", 1, "b"]], [Uint8Array.of(1), Uint8Array.of(2)]);
  assert.deepEqual(state.a, Uint8Array.of(1));
  assert.deepEqual((state.list as [number, { b: Uint8Array }])[1].b, Uint8Array.of(2));
  const before = JSON.stringify(state);
  assert.throws(() => putBuffers(state, [["a"], ["__proto__", "x"]], [Uint8Array.of(3), Uint8Array.of(4)]), /buffer_paths\[1\]\[0\] must be a key or an index/);
  assert.equal(JSON.stringify(state), before, "the first (valid) path was not applied either");
});

test("comm and stdin messages with bad content are dropped with a log; an input() gets an error instead of a malformed answer", async () => {
  for (const content of [{ comm_id: 5, target_name: "jupyter.widget" }, { comm_id: "c", target_name: null }, { comm_id: "c", target_name: "t", data: [] }]) {
    const msg = k.send("shell", "comm_open", content);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(k.exchange(msg).iopub.length, 0, `nothing published for ${JSON.stringify(content)}`);
  }
  k.send("shell", "comm_msg", { comm_id: { not: "a string" }, data: {} });
  k.send("stdin", "input_reply", { value: "nobody asked" });
  const req = k.send("shell", "execute_request", { code: "await input('name?')", allow_stdin: true, silent: false });
  await k.until(() => k.sent.some((s) => s.channel === "stdin" && s.message.parent_header.msg_id === req.header.msg_id));
  const ask = k.sent.find((s) => s.channel === "stdin" && s.message.parent_header.msg_id === req.header.msg_id)!.message;
  k.kernel.handle("stdin", makeMessage("input_reply", { value: 42 }, ask.header, "frontend"));
  await k.until(() => k.exchange(req).reply !== undefined);
  assert.equal(k.exchange(req).reply.content.status, "error");
  assert.match(String(k.exchange(req).reply.content.evalue), /the frontend's answer to input\(\) is malformed \(input_reply: content\.value must be a string, got the integer 42\)/);
  await kernelAnswers();
});

test("property: any JSON content for any message type on any channel; the kernel answers the next request and no prototype changes", async () => {
  const keys = prototypeKeys();
  const types = ["execute_request", "complete_request", "inspect_request", "is_complete_request", "history_request", "comm_info_request", "kernel_info_request", "interrupt_request", "comm_open", "comm_msg", "comm_close", "input_reply", "constructor", "__proto__", "made_up_request"];
  const content = fc.dictionary(fc.constantFrom("code", "cursor_pos", "comm_id", "target_name", "data", "value", "n", "hist_access_type", "user_expressions", "silent", "__proto__", "constructor", "restart"), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  // Strings that parse as code are left out of `code`: running random programs is not what this tests.
  const noCode = content.map((c) => (typeof c.code === "string" ? { ...c, code: 0 } : c));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom<Channel>("shell", "control", "stdin"), fc.constantFrom(...types), noCode, async (channel, type, c) => {
      const msg = k.send(channel, type, c as Record<string, unknown>);
      if (type.endsWith("_request") && channel !== "stdin") await k.until(() => k.exchange(msg).iopub.some((m) => m.content.execution_state === "idle"), 10_000);
    }),
    { seed: 4, numRuns: 300 },
  );
  assert.equal(prototypeKeys(), keys);
  await kernelAnswers();
});

test("property: decode takes any frames and returns a message or throws a WireError, never anything else", () => {
  const signer = new Signer("");
  const good = encode(makeMessage("kernel_info_request", {}, undefined, "s"), [Buffer.from("id")], signer);
  const frameArb = fc.oneof(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? "")), fc.constant(Buffer.from("<IDS|MSG>")));
  fc.assert(
    fc.property(fc.array(frameArb, { maxLength: 9 }), fc.nat(good.length), (frames, cut) => {
      for (const candidate of [frames, [...good.slice(0, cut), ...frames]]) {
        try {
          const { message } = decode(candidate, signer);
          for (const part of [message.header, message.parent_header, message.metadata, message.content]) assert.ok(part !== null && typeof part === "object" && !Array.isArray(part));
        } catch (error) {
          assert.ok(error instanceof WireError, String(error));
        }
      }
    }),
    { seed: 11, numRuns: 3_000 },
  );
});

test("contentProblem knows only own message types and names the field, the expectation and what came", () => {
  assert.equal(contentProblem("constructor", {}), undefined);
  assert.equal(contentProblem("execute_request", { code: "1", silent: null }), undefined, "null means not given for optional fields");
  assert.equal(contentProblem("execute_request", { code: null }), "execute_request: content.code must be a string, got null");
  assert.equal(contentProblem("execute_request", {}), "execute_request: content.code is required (a string)");
  assert.equal(contentProblem("comm_msg", { comm_id: "x", data: "s" }), "comm_msg: content.data must be an object, got a string");
});
