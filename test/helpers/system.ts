// System tools some tests drive (Debian's Jupyter, Chromium): found, or a failure that says how to install them.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Debian's Python, the one that sees the apt-installed Jupyter packages (the `python3` first on PATH may be another). */
export const SYSTEM_PYTHON = "/usr/bin/python3";

const INSTALL_HINT = "install them with `sudo scripts/install-system-deps.sh` (Debian/Ubuntu: jupyter-client, python3-jupyter-kernel-test, python3-nbformat, python3-nbclient, jupyter-notebook, chromium); `npm test` does this by itself when run as root";

/** The system Python, after checking that it can import `modules`; throws with the install command otherwise. */
export function requirePython(modules: readonly string[]): string {
  if (!existsSync(SYSTEM_PYTHON)) throw new Error(`${SYSTEM_PYTHON} is missing: ${INSTALL_HINT}`);
  const r = spawnSync(SYSTEM_PYTHON, ["-c", modules.map((m) => `import ${m}`).join("; ")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${SYSTEM_PYTHON} cannot import ${modules.join(", ")} (${r.stderr.trim().split("\n").at(-1)}): ${INSTALL_HINT}`);
  return SYSTEM_PYTHON;
}

/** Debian's Chromium, or a failure with the install command. */
export function requireChromium(): string {
  for (const path of ["/usr/bin/chromium", "/usr/bin/chromium-browser"]) if (existsSync(path)) return path;
  throw new Error(`Chromium is missing (/usr/bin/chromium): ${INSTALL_HINT}`);
}
