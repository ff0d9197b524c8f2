import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { kernelsDir } from "../../kernel/kernelspec.js";
import { requirePython } from "../helpers/system.js";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "kernel", "cli.js");
const trellis = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

test("trellis kernel install/uninstall writes a kernelspec that `jupyter kernelspec list` shows", async () => {
  const prefix = await mkdtemp(join(tmpdir(), "trellis-spec-"));
  try {
    const installed = trellis("kernel", "install", "--prefix", prefix);
    assert.equal(installed.status, 0, installed.stderr);
    const dir = join(prefix, "share", "jupyter", "kernels", "trellis");
    assert.match(installed.stdout, new RegExp(`Installed the "TypeScript \\(Trellis\\)" kernelspec in ${dir}`));
    const spec = JSON.parse(await readFile(join(dir, "kernel.json"), "utf8"));
    assert.deepEqual(spec.argv, [process.execPath, cli, "kernel", "--connection-file", "{connection_file}"]);
    assert.equal(spec.display_name, "TypeScript (Trellis)");
    assert.equal(spec.language, "typescript");
    assert.equal(spec.interrupt_mode, "message");
    const python = requirePython(["jupyter_client"]);
    const list = spawnSync(python, ["-m", "jupyter_client.kernelspecapp", "list", "--json"], { encoding: "utf8", env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter") } });
    assert.equal(list.status, 0, list.stderr);
    const specs = JSON.parse(list.stdout).kernelspecs as Record<string, { resource_dir: string; spec: { display_name: string } }>;
    assert.equal(specs.trellis?.resource_dir, dir);
    assert.equal(specs.trellis?.spec.display_name, "TypeScript (Trellis)");
    const removed = trellis("kernel", "uninstall", "--prefix", prefix);
    assert.match(removed.stdout, /Removed the kernelspec/);
    assert.match(trellis("kernel", "uninstall", "--prefix", prefix).stdout, /No Trellis kernelspec was installed there/);
    assert.equal(trellis("kernel", "install", "--user", "--prefix", prefix).status, 2);
    assert.match(trellis("kernel").stderr, /pass the connection file Jupyter wrote/);
  } finally {
    await rm(prefix, { recursive: true, force: true });
  }
});

test("an empty --prefix is an error, not a silent install into the user's folder", async () => {
  const home = await mkdtemp(join(tmpdir(), "trellis-home-"));
  try {
    const env = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, "data") };
    for (const sub of ["install", "uninstall"]) {
      for (const prefix of ["", "  "]) {
        const r = spawnSync(process.execPath, [cli, "kernel", sub, "--prefix", prefix], { encoding: "utf8", env });
        assert.equal(r.status, 2, `${sub} --prefix ${JSON.stringify(prefix)}: ${r.stdout}`);
        assert.match(r.stderr, new RegExp(`trellis kernel ${sub}: --prefix takes a directory .* got an empty one`));
      }
    }
    assert.throws(() => kernelsDir({ prefix: "" }), /a kernelspec prefix is a directory .* got ""/);
    assert.equal(existsSync(join(home, "data", "jupyter", "kernels", "trellis")), false, "nothing was written to the user's folder");
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
