import type { AlgoSpec } from "./algorithm.js";
import { a2c, pg, ppo, reinforce, PgSpec, pgConfigFromJSON } from "../pg/index.js";
import { dqn } from "./off-policy/dqn.js";
import { sac } from "./off-policy/sac.js";
import { bc } from "./offline/bc.js";
import { cql } from "./offline/cql.js";
import { iql } from "./offline/iql.js";

type AlgoFactory = (config: any) => AlgoSpec;

/** A preset's factory that also rebuilds an engine configuration saved by a checkpoint (`{ engine: 1, ... }`), changed or not. */
const engineOr =
  (preset: (options: any) => AlgoSpec): AlgoFactory =>
  (config) =>
    config && typeof config === "object" && (config as { engine?: unknown }).engine === 1 ? new PgSpec(pgConfigFromJSON(config)) : preset(config);

const factories = new Map<string, AlgoFactory>([
  ["ppo", engineOr(ppo)],
  ["a2c", engineOr(a2c)],
  ["pg", engineOr(() => pg())],
  ["dqn", dqn],
  ["sac", sac],
  ["reinforce", engineOr(reinforce)],
  ["bc", bc],
  ["cql", cql],
  ["iql", iql],
]);

/** Registers an algorithm name so saved runs that use it can be loaded. */
export function registerAlgo(name: string, factory: AlgoFactory): void {
  factories.set(name, factory);
}

/** Rebuilds an algorithm spec from a saved name and config. */
export function algoFromConfig(name: string, config: unknown): AlgoSpec {
  const f = factories.get(name);
  if (!f) throw new Error(`unknown algorithm '${name}' in checkpoint; known: ${[...factories.keys()].join(", ")}`);
  return f(config);
}
