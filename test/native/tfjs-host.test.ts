import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { sharedTfjsHost, TfjsHost } from "../../native/tfjs-host/host.js";

const TEST_OPS = new URL("../helpers/host-test-ops.js", import.meta.url);

test("TfjsHost: an operation's error comes back as an Error naming it; an unknown operation and a closed host are errors", () => {
  const own = new TfjsHost({ backend: "cpu" });
  assert.equal(own.device.backend, "cpu");
  assert.throws(() => own.call("no.such.op"), /knows no operation "no.such.op"/);
  own.load(new URL("../../lib/seq/policies/tfjs-transformer-ops.js", import.meta.url));
  assert.throws(() => own.call("transformer.forward", { id: 999 }), /no hosted transformer 999/);
  assert.throws(() => own.load("file:///nonexistent/ops.js"), /Cannot find module|ERR_MODULE_NOT_FOUND|nonexistent/);
  own.load(TEST_OPS);
  assert.deepEqual(own.call("test.echo", { value: { a: [1, 2] } }), { a: [1, 2] });
  own.close();
  assert.ok(own.isClosed);
  assert.throws(() => own.memory(), /closed/);
  assert.throws(() => new TfjsHost({ backend: "tensorflow" }), /could not start the tensorflow backend/);
});

test("TfjsHost: a call past its timeout closes the host (no reply can come out of turn later); the shared host starts anew", () => {
  const host = new TfjsHost({ backend: "cpu", timeoutMs: 300 });
  host.load(TEST_OPS);
  const t0 = Date.now();
  assert.throws(() => host.call("test.sleep", { ms: 5000 }), /did not answer test.sleep within 300 ms; it is closed/);
  assert.ok(Date.now() - t0 < 3000, "the timeout was kept");
  assert.ok(host.isClosed);
  assert.throws(() => host.call("test.echo", { value: 1 }), /closed/);
  const shared = sharedTfjsHost("cpu");
  shared.close();
  const again = sharedTfjsHost("cpu");
  assert.notEqual(again, shared, "a closed shared host is replaced");
  again.load(TEST_OPS);
  assert.equal(again.call("test.echo", { value: 7 }), 7);
  again.close();
});

test("TfjsHost: a worker that dies is noticed at once, not after the timeout", async () => {
  const host = new TfjsHost({ backend: "cpu", timeoutMs: 60_000 });
  host.load(TEST_OPS);
  host.call("test.throwLater");
  await new Promise((resolve) => setTimeout(resolve, 200));
  const t0 = Date.now();
  assert.throws(() => host.call("test.echo", { value: 1 }), /worker exited|worker failed|closed/);
  assert.ok(Date.now() - t0 < 2000, `noticed in ${Date.now() - t0} ms`);
  assert.ok(host.isClosed);
});

test("TfjsHost starts from `node --input-type=module -e` (its worker does not inherit --input-type)", () => {
  const url = new URL("../../native/tfjs-host/host.js", import.meta.url).href;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", `import { TfjsHost } from ${JSON.stringify(url)}; const h = new TfjsHost({ backend: "cpu", timeoutMs: 20000 }); console.log(h.device.backend); h.close();`], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "cpu");
});
