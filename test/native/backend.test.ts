import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, sep } from "node:path";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { BACKEND_ORDER, deviceReport, initBackend, parseBackendName, type DeviceReport } from "../../native/index.js";
import { tfjsWasmDir } from "../../native/wasm-files.js";
import { gpuInfoOf, isSoftwareGpu } from "../../native/backend-probes.js";

const nativeIndex = new URL("../../native/index.js", import.meta.url).href;

/** Runs initBackend in a fresh process with `env`; returns its report (or error) and console output. */
function inChild(env: Record<string, string>): { report?: DeviceReport; error?: string; stdout: string; stderr: string } {
  const code = `
    const { initBackend } = await import(${JSON.stringify(nativeIndex)});
    const tf = await import("@tensorflow/tfjs");
    try {
      const report = await initBackend();
      tf.tidy(() => tf.add(tf.tensor([1, 2]), 1).dataSync());
      console.log("REPORT " + JSON.stringify(report));
    } catch (e) {
      console.log("ERROR " + JSON.stringify(e.message));
    }`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    cwd: new URL("../../..", import.meta.url).pathname,
  });
  const line = (tag: string) => r.stdout.split("\n").find((l) => l.startsWith(tag))?.slice(tag.length);
  const report = line("REPORT ");
  const error = line("ERROR ");
  return {
    ...(report ? { report: JSON.parse(report) as DeviceReport } : {}),
    ...(error ? { error: JSON.parse(error) as string } : {}),
    stdout: r.stdout.split("\n").filter((l) => !/^(REPORT|ERROR) /.test(l)).join("\n").trim(),
    stderr: r.stderr.trim(),
  };
}

const installed = (pkg: string): boolean => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

test("the report names the running backend and why each faster one was skipped", async () => {
  const report = await initBackend({ backend: "auto" });
  assert.ok(BACKEND_ORDER.includes(report.backend));
  assert.equal(report.tfjsBackend, tf.getBackend());
  assert.equal(report.forced, null);
  assert.match(report.reason, /^fastest available: /);
  const faster = BACKEND_ORDER.slice(0, BACKEND_ORDER.indexOf(report.backend));
  assert.deepEqual(report.skipped.map((s) => s.backend), faster);
  for (const s of report.skipped) assert.ok(s.reason.length > 10, `${s.backend}: ${s.reason}`);
  assert.equal(typeof report.simd, "boolean");
  assert.ok(Number.isInteger(report.threads) && report.threads >= 1);
  assert.match(report.tfjsVersion, /^\d+\.\d+\.\d+/);
  assert.ok(["wasm-simd", "js"].includes(report.mlpEngine));
  assert.equal(report.platform, `${process.platform}-${process.arch}`);
  assert.ok(report.initMs >= 0);
  assert.equal(deviceReport(), report);
  if (!installed("@tensorflow/tfjs-node")) {
    const s = report.skipped.find((x) => x.backend === "tensorflow");
    assert.match(s!.reason, /@tensorflow\/tfjs-node is not installed/);
  }
});

test("initBackend is idempotent: the same choice returns the same report without work", async () => {
  const a = initBackend({ backend: "wasm" });
  const b = initBackend({ backend: "wasm" });
  assert.equal(a, b);
  assert.equal(await a, await b);
  assert.equal((await a).backend, "wasm");
});

test("forcing cpu and wasm in process switches the tfjs backend", async () => {
  for (const backend of ["cpu", "wasm", "cpu"] as const) {
    const report = await initBackend({ backend });
    assert.equal(report.backend, backend);
    assert.equal(tf.getBackend(), backend);
    assert.equal(report.forced, backend);
    assert.match(report.reason, new RegExp(`forced by initBackend\\(\\{ backend: "${backend}" \\}\\)`));
    assert.deepEqual(tf.tidy(() => Array.from(tf.add(tf.tensor([1, 2]), 1).dataSync())), [2, 3]);
  }
  assert.equal((await initBackend({ backend: "wasm" })).threads, 1);
});

test("TRELLIS_BACKEND=cpu forces cpu, and tfjs's Node banner stays silent", () => {
  const r = inChild({ TRELLIS_BACKEND: "cpu" });
  assert.equal(r.report?.backend, "cpu", r.error ?? r.stderr);
  assert.equal(r.report?.forced, "cpu");
  assert.match(r.report!.reason, /TRELLIS_BACKEND=cpu/);
  assert.equal(r.stdout, "");
  assert.doesNotMatch(r.stderr, /looks like you are running TensorFlow\.js in Node/);
});

test("TRELLIS_BACKEND=wasm forces wasm with SIMD from the installed package's binaries", () => {
  const r = inChild({ TRELLIS_BACKEND: "wasm" });
  assert.equal(r.report?.backend, "wasm", r.error ?? r.stderr);
  assert.equal(r.report?.simd, true);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "");
});

test("forcing a backend that is not installed throws how to install it", async (t) => {
  if (installed("@tensorflow/tfjs-node-gpu")) return t.skip("@tensorflow/tfjs-node-gpu is installed here");
  const r = inChild({ TRELLIS_BACKEND: "cuda" });
  assert.equal(r.report, undefined);
  assert.match(r.error!, /TRELLIS_BACKEND=cuda cannot run: @tensorflow\/tfjs-node-gpu is not installed/);
  assert.match(r.error!, /npm install @tensorflow\/tfjs-node-gpu/);
  await assert.rejects(initBackend({ backend: "cuda" }), /initBackend\(\{ backend: "cuda" \}\) cannot run: .*npm install @tensorflow\/tfjs-node-gpu/);
  // the backend that ran before stays active
  assert.ok(["cpu", "wasm"].includes(tf.getBackend()));
});

test("an unknown TRELLIS_BACKEND lists the valid names", () => {
  assert.throws(() => parseBackendName("gpu", "TRELLIS_BACKEND"), /TRELLIS_BACKEND must be one of auto, cuda, tensorflow, webgpu, wasm, cpu; got "gpu"/);
  assert.equal(parseBackendName(" WASM "), "wasm");
  assert.equal(parseBackendName(""), "auto");
  assert.equal(parseBackendName(undefined), "auto");
  const r = inChild({ TRELLIS_BACKEND: "gpu" });
  assert.match(r.error ?? r.stderr, /must be one of/);
});

test("the tfjs wasm binaries are found next to the installed package", () => {
  const dir = tfjsWasmDir();
  assert.ok(dir.endsWith(sep));
  assert.ok(existsSync(join(dir, "tfjs-backend-wasm-simd.wasm")));
});

test("gpuInfoOf picks the adapter's name and driver out of Dawn's info; software adapters are recognized", () => {
  // the fields Dawn's Vulkan backend gives for an NVIDIA card: device is the driver's device name, description the driver
  const h200 = gpuInfoOf({ vendor: "nvidia", architecture: "hopper", device: "NVIDIA H200", description: "NVIDIA: 565.57.01 565.57.1.0" });
  assert.equal(h200.name, "NVIDIA H200");
  assert.equal(h200.driver, "NVIDIA: 565.57.01 565.57.1.0");
  assert.equal(isSoftwareGpu(h200), false);
  // a browser that hides the device: vendor and architecture name it, no driver
  assert.deepEqual(gpuInfoOf({ vendor: "apple", architecture: "metal-3", device: "", description: "" }), {
    vendor: "apple", architecture: "metal-3", device: "", description: "", name: "apple metal-3", driver: "",
  });
  assert.equal(gpuInfoOf({}).name, "unnamed adapter");
  assert.equal(gpuInfoOf({ device: 7 as unknown as string }).device, "", "non-strings are dropped");
  assert.equal(isSoftwareGpu(gpuInfoOf({ vendor: "mesa", device: "llvmpipe (LLVM 15.0.6, 256 bits)" })), true);
  assert.equal(isSoftwareGpu(gpuInfoOf({ vendor: "google", architecture: "swiftshader" })), true);
});

test("TRELLIS_TFJS_WASM_DIR names the folder of tfjs's .wasm files; a folder without them is an error naming the missing files", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const empty = mkdtempSync(join(tmpdir(), "trellis-wasm-"));
  const before = process.env.TRELLIS_TFJS_WASM_DIR;
  try {
    process.env.TRELLIS_TFJS_WASM_DIR = empty;
    assert.throws(() => tfjsWasmDir(), /TRELLIS_TFJS_WASM_DIR=\S+ lacks tfjs-backend-wasm\.wasm, tfjs-backend-wasm-simd\.wasm, tfjs-backend-wasm-threaded-simd\.wasm/);
    delete process.env.TRELLIS_TFJS_WASM_DIR;
    const installed = tfjsWasmDir();
    process.env.TRELLIS_TFJS_WASM_DIR = installed.slice(0, -1);
    assert.equal(tfjsWasmDir(), installed, "a folder with the files, given without the trailing separator");
  } finally {
    if (before === undefined) delete process.env.TRELLIS_TFJS_WASM_DIR;
    else process.env.TRELLIS_TFJS_WASM_DIR = before;
    rmSync(empty, { recursive: true, force: true });
  }
});
