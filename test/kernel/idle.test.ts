// Every reply is followed at once by its request's idle status: clients that
// read a reply and then drain IOPub (as Jupyter's own kernel tests do between
// requests) must not find that idle later, as their next request's status.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Kernel } from "../../kernel/kernel.js";
import { makeMessage, type Channel, type Message } from "../../kernel/protocol/message.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-idle-"));
});
after(() => rm(dir, { recursive: true, force: true }));

test("no code runs between a reply and its idle status, for every request type, also while the kernel warms up", async () => {
  const sent: { channel: Channel; message: Message }[] = [];
  const late: string[] = [];
  const idleSent = (parent: string) => sent.some((s) => s.channel === "iopub" && s.message.header.msg_type === "status" && s.message.content.execution_state === "idle" && s.message.parent_header.msg_id === parent);
  const kernel = new Kernel({
    dir,
    io: {
      send: (channel, message) => {
        sent.push({ channel, message });
        if ((channel === "shell" || channel === "control") && message.header.msg_type.endsWith("_reply")) {
          const parent = String(message.parent_header.msg_id);
          // Anything queued after the reply (the kernel's own continuation included) runs after this check.
          queueMicrotask(() => {
            if (!idleSent(parent)) late.push(message.header.msg_type);
          });
        }
      },
    },
  });
  const requests: [Channel, string, Record<string, unknown>][] = [
    ["shell", "complete_request", { code: 'import { rl } from "trellis";\nrl.', cursor_pos: 32 }],
    ["shell", "execute_request", { code: "const x = 1 + 1;\nx", silent: false }],
    ["shell", "inspect_request", { code: "Math.max", cursor_pos: 8 }],
    ["shell", "is_complete_request", { code: "let a = (" }],
    ["shell", "history_request", { hist_access_type: "tail", n: 5 }],
    ["shell", "comm_info_request", {}],
    ["shell", "kernel_info_request", {}],
    ["control", "kernel_info_request", {}],
    ["shell", "execute_request", { code: "throw new Error('x')", silent: false }],
    ["shell", "made_up_request", {}],
  ];
  // The first requests arrive while the kernel loads and warms up (as when a frontend asks at once).
  const msgs = requests.map(([channel, type, content]) => {
    const m = makeMessage(type, content, undefined, "frontend");
    kernel.handle(channel, m);
    return m;
  });
  const warm = kernel.warmUp();
  const deadline = Date.now() + 60_000;
  while (!msgs.every((m) => idleSent(m.header.msg_id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await warm;
  assert.ok(msgs.every((m) => idleSent(m.header.msg_id)), "every request went idle");
  assert.deepEqual(late, [], "replies whose idle came later");
});
