import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { KernelHarness, ofType, resultText, streamText } from "./harness.js";

let dir: string;
let k: KernelHarness;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-kernel-"));
  await writeFile(join(dir, "helper.js"), "export const answer = 42;\nexport default function greet(n) { return `hello ${n}`; }\n");
  await writeFile(join(dir, "helper.d.ts"), "export declare const answer: number;\nexport default function greet(n: string): string;\n");
  // A CommonJS package and an ESM-only package (its "exports" has only an "import" condition) in the notebook's node_modules.
  await mkdir(join(dir, "node_modules", "cjs-pkg"), { recursive: true });
  await writeFile(join(dir, "node_modules", "cjs-pkg", "package.json"), JSON.stringify({ name: "cjs-pkg", main: "index.js" }));
  await writeFile(join(dir, "node_modules", "cjs-pkg", "index.js"), "exports.kind = 'cjs'; exports.add = (a, b) => a + b;\n");
  await mkdir(join(dir, "node_modules", "esm-only", "lib"), { recursive: true });
  await writeFile(join(dir, "node_modules", "esm-only", "package.json"), JSON.stringify({ name: "esm-only", type: "module", exports: { ".": { import: "./lib/main.js" }, "./extra": { import: "./lib/extra.js" } } }));
  await writeFile(join(dir, "node_modules", "esm-only", "lib", "main.js"), "export const kind = 'esm';\n");
  await writeFile(join(dir, "node_modules", "esm-only", "lib", "extra.js"), "export default 'extra';\n");
  k = new KernelHarness(dir);
  await k.kernel.warmUp();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("execute", () => {
  test("busy → execute_input → result → reply → idle, all parented to the request", async () => {
    const ex = await k.execute("1 + 1");
    assert.equal(ex.reply.header.msg_type, "execute_reply");
    assert.equal(ex.reply.content.status, "ok");
    const types = ex.iopub.map((m) => (m.header.msg_type === "status" ? `status:${m.content.execution_state}` : m.header.msg_type));
    assert.deepEqual(types, ["status:busy", "execute_input", "execute_result", "status:idle"]);
    assert.equal(resultText(ex), "2");
    const count = ex.reply.content.execution_count as number;
    assert.equal(ofType(ex, "execute_result")[0]!.content.execution_count, count);
    const next = await k.execute("'x'");
    assert.equal(next.reply.content.execution_count, count + 1);
    assert.equal(resultText(next), "'x'");
  });

  test("stdout and stderr are stream messages; a cell ending in a declaration or a statement shows no result", async () => {
    const ex = await k.execute('console.log("out", 1); console.error("err"); process.stdout.write("raw\\n"); const z = 3;');
    assert.equal(streamText(ex, "stdout"), "out 1\nraw\n");
    assert.equal(streamText(ex, "stderr"), "err\n");
    assert.equal(ofType(ex, "execute_result").length, 0);
    assert.equal(ofType(await k.execute("if (z) {}"), "execute_result").length, 0);
  });

  test("declarations live on in later cells and can be declared again, with their types", async () => {
    await k.execute("let n = 1;\nconst { a, b: [c] } = { a: 'A', b: [3] };\nclass Point { constructor(public x: number) {} }\nfunction twice(v: number) { return 2 * v }");
    assert.equal(resultText(await k.execute("[n, a, c, new Point(4).x, twice(5)]")), "[ 1, 'A', 3, 4, 10 ]");
    assert.equal(resultText(await k.execute("n += 1; n")), "2");
    // Declared again with another type: the new declaration wins, for the runtime and the type checker.
    assert.equal(resultText(await k.execute('let n = "now text"; n.toUpperCase()')), "'NOW TEXT'");
    const typeError = await k.execute("const m: number = n;");
    assert.equal(typeError.reply.content.status, "error");
    assert.equal(typeError.reply.content.ename, "TSError");
    assert.match(typeError.reply.content.evalue as string, /^In\[\d+\]:1:7 Type 'string' is not assignable to type 'number'/);
    const tb = typeError.reply.content.traceback as string[];
    assert.deepEqual(tb.slice(2), ["    const m: number = n;", "          ^"]);
    assert.equal(resultText(await k.execute("class Point { constructor(public x: number, public y = 0) {} }\nnew Point(1).y")), "0");
  });

  test("a type error stops the cell before it runs", async () => {
    const ex = await k.execute('globalThis.ranAnyway = true; const s: string = 5;');
    assert.equal(ex.reply.content.status, "error");
    assert.equal(resultText(await k.execute("(globalThis as any).ranAnyway === undefined")), "true");
  });

  test("syntax errors are SyntaxError replies with the cell position", async () => {
    const ex = await k.execute("const = 5");
    assert.equal(ex.reply.content.ename, "SyntaxError");
    assert.match(ex.reply.content.evalue as string, /^In\[\d+\]:1:7/);
  });

  test("top-level await and for await", async () => {
    const ex = await k.execute("async function* gen() { yield 1; yield 2; }\nlet total = 0;\nfor await (const v of gen()) total += v;\nawait new Promise((r) => setTimeout(r, 5));\ntotal");
    assert.equal(resultText(ex), "3");
  });

  test("a runtime error is an error reply whose traceback points at cell lines", async () => {
    const ex = await k.execute('function inner() {\n  throw new RangeError("too far");\n}\ninner();');
    assert.equal(ex.reply.content.status, "error");
    assert.equal(ex.reply.content.ename, "RangeError");
    assert.equal(ex.reply.content.evalue, "too far");
    const tb = ex.reply.content.traceback as string[];
    assert.equal(tb[0], "RangeError: too far");
    assert.match(tb[1]!, /at inner \(In\[\d+\]:2:9\)/);
    assert.match(tb[2]!, /at In\[\d+\]:4:1/);
    assert.equal(ofType(ex, "error")[0]!.content.ename, "RangeError");
    // The kernel goes on.
    assert.equal(resultText(await k.execute("40 + 2")), "42");
  });

  test("output of timers and promises that outlive the cell goes to the cell that started them", async () => {
    const first = k.send("shell", "execute_request", { code: 'setTimeout(() => console.log("late"), 30); "started"' });
    await k.execute("1");
    await k.until(() => streamText(k.exchange(first), "stdout") === "late\n");
  });

  test("stop_on_error: requests queued behind a failing cell are aborted", async () => {
    const failing = k.send("shell", "execute_request", { code: "throw new Error('first fails')", stop_on_error: true });
    const queued = k.send("shell", "execute_request", { code: "globalThis.queuedRan = true" });
    await k.until(() => k.exchange(queued).reply !== undefined);
    assert.equal(k.exchange(failing).reply.content.status, "error");
    assert.equal(k.exchange(queued).reply.content.status, "aborted");
    assert.equal(resultText(await k.execute("(globalThis as any).queuedRan === undefined")), "true");
  });

  test("user_expressions are evaluated after the code", async () => {
    const ex = await k.execute("const ue = 20;", { user_expressions: { doubled: "ue * 2", bad: "nope()" } });
    const ue = ex.reply.content.user_expressions as Record<string, { status: string; data?: Record<string, string>; ename?: string }>;
    assert.deepEqual(ue.doubled, { status: "ok", data: { "text/plain": "40" }, metadata: {} });
    assert.equal(ue.bad!.status, "error");
  });

  test("a cell printing past the output limit is cut with a marker and the kernel stays responsive", async () => {
    const ex = await k.execute('const line = "x".repeat(999) + "\\n";\nfor (let i = 0; i < 100_000; i++) process.stdout.write(line);\n"done"');
    const out = streamText(ex, "stdout");
    assert.ok(out.length <= 1_000_000, `${out.length} characters sent`);
    assert.match(streamText(ex, "stderr"), /this cell's output passed 1,000,000 characters/);
    assert.equal(resultText(ex), "'done'");
    assert.ok(ofType(ex, "stream").length < 100, `${ofType(ex, "stream").length} stream messages (output is coalesced)`);
  });
});

describe("imports", () => {
  test("trellis, node builtins, the notebook's own files, and tslab's display API", async () => {
    const ex = await k.execute(
      'import { rl } from "trellis";\nimport * as path from "node:path";\nimport greet, { answer } from "./helper.js";\nimport * as tslab from "tslab";\n[typeof rl.env, path.basename("/a/b.txt"), greet("you"), answer, typeof tslab.display.html, tslab.versions.tslab.startsWith("trellis")]',
    );
    assert.equal(ex.reply.content.status, "ok", JSON.stringify(ex.reply.content));
    assert.equal(resultText(ex), "[ 'function', 'b.txt', 'hello you', 42, 'function', true ]");
    // The imported names are typed in later cells.
    assert.equal((await k.execute("const g: string = greet('x'); const q: number = answer;")).reply.content.status, "ok");
    assert.equal((await k.execute("const bad: number = greet('x');")).reply.content.ename, "TSError");
  });

  test("CommonJS and ESM-only packages from the notebook's node_modules, and require()", async () => {
    const ex = await k.execute('import cjs from "cjs-pkg";\nimport { kind } from "esm-only";\nimport extra from "esm-only/extra";\nconst viaRequire = require("cjs-pkg");\n[cjs.kind, cjs.add(2, 3), kind, extra, viaRequire.kind]');
    assert.equal(ex.reply.content.status, "ok", JSON.stringify(ex.reply.content));
    assert.equal(resultText(ex), "[ 'cjs', 5, 'esm', 'extra', 'cjs' ]");
  });

  test("a module written or installed during the session is found by the next cell's type check (resolutions of the notebook's own files are not cached)", async () => {
    const missing = await k.execute('import { later } from "./written-later.js";\nlater');
    assert.equal(missing.reply.content.ename, "TSError");
    await writeFile(join(dir, "written-later.js"), "export const later = 7;\n");
    await writeFile(join(dir, "written-later.d.ts"), "export declare const later: number;\n");
    const found = await k.execute('import { later } from "./written-later.js";\nconst seven: number = later;\nseven');
    assert.equal(found.reply.content.status, "ok", JSON.stringify(found.reply.content));
    assert.equal(resultText(found), "7");
    const pkg = join(dir, "node_modules", "installed-later");
    assert.equal((await k.execute('import { v } from "installed-later";')).reply.content.ename, "TSError");
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, "package.json"), JSON.stringify({ name: "installed-later", type: "module", main: "index.js", types: "index.d.ts" }));
    await writeFile(join(pkg, "index.js"), "export const v = 'now here';\n");
    await writeFile(join(pkg, "index.d.ts"), "export declare const v: string;\n");
    const installed = await k.execute('import { v } from "installed-later";\nconst s: string = v;\ns');
    assert.equal(resultText(installed), "'now here'", JSON.stringify(installed.reply.content));
  });

  test("a missing module says where it was looked for", async () => {
    const ex = await k.execute('const m = await import("no-such-package-anywhere" as string);');
    assert.equal(ex.reply.content.ename, "ModuleNotFoundError");
    assert.match(ex.reply.content.evalue as string, /cannot find module "no-such-package-anywhere" from the notebook's directory/);
  });
});

describe("display", () => {
  test("display_data with MIME bundles, objects that show themselves, update_display_data and clear_output", async () => {
    const ex = await k.execute(
      'display.html("<b>bold</b>");\nconst view = { [Symbol.for("Jupyter.display")]() { return { "text/html": "<i>me</i>" }; } };\nconst d = tslab.newDisplay();\nd.text("first");\nd.text("second");\nclearOutput(true);\nview',
    );
    const displays = ofType(ex, "display_data");
    assert.deepEqual(displays[0]!.content.data, { "text/html": "<b>bold</b>", "text/plain": "<b>bold</b>" });
    const id = (displays[1]!.content.transient as { display_id: string }).display_id;
    assert.ok(id);
    const update = ofType(ex, "update_display_data")[0]!;
    assert.deepEqual(update.content.transient, { display_id: id });
    assert.deepEqual(update.content.data, { "text/plain": "second" });
    assert.deepEqual(ofType(ex, "clear_output")[0]!.content, { wait: true });
    const result = ofType(ex, "execute_result")[0]!.content.data as Record<string, string>;
    assert.equal(result["text/html"], "<i>me</i>");
    assert.match(result["text/plain"]!, /Symbol\(Jupyter\.display\)/);
    // A display updates in place from a later cell too.
    const later = await k.execute('d.markdown("**third**")');
    assert.deepEqual(ofType(later, "update_display_data")[0]!.content.transient, { display_id: id });
  });
});

describe("requests besides execute", () => {
  test("kernel_info", async () => {
    const ex = await k.request("shell", "kernel_info_request", {});
    const c = ex.reply.content as { status: string; protocol_version: string; implementation: string; language_info: Record<string, unknown> };
    assert.equal(c.status, "ok");
    assert.equal(c.protocol_version, "5.4");
    assert.equal(c.implementation, "trellis");
    assert.equal(c.language_info.name, "typescript");
    assert.equal(c.language_info.file_extension, ".ts");
  });

  test("is_complete: complete, incomplete with an indent, invalid", async () => {
    const ask = async (code: string) => (await k.request("shell", "is_complete_request", { code })).reply.content;
    assert.deepEqual(await ask("const a = 1;"), { status: "complete" });
    assert.deepEqual(await ask("function f() {\n  if (x) {"), { status: "incomplete", indent: "    " });
    assert.deepEqual(await ask("const s = `open"), { status: "incomplete", indent: "" });
    assert.equal((await ask("1 +")).status, "incomplete");
    assert.deepEqual(await ask("const = ;"), { status: "invalid" });
  });

  test("complete and inspect are type-aware", async () => {
    await k.execute("const trainer = { stepOnce() { return 1 }, stepMany(n: number) { return n } };");
    const code = "trainer.st";
    const ex = await k.request("shell", "complete_request", { code, cursor_pos: code.length });
    assert.deepEqual(ex.reply.content.matches, ["stepMany", "stepOnce"]);
    assert.equal(ex.reply.content.cursor_start, "trainer.".length);
    assert.equal(ex.reply.content.cursor_end, code.length);
    const rl = await k.request("shell", "complete_request", { code: "rl.pp", cursor_pos: 5 });
    assert.ok((rl.reply.content.matches as string[]).includes("ppo"));
    const info = await k.request("shell", "inspect_request", { code: "trainer.stepMany", cursor_pos: 12, detail_level: 0 });
    assert.equal(info.reply.content.found, true);
    assert.match((info.reply.content.data as Record<string, string>)["text/plain"]!, /stepMany\(n: number\): number/);
    const none = await k.request("shell", "inspect_request", { code: "   ", cursor_pos: 1, detail_level: 0 });
    assert.equal(none.reply.content.found, false);
  });

  test("history: tail, range and search", async () => {
    await k.execute("const historyMarker = 'h1';");
    await k.execute("const historyMarker2 = 'h2';");
    const tail = (await k.request("shell", "history_request", { hist_access_type: "tail", n: 2, output: false, raw: true })).reply.content.history as [number, number, string][];
    assert.deepEqual(tail.map((h) => h[2]), ["const historyMarker = 'h1';", "const historyMarker2 = 'h2';"]);
    const [, line] = tail[0]!;
    const range = (await k.request("shell", "history_request", { hist_access_type: "range", session: 0, start: line, stop: line + 1 })).reply.content.history as unknown[];
    assert.deepEqual(range, [tail[0]]);
    const search = (await k.request("shell", "history_request", { hist_access_type: "search", pattern: "*historyMarker2*", n: 0, unique: true })).reply.content.history as unknown[];
    assert.deepEqual(search, [tail[1]]);
  });

  test("an unknown request gets an error reply; the kernel lives on", async () => {
    const ex = await k.request("shell", "frobnicate_request", {});
    assert.equal(ex.reply.header.msg_type, "frobnicate_reply");
    assert.equal(ex.reply.content.status, "error");
    assert.equal(resultText(await k.execute("7")), "7");
  });
});

describe("stdin", () => {
  test("input() sends input_request on stdin and resolves with the input_reply", async () => {
    const req = k.send("shell", "execute_request", { code: 'const answerText = await input("Name? "); `hi ${answerText}`', allow_stdin: true });
    await k.until(() => k.sent.some((s) => s.channel === "stdin"));
    const ask = k.sent.find((s) => s.channel === "stdin")!;
    assert.equal(ask.message.header.msg_type, "input_request");
    assert.deepEqual(ask.message.content, { prompt: "Name? ", password: false });
    assert.equal(ask.message.parent_header.msg_id, req.header.msg_id);
    k.kernel.handle("stdin", { ...ask.message, header: { ...ask.message.header, msg_type: "input_reply", msg_id: "r1" }, parent_header: ask.message.header, content: { value: "Ada" } });
    await k.until(() => k.exchange(req).reply !== undefined);
    assert.equal(resultText(k.exchange(req)), "'hi Ada'");
    const refused = await k.execute('await input("x")', { allow_stdin: false });
    assert.match(refused.reply.content.evalue as string, /does not take input/);
  });
});

describe("comms", () => {
  test("frontend ↔ kernel comms with data and buffers, comm_info, closing, unknown targets", async () => {
    await k.execute('import { comms } from "trellis/kernel";\nconst received: unknown[] = [];\ncomms.registerTarget("echo", (comm, open) => {\n  received.push(open.data);\n  comm.onMsg((m) => comm.send({ echo: m.data, bytes: m.buffers.map((b) => b.length) }, { buffers: m.buffers }));\n});');
    const open = await k.request("shell", "comm_open", { comm_id: "c1", target_name: "echo", data: { hello: 1 } });
    assert.equal(ofType(open, "comm_close").length, 0);
    const info = await k.request("shell", "comm_info_request", { target_name: "echo" });
    assert.deepEqual(info.reply.content.comms, { c1: { target_name: "echo" } });
    const msg = await k.request("shell", "comm_msg", { comm_id: "c1", data: { ping: true } }, [Uint8Array.of(1, 2, 3)]);
    const echo = ofType(msg, "comm_msg")[0]!;
    assert.deepEqual(echo.content, { comm_id: "c1", data: { echo: { ping: true }, bytes: [3] } });
    assert.deepEqual(Array.from(echo.buffers[0]!), [1, 2, 3]);
    assert.equal(resultText(await k.execute("JSON.stringify(received)")), `'[{"hello":1}]'`);
    // Kernel-opened comm.
    const opened = await k.execute('const mine = comms.open("frontend.target", { v: 1 }); mine.id');
    const commOpen = ofType(opened, "comm_open")[0]!;
    assert.equal(commOpen.content.target_name, "frontend.target");
    await k.request("shell", "comm_close", { comm_id: "c1", data: {} });
    assert.deepEqual((await k.request("shell", "comm_info_request", {})).reply.content.comms, { [commOpen.content.comm_id as string]: { target_name: "frontend.target" } });
    const unknown = await k.request("shell", "comm_open", { comm_id: "c2", target_name: "nobody", data: {} });
    assert.deepEqual(ofType(unknown, "comm_close")[0]!.content, { comm_id: "c2", data: {} });
  });
});

describe("ipywidgets message protocol 2.1", () => {
  const widgetOpens = (ex: { iopub: { header: { msg_type: string }; content: Record<string, unknown>; metadata: Record<string, unknown>; buffers: Uint8Array[] }[] }) =>
    ex.iopub.filter((m) => m.header.msg_type === "comm_open" && m.content.target_name === "jupyter.widget");

  test("a kernel-side slider is created, displayed and kept in sync both ways", async () => {
    const ex = await k.execute('import { widgets } from "trellis/kernel";\nconst slider = widgets.intSlider({ value: 3, max: 10, description: "n" });\nconst seen: unknown[] = [];\nslider.onChange((c) => seen.push(c));\nslider');
    const opens = widgetOpens(ex);
    assert.equal(opens.length, 3, "layout, style and slider models");
    const model = opens[2]!;
    assert.deepEqual(model.metadata, { version: "2.1.0" });
    const state = (model.content.data as { state: Record<string, unknown> }).state;
    assert.equal(state._model_name, "IntSliderModel");
    assert.equal(state._model_module, "@jupyter-widgets/controls");
    assert.equal(state.value, 3);
    assert.equal(state.layout, `IPY_MODEL_${opens[0]!.content.comm_id}`);
    const id = model.content.comm_id as string;
    const view = (ofType(ex, "execute_result")[0]!.content.data as Record<string, unknown>)["application/vnd.jupyter.widget-view+json"];
    assert.deepEqual(view, { model_id: id, version_major: 2, version_minor: 1 });
    // The frontend moves the slider: the kernel's model changes, handlers run, the change is echoed.
    const update = await k.request("shell", "comm_msg", { comm_id: id, data: { method: "update", state: { value: 7 }, buffer_paths: [] } });
    assert.deepEqual(ofType(update, "comm_msg")[0]!.content.data, { method: "echo_update", state: { value: 7 }, buffer_paths: [] });
    assert.equal(resultText(await k.execute("[slider.get('value'), JSON.stringify(seen)]")), "[ 7, '[{\"value\":7}]' ]");
    // The kernel sets it: the frontend gets an update.
    const set = await k.execute("slider.set({ value: 9, description: 'steps' })");
    assert.deepEqual(ofType(set, "comm_msg")[0]!.content.data, { method: "update", state: { value: 9, description: "steps" }, buffer_paths: [] });
    // A frontend that lost its state asks for it.
    const full = await k.request("shell", "comm_msg", { comm_id: id, data: { method: "request_state" } });
    const reply = ofType(full, "comm_msg")[0]!.content.data as { method: string; state: Record<string, unknown> };
    assert.equal(reply.method, "update");
    assert.equal(reply.state.value, 9);
    assert.equal(reply.state.description, "steps");
  });

  test("binary state travels as buffers with buffer_paths, both ways; custom messages; the control comm lists every state", async () => {
    const ex = await k.execute('const blob = widgets.model({ _model_name: "BlobModel", _model_module: "blob", _model_module_version: "1.0.0", data: new Uint8Array([1, 2, 3]), nested: { f: new Float32Array([1.5]) }, plain: 4 });\nconst button = widgets.button({ description: "go" });\nlet clicks = 0;\nbutton.onCustom((c) => { if ((c as { event?: string }).event === "click") clicks++; });');
    const blob = widgetOpens(ex).find((m) => (m.content.data as { state: Record<string, unknown> }).state._model_name === "BlobModel")!;
    assert.deepEqual((blob.content.data as { buffer_paths: unknown }).buffer_paths, [["data"], ["nested", "f"]]);
    assert.deepEqual(Array.from(blob.buffers[0]!), [1, 2, 3]);
    assert.deepEqual(Array.from(new Float32Array(blob.buffers[1]!.slice().buffer)), [1.5]);
    const blobId = blob.content.comm_id as string;
    await k.request("shell", "comm_msg", { comm_id: blobId, data: { method: "update", state: { data: null }, buffer_paths: [["data"]] } }, [Uint8Array.of(9, 8)]);
    assert.equal(resultText(await k.execute("Array.from(blob.get('data') as Uint8Array)")), "[ 9, 8 ]");
    const buttonId = widgetOpens(ex).find((m) => (m.content.data as { state: Record<string, unknown> }).state._model_name === "ButtonModel")!.content.comm_id as string;
    await k.request("shell", "comm_msg", { comm_id: buttonId, data: { method: "custom", content: { event: "click" } } });
    assert.equal(resultText(await k.execute("clicks")), "1");
    await k.request("shell", "comm_open", { comm_id: "ctl-1", target_name: "jupyter.widget.control", data: {} });
    const states = await k.request("shell", "comm_msg", { comm_id: "ctl-1", data: { method: "request_states" } });
    const answer = ofType(states, "comm_msg")[0]!;
    const data = answer.content.data as { method: string; states: Record<string, Record<string, unknown>>; buffer_paths: Record<string, unknown> };
    assert.equal(data.method, "update_states");
    assert.equal(data.states[buttonId]!._model_name, "ButtonModel");
    assert.deepEqual(data.buffer_paths[blobId], [["data"], ["nested", "f"]]);
  });
});
