import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { homedir, platform } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The kernelspec's name (its directory under `kernels/`). */
export const KERNEL_NAME = "trellis";

export interface KernelspecLocation {
  /** Install for the current user (the default). */
  user?: boolean;
  /** Install under this prefix (`<prefix>/share/jupyter/kernels`), e.g. a virtualenv or conda env. */
  prefix?: string;
}

/** Where Jupyter looks for this user's kernelspecs (jupyter_core's user data dir). */
function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (platform() === "darwin") return join(homedir(), "Library", "Jupyter");
  if (platform() === "win32") return join(process.env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "jupyter");
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
}

/** The kernels directory for `location`. */
export function kernelsDir(location: KernelspecLocation = {}): string {
  if (location.prefix === undefined) return join(userDataDir(), "kernels");
  if (typeof location.prefix !== "string" || location.prefix.trim() === "") throw new TypeError(`a kernelspec prefix is a directory (e.g. a virtualenv's), got ${JSON.stringify(location.prefix)}`);
  return join(location.prefix, "share", "jupyter", "kernels");
}

/** The kernel.json: absolute node and entry paths, message-mode interrupts. */
export function kernelJson(): Record<string, unknown> {
  const cli = join(dirname(fileURLToPath(import.meta.url)), "cli.js");
  return {
    argv: [process.execPath, cli, "kernel", "--connection-file", "{connection_file}"],
    display_name: "TypeScript (Trellis)",
    language: "typescript",
    interrupt_mode: "message",
    env: {},
    metadata: { debugger: false },
  };
}

/** Writes the kernelspec; returns its directory. */
export async function installKernelspec(location: KernelspecLocation = {}): Promise<string> {
  const dir = join(kernelsDir(location), KERNEL_NAME);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "kernel.json"), JSON.stringify(kernelJson(), null, 2) + "\n");
  return dir;
}

/** Removes the kernelspec; returns its directory, or undefined when none was installed there. */
export async function uninstallKernelspec(location: KernelspecLocation = {}): Promise<string | undefined> {
  const dir = join(kernelsDir(location), KERNEL_NAME);
  if (!existsSync(dir)) return undefined;
  await rm(dir, { recursive: true, force: true });
  return dir;
}
