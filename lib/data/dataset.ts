/**
 * Datasets of Arrow-backed trajectories (DESIGN.md, "Arrow trajectory schema").
 *
 * A {@link Dataset} wraps an Arrow `Table` in the trajectory schema (one row
 * per step) and adds episode-level views on it: summaries, filtering and
 * selection by episode, seeded train/valid splits, statistics, shuffled
 * minibatch sampling straight from the column buffers, and atomic saving as
 * an Arrow IPC file or a Parquet file.
 *
 * What copies:
 * - `openDataset` on an Arrow IPC file reads only its footer and batch
 *   metadata; a sampler then reads just the columns it draws, and anything
 *   that needs the whole table reads the whole file once (zero-copy from that
 *   buffer). Streams and directories are read into memory at open; Parquet is
 *   decoded by parquet-wasm.
 * - `filter` / `select` / `split` gather the chosen rows into new buffers.
 * - `sampler().next()` copies only the gathered rows (into fresh typed arrays).
 *
 * This module holds the class, its options and `openDataset` / `datasetFrom`;
 * the parts live next to it: `trajectory-schema-checks.ts` (the schema's
 * columns and types), `dataset-files.ts` (format detection, parsing, shards,
 * the bytes `save` writes), `gather.ts` (rows gathered from the column
 * buffers), `sampler.ts` (minibatches), `episode-index.ts` (rows to
 * episodes) and `stats.ts` (summaries).
 */
import { resolve } from "node:path";
import type { Schema, Table, Vector } from "apache-arrow";
import { writeFileAtomic } from "../run/atomic-dir.js";
import { ArrowFileColumns } from "./arrow-file-columns.js";
import { readDatasetSource, saveFormat, tableFileBytes, type SaveOptions } from "./dataset-files.js";
import { episodeIndex, type EpisodeIndex } from "./episode-index.js";
import { takeRows, unifyDictionaries } from "./gather.js";
import { createSampler, type Sampler, type SamplerOptions } from "./sampler.js";
import { summarize, type Summary } from "./stats.js";
import { assertTrajectorySchema } from "./trajectory-schema-checks.js";
import type { Rng } from "../random/rng.js";
import { datasetWidget } from "../../widgets/server/dataset.js";
import type { Widget } from "../../widgets/server/widget.js";
import { sequenceCreditWidget, type SequenceViewOptions } from "../../widgets/server/sequences.js";
import { sequenceCredit } from "../credit/sequences.js";
import type { GroupRelativeOptions } from "../credit/group-relative.js";

// What this module exported before its parts moved to their own files, so no importer breaks.
export { trajectorySchemaProblems, assertTrajectorySchema } from "./trajectory-schema-checks.js";
export type { DatasetFormat, SaveOptions } from "./dataset-files.js";
export { unifyDictionaries, type SampledArray } from "./gather.js";
export { summarize, type Summary } from "./stats.js";
export type { Minibatch, Sampler, SamplerOptions, SamplerState } from "./sampler.js";
/** Atomic file write (temp sibling + fsync + rename), shared with checkpoints. */
export { writeFileAtomic };

/** One episode of a dataset, as `filter` sees it. */
export interface EpisodeSummary {
  /** The `episode_id`. */
  id: number;
  /** Sum of the episode's rewards (over the rows present). */
  return: number;
  /** Rows (steps) of the episode present. */
  length: number;
  /** Whether the episode's last row present is terminated or truncated. */
  complete: boolean;
}

export interface DatasetStats {
  episodes: number;
  steps: number;
  /** Over episodes (NaN fields when there are none). */
  return: Summary;
  length: Summary;
}

export interface SplitOptions {
  /** Fraction of episodes in the validation part, in [0, 1] (rounded to whole episodes). */
  valid: number;
  /** Shuffles the episodes before splitting. */
  rng: Rng;
}

export interface OpenOptions {
  /** Check the table against the trajectory schema's columns and types (default true). */
  validate?: boolean;
}

/**
 * Opens a dataset: an Arrow IPC file or stream, a Parquet file (detected by
 * magic bytes), or a directory of such shards (files ending in .arrow,
 * .arrows, .ipc, .feather or .parquet, hidden files skipped), read in sorted
 * name order and concatenated; the shards' schemas must match. Only regular
 * files are read: a FIFO, socket or device (or a directory named like a
 * shard) is refused with an error naming its path, not skipped, as a
 * dataset silently missing a shard would be different data.
 */
export async function openDataset(path: string, options: OpenOptions = {}): Promise<Dataset> {
  const source = await readDatasetSource(path);
  if (options.validate ?? true) assertTrajectorySchema(source.schema, path);
  return new Dataset(source, resolve(path));
}

/** A dataset over an in-memory table (checked against the trajectory schema unless `validate` is false). */
export function datasetFrom(table: Table, options: OpenOptions = {}): Dataset {
  if (options.validate ?? true) assertTrajectorySchema(table.schema, "datasetFrom");
  return new Dataset(table);
}

/** Trajectories in the Arrow trajectory schema, with episode-level views. See the module doc. */
export class Dataset {
  /** The absolute path it was opened from (`openDataset`); undefined for in-memory and derived datasets. */
  readonly path: string | undefined;
  private index?: EpisodeIndex;
  private whole: Table | undefined;
  /** An Arrow IPC file not read yet, or read column by column for samplers. */
  private readonly file: ArrowFileColumns | undefined;
  private readonly fileColumns = new Map<string, Vector>();

  /**
   * Wraps `table` as is, except that dictionary columns are made to share one
   * dictionary (see {@link unifyDictionaries}); or an Arrow IPC file whose
   * columns are read when first needed.
   */
  constructor(source: Table | ArrowFileColumns, path?: string) {
    if (source instanceof ArrowFileColumns) this.file = source;
    else this.whole = unifyDictionaries(source);
    this.path = path;
  }

  /** The rows, one per step (a dataset opened from an Arrow IPC file reads the whole file the first time). */
  get table(): Table {
    if (!this.whole) {
      this.whole = unifyDictionaries(this.file!.readTable());
      // Columns read on their own are now in the table too: samplers keep theirs, the cache lets go.
      this.fileColumns.clear();
    }
    return this.whole;
  }

  /** The columns' names and types (no data read). */
  get schema(): Schema {
    return this.whole?.schema ?? this.file!.schema;
  }

  /** Rows (steps) in the dataset. */
  get numSteps(): number {
    return this.whole?.numRows ?? this.file!.numRows;
  }

  /** One column (null when there is none); a dataset opened from an Arrow IPC file reads just that column's bytes. */
  column(name: string): Vector | null {
    return this.columnsByName([name])[0]!;
  }

  /** The named columns (null where there is none), reading from the file only those not read yet. */
  private columnsByName(names: readonly string[]): (Vector | null)[] {
    if (this.whole) return names.map((n) => this.whole!.getChild(n));
    const file = this.file!;
    const present = new Set(file.schema.fields.map((f) => f.name));
    const missing = names.filter((n) => present.has(n) && !this.fileColumns.has(n));
    if (missing.length) for (const [n, v] of file.read(missing)) this.fileColumns.set(n, v);
    return names.map((n) => this.fileColumns.get(n) ?? null);
  }

  private episodeIndex(): EpisodeIndex {
    return (this.index ??= episodeIndex(this.table));
  }

  /** Episode ids present, ascending. */
  episodes(): number[] {
    return Array.from(this.episodeIndex().ids);
  }

  /** One summary per episode, ascending by id. */
  episodeSummaries(): EpisodeSummary[] {
    const { ids, returns, lengths, complete } = this.episodeIndex();
    return Array.from(ids, (id, k) => ({ id, return: returns[k]!, length: lengths[k]!, complete: complete[k] === 1 }));
  }

  /** The rows of the episodes whose summary passes `predicate` (row order kept). */
  filter(predicate: (episode: EpisodeSummary) => boolean): Dataset {
    const keep = new Uint8Array(this.episodeIndex().ids.length);
    this.episodeSummaries().forEach((s, k) => (keep[k] = predicate(s) ? 1 : 0));
    return this.withEpisodes(keep);
  }

  /** The rows of the given episodes (row order kept; ids not present are an error). */
  select(episodeIds: Iterable<number>): Dataset {
    const { ids } = this.episodeIndex();
    const keep = new Uint8Array(ids.length);
    const position = new Map<number, number>();
    ids.forEach((id, k) => position.set(id, k));
    const unknown: number[] = [];
    for (const id of episodeIds) {
      const k = position.get(id);
      if (k === undefined) unknown.push(id);
      else keep[k] = 1;
    }
    if (unknown.length) throw new RangeError(`Dataset.select: no episodes with ids ${unknown.slice(0, 10).join(", ")}${unknown.length > 10 ? ", …" : ""}`);
    return this.withEpisodes(keep);
  }

  private withEpisodes(keep: Uint8Array): Dataset {
    const { rowEpisode } = this.episodeIndex();
    let count = 0;
    for (let i = 0; i < rowEpisode.length; i++) count += keep[rowEpisode[i]!]!;
    const rows = new Int32Array(count);
    for (let i = 0, j = 0; i < rowEpisode.length; i++) if (keep[rowEpisode[i]!]) rows[j++] = i;
    return new Dataset(takeRows(this.table, rows));
  }

  /** Splits by episode: a shuffled `round(valid × episodes)` of them go to `valid`, the rest to `train`. */
  split(options: SplitOptions): { train: Dataset; valid: Dataset } {
    const { valid, rng } = options;
    if (!(valid >= 0 && valid <= 1)) throw new RangeError(`Dataset.split: valid must be a fraction in [0, 1], got ${String(valid)}`);
    const m = this.episodeIndex().ids.length;
    const order = rng.permutation(m);
    const nValid = Math.round(valid * m);
    const inValid = new Uint8Array(m);
    for (let k = 0; k < nValid; k++) inValid[order[k]!] = 1;
    const inTrain = inValid.map((x) => 1 - x);
    return { train: this.withEpisodes(inTrain), valid: this.withEpisodes(inValid) };
  }

  /** Episode and step counts, and return and length statistics over episodes. */
  stats(): DatasetStats {
    const { ids, returns, lengths } = this.episodeIndex();
    return { episodes: ids.length, steps: this.numSteps, return: summarize(returns), length: summarize(lengths) };
  }

  /**
   * The dataset browser (schema, rows page by page, histograms) as a widget;
   * a notebook shows it as a cell's result, `show()` in a script writes a page.
   */
  widget(title?: string): Widget {
    let stats: Record<string, number> | undefined;
    if (this.table.getChild("episode_id") && this.table.getChild("reward")) {
      const st = this.stats();
      stats = { episodes: st.episodes, steps: st.steps, "return mean": st.return.mean, "return min": st.return.min, "return max": st.return.max, "length mean": st.length.mean };
    }
    return datasetWidget(this.table, { ...(title ? { title } : {}), ...(stats ? { stats } : {}) });
  }

  /**
   * The sequence credit view of a sequence-task dataset (rows with `tokens`,
   * optionally `token_adv`, `token_logp`, `group_id`): each completion's
   * tokens coloured by their advantage, hint / teacher / offline tokens
   * outlined, and each GRPO group's completions side by side with reward and
   * normalized advantage, zero-variance groups flagged. For the per-step
   * credit of an environment run, see `run.credit()`.
   */
  credit(options: SequenceViewOptions & GroupRelativeOptions & { title?: string } = {}): Widget {
    if (!this.table.getChild("tokens")) {
      throw new Error("Dataset.credit: this dataset has no tokens column; the sequence credit view reads sequence-task rows (see rl.dataset.sequences). For an environment run's per-step credit use run.credit()");
    }
    return sequenceCreditWidget(options.title ?? (this.path ? `sequence credit · ${this.path}` : "sequence credit"), sequenceCredit(this.table, options), options);
  }

  /** Shows the dataset browser (a page in a plain script). */
  show(title?: string): void {
    this.widget(title).show();
  }

  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return this.widget().bundle();
  }

  /** A sampler of shuffled minibatches of rows (see {@link Sampler}). */
  sampler(options: SamplerOptions): Sampler {
    return createSampler(this.schema, this.numSteps, (names) => this.columnsByName(names) as Vector[], options);
  }

  /** Writes the dataset to `path` atomically (temp file, fsync, rename) as an Arrow IPC file or Parquet. */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    const format = saveFormat(path, options);
    await writeFileAtomic(path, tableFileBytes(this.table, format));
  }
}
