/**
 * Starts `trellis worker` processes on this machine (a notebook trying
 * rl.workers.nats without other machines; the tests and the benchmark).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface SpawnedActors {
  readonly processes: readonly ChildProcess[];
  /** What each process printed so far. */
  output(i: number): string;
  /** Stops them (SIGTERM: each gives its slots back) and waits for them to exit. */
  stop(): Promise<void>;
}

export interface SpawnActorsOptions {
  readonly servers: string;
  readonly run: string;
  /** How many processes (default 1). */
  readonly n?: number;
  /** Slots each may serve (default 1). */
  readonly slots?: number;
  readonly user?: string;
  readonly pass?: string;
  /** A file holding a user nkey seed (instead of user and password). */
  readonly nkeySeedFile?: string;
  /** How long an actor may hold a task before the slot's next actor gets it (default 30 s). */
  readonly ackWaitMs?: number;
}

export function spawnActors(options: SpawnActorsOptions): SpawnedActors {
  const cli = fileURLToPath(new URL("../../kernel/cli.js", import.meta.url));
  const args = [cli, "worker", "--nats", options.servers, "--run", options.run, "--slots", String(options.slots ?? 1), "--quiet"];
  if (options.user !== undefined) args.push("--user", options.user, "--pass", options.pass ?? "");
  if (options.nkeySeedFile !== undefined) args.push("--nkey-seed-file", options.nkeySeedFile);
  if (options.ackWaitMs !== undefined) args.push("--ack-wait", String(options.ackWaitMs));
  const outputs: string[] = [];
  const processes = Array.from({ length: options.n ?? 1 }, (_, i) => {
    outputs.push("");
    const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    p.stdout!.on("data", (d: Buffer) => (outputs[i] += d.toString()));
    p.stderr!.on("data", (d: Buffer) => (outputs[i] += d.toString()));
    // a notebook that forgets stop() must still be able to exit
    p.unref();
    return p;
  });
  return {
    processes,
    output: (i) => outputs[i] ?? "",
    stop: async () => {
      await Promise.all(
        processes.map((p) =>
          p.exitCode !== null || p.signalCode !== null
            ? null
            : new Promise<void>((resolve) => {
                p.once("exit", () => resolve());
                p.kill("SIGTERM");
              }),
        ),
      );
    },
  };
}
