import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A Jupyter connection file: where the five sockets bind and the signing key. */
export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

/** Reads and checks a connection file (errors name the file and the field). */
export function readConnectionFile(path: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the connection file ${path}: ${(error as Error).message}`);
  }
  const c = raw as Partial<ConnectionInfo>;
  const missing = (["ip", "shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const).filter((k) => c[k] === undefined);
  if (missing.length) throw new Error(`the connection file ${path} lacks ${missing.join(", ")}`);
  return { ...(c as ConnectionInfo), transport: c.transport ?? "tcp", key: c.key ?? "", signature_scheme: c.signature_scheme ?? "hmac-sha256" };
}

/** The endpoint of one port: tcp://ip:port, or ipc://ip-port as Jupyter names ipc sockets. */
export function endpoint(c: ConnectionInfo, port: number): string {
  return c.transport === "ipc" ? `ipc://${c.ip}-${port}` : `tcp://${c.ip}:${port}`;
}

/** A TCP port free on 127.0.0.1 now (for writing connection files). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
