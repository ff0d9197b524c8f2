// The kernel over real ZeroMQ sockets, driven by Jupyter's own Python client:
// Debian's python3-jupyter-kernel-test suite, and protocol tests written with
// jupyter_client for what that suite does not cover (test/kernel/jupyter/*.py).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { installKernelspec } from "../../kernel/kernelspec.js";
import { requirePython } from "../helpers/system.js";

const suiteDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "kernel", "jupyter");
let prefix: string;

before(async () => {
  prefix = await mkdtemp(join(tmpdir(), "trellis-kernelspec-"));
  await installKernelspec({ prefix });
});
after(async () => {
  await rm(prefix, { recursive: true, force: true });
});

/** Runs a Python unittest module against the kernelspec in `prefix`; resolves with its exit code and output. */
function unittest(module: string): Promise<{ code: number | null; output: string }> {
  const python = requirePython(["jupyter_client", "jupyter_kernel_test", "zmq"]);
  return new Promise((resolve) => {
    const child = spawn(python, ["-m", "unittest", "-v", module], { cwd: suiteDir, env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), PYDEVD_DISABLE_FILE_VALIDATION: "1" } });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code, output }));
  });
}

test("jupyter_kernel_test: every test of the official suite passes, none skipped", async () => {
  const { code, output } = await unittest("test_trellis_kernel");
  assert.equal(code, 0, output);
  assert.match(output, /Ran 12 tests/);
  assert.doesNotMatch(output, /skipped/i, output);
  for (const name of ["kernel_info", "execute_stdout", "execute_stderr", "completion", "is_complete", "pager", "error", "execute_result", "display_data", "history", "inspect", "clear_output"]) {
    assert.match(output, new RegExp(`test_${name} .* \\.\\.\\. ok`), `test_${name}`);
  }
});

test("jupyter_client: comms both ways, interrupts by message and signal (also from a manager whose msg_ids repeat the client's), update_display_data, background output, heartbeat, bad messages, 100 MB output, restart and shutdown (also while a cell blocks)", async () => {
  const { code, output } = await unittest("test_protocol");
  assert.equal(code, 0, output);
  assert.match(output, /Ran 15 tests/);
  assert.doesNotMatch(output, /skipped/i, output);
});
