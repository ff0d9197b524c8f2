/**
 * A local `nats-server` with JetStream (file storage) for trying scale-out on
 * one machine, for the tests and the benchmark: started on loopback, on a
 * free port unless one is given, and stopped (or killed) on request. Needs
 * the `nats-server` binary (Debian: `apt install nats-server`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface NatsServerOptions {
  /** Where JetStream keeps its streams (file storage; reuse it to restart with the streams intact). */
  readonly storeDir: string;
  /** The client port; default a free one the server picks. */
  readonly port?: number;
  /** Require of every client this user and password, or one of these user nkeys (public keys "U…"). */
  readonly auth?: { readonly user: string; readonly pass: string } | { readonly nkeys: readonly string[] };
  /** The binary (default `nats-server` on the PATH). */
  readonly binary?: string;
  /** How long to wait for it to listen (default 10 s). */
  readonly timeoutMs?: number;
}

export interface LocalNatsServer {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills it (SIGKILL), as a crash would, and waits for it to exit. */
  kill(): Promise<void>;
}

export async function startNatsServer(options: NatsServerOptions): Promise<LocalNatsServer> {
  const args = ["-js", "-a", "127.0.0.1", "-p", String(options.port ?? -1), "-sd", options.storeDir];
  let config: string | null = null;
  if (options.auth && "nkeys" in options.auth) {
    const keys = options.auth.nkeys;
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === "string" && /^U[A-Z2-7]{55}$/.test(k))) throw new RangeError(`nats-server auth.nkeys: expected user public keys (56 characters starting "U"), got ${JSON.stringify(keys)}`);
    // nkeys are given in a configuration file only
    mkdirSync(options.storeDir, { recursive: true });
    config = join(options.storeDir, `auth-${process.pid}-${Date.now()}.conf`);
    writeFileSync(config, `authorization {\n  users = [\n${keys.map((k) => `    { nkey: ${k} }`).join("\n")}\n  ]\n}\n`);
    args.push("-c", config);
  } else if (options.auth) args.push("--user", options.auth.user, "--pass", options.auth.pass);
  const binary = options.binary ?? "nats-server";
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let log = "";
  let onEarlyExit: (code: number | null) => void = () => {};
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`nats-server did not listen within ${options.timeoutMs ?? 10_000} ms:\n${log.slice(-2000)}`));
    }, options.timeoutMs ?? 10_000);
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === "ENOENT" ? new Error(`${binary} not found: install it (Debian: apt install nats-server) or pass { binary }`) : error);
    });
    onEarlyExit = (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (code ${code}) before listening:\n${log.slice(-2000)}`));
    };
    child.once("exit", onEarlyExit);
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      log += chunk;
      const m = /Listening for client connections on [^\s]*:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  child.off("exit", onEarlyExit);
  // keep draining its log so a chatty server never blocks on a full pipe
  child.stderr!.removeAllListeners("data");
  child.stderr!.resume();
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url: `nats://127.0.0.1:${port}`, port, process: child, stop: () => end("SIGTERM"), kill: () => end("SIGKILL") };
}
