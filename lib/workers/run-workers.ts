import type { EnvConfig } from "../run/run.js";
import type { PolicySpec } from "../policy/spec.js";
import { Rng, type RngState } from "../random/rng.js";
import { VERSION } from "../version.js";
import type { ActorJob } from "./actor.js";
import { LocalActorPool } from "./local-pool.js";
import { NatsActorPool } from "./nats/nats-pool.js";
import type { ActorPool, WorkersSpec } from "./pool.js";

/** The pool a workers spec asks for. */
export function makeActorPool(spec: WorkersSpec, run: string): ActorPool {
  return spec.kind === "local" ? new LocalActorPool(spec.n) : new NatsActorPool(spec, run);
}

/**
 * The job of a run's actors: slot 0's env copies start from the run's own env
 * generator (one slot replays exactly the run without workers), slot i > 0's
 * from a stream split off it.
 */
export function actorJob(run: string, env: EnvConfig, policy: PolicySpec, envInitState: RngState, slots: number): ActorJob {
  if (typeof env.id !== "string") throw new TypeError("workers: a custom env (a function or class) cannot travel to actors; register it or use a built-in env id");
  if (policy.kind !== "mlp") throw new TypeError("workers: actors build MLP policies (rl.mlp(...)); a tfjs model policy cannot travel to them yet");
  const envStates: RngState[] = [envInitState];
  const stream = Rng.fromState(envInitState);
  for (let s = 1; s < slots; s++) envStates.push(stream.split().state());
  return { run, trellis: VERSION, envId: env.id, envKwargs: env.kwargs, copies: env.n / slots, envStates, policy };
}
