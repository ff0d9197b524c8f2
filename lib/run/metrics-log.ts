import { Float64, Table, tableFromArrays, vectorFromArray } from "apache-arrow";

/** One row of a run's metrics: numbers by name (see `METRIC_DOCS`). */
export type MetricsRow = Readonly<Record<string, number>> & {
  readonly step: number;
  readonly wallTime: number;
};

/**
 * The metric vocabulary, each name defined once. Rows are written once per
 * update; a metric absent from a row (no episode finished, no evaluation
 * that update) is null in the Arrow table.
 */
export const METRIC_DOCS: Readonly<Record<string, string>> = {
  step: "env steps taken so far, summed over env copies",
  update: "updates performed so far",
  wallTime: "seconds of training (inside train() calls) so far",
  episodicReturn: "mean undiscounted return of the episodes that ended since the previous row",
  episodicLength: "mean length of the episodes that ended since the previous row",
  meanReturn: "mean return of the last 100 training episodes (of all so far while fewer have ended)",
  episodicCost: "envs with constraint costs: mean summed cost of the episodes that ended since the previous row",
  meanCost: "envs with constraint costs: mean summed cost of the last 100 training episodes",
  episodes: "training episodes ended so far",
  evalReturn: "mean return of the last evaluation (greedy actions), when one ran",
  sps: "env steps per second over the last rows (training loop, updates included)",
  learningRate: "learning rate used by the update",
  policyLoss: "policy loss of the update's last minibatch",
  valueLoss: "value loss of the update's last minibatch (before the value coefficient)",
  entropy: "mean policy entropy of the update's last minibatch (nats); for SAC −mean log π of the sampled actions",
  approxKl: "KL(π_old‖π) estimated with k3 = mean((r − 1) − log r) on the last minibatch",
  oldApproxKl: "KL(π_old‖π) estimated with k1 = mean(−log r) on the last minibatch",
  clipfrac: "fraction of samples with |r − 1| > ε, averaged over the update's minibatches",
  explainedVariance: "1 − Var[R − V] / Var[R] over the rollout",
  kl: "estimated KL(π ‖ π_ref) of the last minibatch (divergence in the loss), or of the update's rollout (in the reward)",
  gradNorm: "global gradient norm before clipping (last minibatch)",
  tdLoss: "DQN regression loss of Q(s, a) to the TD targets (last gradient step)",
  qLoss: "SAC critic loss, (loss of Q1 + loss of Q2) / 2 as CleanRL logs it (last gradient step); CQL and IQL: the TD loss, averaged over the row's updates",
  batchSteps: "REINFORCE: steps of complete episodes in the update's batch",
  batchEpisodes: "REINFORCE: complete episodes in the update's batch",
  qValue: "mean Q of the sampled actions (value-based and actor-critic off-policy methods)",
  epsilon: "exploration rate of ε-greedy",
  alpha: "SAC entropy temperature",
  actorLoss: "SAC and CQL: actor loss; IQL: advantage-weighted −mean w log π(a|s) of the dataset actions, averaged over the row's updates",
  alphaLoss: "SAC temperature loss",
  bcLoss: "behavior cloning: −mean log π(a|s) of the dataset's actions (minus the entropy bonus), averaged over the row's updates",
  accuracy: "behavior cloning, discrete actions: fraction of minibatch rows whose greedy action is the dataset's, averaged over the row's updates",
  actionMse: "behavior cloning and IQL, continuous actions: mean squared error of the policy mean to the dataset's actions, averaged over the row's updates",
  logStd: "IQL, continuous actions: mean learned log σ of the policy (in units of the action box's half-width), averaged over the row's updates",
  datasetEpoch: "passes over the dataset started so far (offline methods)",
  loss: "CQL: total loss, TD loss + α × CQL penalty, averaged over the row's updates",
  cqlLoss: "CQL: the CQL(H) penalty, mean logsumexp_a Q(s, a) − Q(s, a_data), averaged over the row's updates",
  logsumexpQ: "CQL: mean logsumexp_a Q(s, a), the soft maximum the penalty pushes down, averaged over the row's updates",
  value: "IQL: mean V(s) of the minibatch, averaged over the row's updates",
  advantage: "IQL: mean Q_target(s, a) − V(s) of the dataset actions, averaged over the row's updates",
  awrWeight: "IQL: mean advantage weight exp(β A) (clipped) of the policy extraction, averaged over the row's updates",
  imitationGate: "hybrid PPO/A2C: 1 when the update used the imitation term (AHPO: recent success rate below the threshold, or warm-starting), else 0",
  successRate: "hybrid PPO/A2C: fraction of the last `group` training episodes whose return reached the success level, when the update began",
  imitationNll: "hybrid PPO/A2C: mean −log π(a|s) of the dataset's actions, averaged over the update's minibatches (only when the gate was open)",
  offlineValueLoss: "hybrid PPO/A2C: importance-weighted TD(0) loss of V on dataset transitions (before the coefficients), averaged over the update's minibatches",
  offlineWeight: "hybrid PPO/A2C: mean clipped importance weight min(ρ̄, π/μ) of the dataset rows the critic learned from",
  pretrainSteps: "hybrid PPO/A2C: warm-start gradient steps on the dataset before the first env step (the row that ends the warm start); DQN/SAC with criticPretrain: critic steps on the dataset so far",
  metaEpochs: "MOORL (rl.data.meta): meta-epochs completed (each K inner updates from one buffer, then a Reptile step)",
  metaOfflineShare: "MOORL: share of the completed meta-epochs that drew from the offline buffer",
  discriminatorLoss: "H2O: class-balanced cross-entropy of the real-vs-simulated classifiers, mean of D(s, a, s′) and D(s, a) (last gradient step)",
  discriminatorAccuracy: "H2O: fraction of the last minibatch's rows that D(s, a, s′) classified right (real vs simulated)",
  dynamicsWeight: "H2O: mean weight clip(P_real(s′|s,a) / P_sim(s′|s,a)) of the last minibatch's simulated rows (applied to their TD errors from the warm-up on)",
  dynamicsLogRatio: "H2O: mean estimated log P_real(s′|s,a) − log P_sim(s′|s,a) of the last minibatch's simulated rows, before clipping",
};

/**
 * Adds a metric to the vocabulary (components declare theirs: `defineComponent({ metrics })`).
 * A name already defined keeps its first doc, so a shared name (policyLoss) means one thing.
 */
export function documentMetric(name: string, doc: string): void {
  if (!(name in METRIC_DOCS)) (METRIC_DOCS as Record<string, string>)[name] = doc;
}

/** Append-only columnar store of metrics rows; `toArrow()` copies into an Arrow table. */
export class MetricsLog {
  private readonly columns = new Map<string, (number | null)[]>();
  private rows = 0;

  get length(): number {
    return this.rows;
  }

  append(row: Record<string, number | undefined>): void {
    for (const [name, value] of Object.entries(row)) {
      if (value === undefined) continue;
      let col = this.columns.get(name);
      if (!col) {
        col = new Array<number | null>(this.rows).fill(null);
        this.columns.set(name, col);
      }
      col.push(Number.isNaN(value) ? null : value);
    }
    this.rows++;
    for (const col of this.columns.values()) if (col.length < this.rows) col.push(null);
  }

  /** The last row as an object (metrics missing in it are absent). */
  last(): MetricsRow | undefined {
    if (this.rows === 0) return undefined;
    const out: Record<string, number> = {};
    for (const [name, col] of this.columns) {
      const v = col[this.rows - 1];
      if (v !== null && v !== undefined) out[name] = v;
    }
    return out as MetricsRow;
  }

  /** One column as numbers (null → NaN). Copies. */
  column(name: string): Float64Array {
    const col = this.columns.get(name);
    const out = new Float64Array(this.rows).fill(NaN);
    if (col) for (let i = 0; i < this.rows; i++) out[i] = col[i] ?? NaN;
    return out;
  }

  names(): string[] {
    return [...this.columns.keys()];
  }

  /** An Arrow table with one Float64 column per metric (nullable). Copies the data. */
  toArrow(): Table {
    if (this.rows === 0) return tableFromArrays({ step: new Float64Array(0), wallTime: new Float64Array(0) });
    const vectors = Object.fromEntries([...this.columns].map(([name, col]) => [name, vectorFromArray(col, new Float64())]));
    return new Table(vectors);
  }

  /** Rebuilds a log from a table written by {@link MetricsLog.toArrow}. */
  static fromArrow(table: Table): MetricsLog {
    const log = new MetricsLog();
    log.rows = table.numRows;
    for (const field of table.schema.fields) {
      const vec = table.getChild(field.name)!;
      const col: (number | null)[] = [];
      for (let i = 0; i < table.numRows; i++) {
        const v = vec.get(i) as number | null;
        col.push(v === null || v === undefined ? null : Number(v));
      }
      log.columns.set(field.name, col);
    }
    return log;
  }

  /** Plain JSON (checkpoints). */
  toJSON(): { rows: number; columns: Record<string, (number | null)[]> } {
    return { rows: this.rows, columns: Object.fromEntries(this.columns) };
  }

  static fromJSON(json: { rows: number; columns: Record<string, (number | null)[]> }): MetricsLog {
    const log = new MetricsLog();
    log.rows = json.rows;
    for (const [name, col] of Object.entries(json.columns)) log.columns.set(name, [...col]);
    return log;
  }
}
