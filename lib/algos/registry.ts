import type { AlgoSpec } from "./algorithm.js";
import { a2c } from "./a2c.js";
import { ppo } from "./ppo.js";
import { dqn } from "./dqn.js";
import { sac } from "./sac.js";
import { reinforce } from "./reinforce.js";
import { bc } from "./bc.js";
import { cql } from "./cql.js";
import { iql } from "./iql.js";

type AlgoFactory = (config: any) => AlgoSpec;

const factories = new Map<string, AlgoFactory>([
  ["ppo", ppo],
  ["a2c", a2c],
  ["dqn", dqn],
  ["sac", sac],
  ["reinforce", reinforce],
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
