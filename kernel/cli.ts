#!/usr/bin/env node
import { parseArgs } from "node:util";

const HELP = `trellis — TypeScript notebooks for reinforcement learning

Usage:
  trellis demo [--steps N] [--seed S]       train PPO on CartPole-v1 and print the result
  trellis train --env ID [--algo ppo|a2c] [--steps N] [--n ENVS] [--seed S] [--save DIR]
  trellis run NOTEBOOK.ipynb [--out OUT.ipynb] [--html REPORT.html] [--timeout S] [--allow-errors]
                                            execute a notebook headless (no Jupyter needed) and write its outputs
  trellis kernel --connection-file FILE     run the Jupyter kernel (Jupyter starts it from the kernelspec)
  trellis kernel install [--user | --prefix P]   write the "TypeScript (Trellis)" kernelspec
  trellis kernel uninstall [--user | --prefix P] remove it
  trellis worker --nats URL --run ID [--slots K] [--user U --pass P | --nkey-seed-file F] [--ack-wait MS]
                                            serve a run's actors from this machine (rl.workers.nats); Ctrl-C leaves
  trellis envs                              list the registered environments
  trellis device                            which compute backend runs, and why faster ones were skipped
  trellis --help | --version
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP);
    return command ? 0 : 1;
  }
  if (command === "--version") {
    const { VERSION } = await import("../lib/version.js");
    console.log(VERSION);
    return 0;
  }
  switch (command) {
    case "demo":
      return demo(rest);
    case "train":
      return train(rest);
    case "kernel":
      return kernelCommand(rest);
    case "run": {
      const { runCommand } = await import("./runner/run-command.js");
      return runCommand(rest);
    }
    case "worker":
      return worker(rest);
    case "envs": {
      const { rl } = await import("../lib/index.js");
      for (const id of rl.envs()) console.log(id);
      return 0;
    }
    case "device": {
      const { rl } = await import("../lib/index.js");
      console.log(JSON.stringify(await rl.device(), null, 2));
      return 0;
    }
    default:
      console.error(`trellis: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}

async function worker(args: string[]): Promise<number> {
  let values: { nats?: string; run?: string; slots?: string; user?: string; pass?: string; "nkey-seed-file"?: string; "ack-wait"?: string; quiet?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { nats: { type: "string" }, run: { type: "string" }, slots: { type: "string" }, user: { type: "string" }, pass: { type: "string" }, "nkey-seed-file": { type: "string" }, "ack-wait": { type: "string" }, quiet: { type: "boolean" } } }));
  } catch (error) {
    console.error(`trellis worker: ${(error as Error).message}`);
    return 2;
  }
  if (!values.nats || !values.run) {
    console.error("trellis worker: give the server and the run: trellis worker --nats nats://HOST:4222 --run ID");
    return 2;
  }
  const slots = values.slots === undefined ? 1 : Number(values.slots);
  if (!Number.isInteger(slots) || slots < 1) {
    console.error(`trellis worker: --slots takes an integer ≥ 1, got ${values.slots}`);
    return 2;
  }
  const ackWait = values["ack-wait"] === undefined ? undefined : Number(values["ack-wait"]);
  if (ackWait !== undefined && !(ackWait >= 100)) {
    console.error(`trellis worker: --ack-wait takes milliseconds ≥ 100, got ${values["ack-wait"]}`);
    return 2;
  }
  const { startNatsActor, natsAuthProblems } = await import("../lib/index.js");
  const auth = { ...(values.user !== undefined ? { user: values.user } : {}), ...(values.pass !== undefined ? { pass: values.pass } : {}), ...(values["nkey-seed-file"] !== undefined ? { nkeySeedFile: values["nkey-seed-file"] } : {}) };
  const authProblems = natsAuthProblems(auth, { user: "--user", pass: "--pass", seed: "--nkey-seed-file" });
  if (authProblems.length) {
    console.error(`trellis worker: ${authProblems.join("; ")}`);
    return 2;
  }
  const log = values.quiet ? () => {} : (line: string) => console.log(`[trellis worker] ${line}`);
  let handle;
  try {
    handle = await startNatsActor({ servers: values.nats.split(","), run: values.run, slots, ...auth, ...(ackWait !== undefined ? { ackWaitMs: ackWait } : {}), log });
  } catch (error) {
    console.error(`trellis worker: ${(error as Error).message}`);
    return 1;
  }
  log(`${handle.workerId} connected to ${values.nats}, waiting for run ${values.run}`);
  const stop = () => void handle.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await handle.done;
  } catch (error) {
    console.error(`trellis worker: ${(error as Error).message}`);
    return 1;
  }
  log(`left after ${handle.batches()} batches`);
  return 0;
}

async function kernelCommand(args: string[]): Promise<number> {
  const [sub, ...more] = args;
  if (sub === "install" || sub === "uninstall") {
    const { values } = parseArgs({ args: more, options: { user: { type: "boolean" }, prefix: { type: "string" } } });
    if (values.user && values.prefix !== undefined) {
      console.error("trellis kernel: pass --user or --prefix, not both");
      return 2;
    }
    if (values.prefix !== undefined && values.prefix.trim() === "") {
      console.error(`trellis kernel ${sub}: --prefix takes a directory (e.g. a virtualenv's, where Jupyter looks in share/jupyter/kernels), got an empty one`);
      return 2;
    }
    const { installKernelspec, uninstallKernelspec } = await import("./kernelspec.js");
    const location = values.prefix !== undefined ? { prefix: values.prefix } : { user: true };
    if (sub === "install") {
      console.log(`Installed the "TypeScript (Trellis)" kernelspec in ${await installKernelspec(location)}`);
      return 0;
    }
    const removed = await uninstallKernelspec(location);
    console.log(removed ? `Removed the kernelspec ${removed}` : "No Trellis kernelspec was installed there");
    return 0;
  }
  const { values, positionals } = parseArgs({ args, options: { "connection-file": { type: "string", short: "f" }, "no-typecheck": { type: "boolean" } }, allowPositionals: true });
  const file = values["connection-file"] ?? positionals[0];
  if (!file) {
    console.error("trellis kernel: pass the connection file Jupyter wrote (--connection-file FILE), or run `trellis kernel install` and start it from Jupyter");
    return 2;
  }
  const { serve } = await import("./zmq/server.js");
  await serve(file, values["no-typecheck"] ? { typecheck: false } : {});
  return 0;
}

async function demo(args: string[]): Promise<number> {
  const { rl } = await import("../lib/index.js");
  const { values } = parseArgs({ args, options: { steps: { type: "string" }, seed: { type: "string" } } });
  const steps = Number(values.steps ?? 500_000);
  const seed = Number(values.seed ?? 1);
  console.log(`Training PPO (CleanRL defaults) on CartPole-v1, 4 envs, seed ${seed}, up to ${steps.toLocaleString("en-US")} steps or until the mean return of the last 100 episodes reaches 475.`);
  const run = rl.env("CartPole-v1", { n: 4, seed }).policy(rl.mlp([64, 64])).algo(rl.ppo()).build();
  const result = await run.train({ steps, until: (m) => m.episodes >= 100 && (m.meanReturn ?? 0) >= 475 });
  const evaluation = await run.evaluate({ episodes: 20 });
  const last = result.last;
  console.log(
    JSON.stringify(
      {
        env: "CartPole-v1",
        algo: "ppo",
        steps: run.step,
        seconds: Number(result.seconds.toFixed(2)),
        sps: Math.round(result.sps),
        stopped: result.stopped,
        meanReturn100: last?.meanReturn,
        evalMeanReturn: evaluation.meanReturn,
        evalEpisodes: evaluation.returns.length,
      },
      null,
      2,
    ),
  );
  return evaluation.meanReturn >= 475 ? 0 : 1;
}

async function train(args: string[]): Promise<number> {
  const { rl } = await import("../lib/index.js");
  const { values } = parseArgs({
    args,
    options: {
      env: { type: "string" },
      algo: { type: "string", default: "ppo" },
      steps: { type: "string", default: "100000" },
      n: { type: "string", default: "4" },
      seed: { type: "string", default: "0" },
      save: { type: "string" },
    },
  });
  if (!values.env) {
    console.error("trellis train: --env ID is required (see `trellis envs`)");
    return 2;
  }
  const algos = { ppo: rl.ppo, a2c: rl.a2c } as const;
  const make = algos[values.algo as keyof typeof algos];
  if (!make) {
    console.error(`trellis train: unknown --algo '${values.algo}'; known: ${Object.keys(algos).join(", ")}`);
    return 2;
  }
  const run = rl.env(values.env, { n: Number(values.n), seed: Number(values.seed) }).algo(make()).build();
  const result = await run.train({ steps: Number(values.steps) });
  console.log(JSON.stringify({ steps: run.step, seconds: result.seconds, sps: result.sps, last: result.last }, null, 2));
  if (values.save) {
    await run.save(values.save);
    console.log(`saved to ${values.save}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `trellis: ${error.message}` : error);
    process.exit(1);
  },
);
