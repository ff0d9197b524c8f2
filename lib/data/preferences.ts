/**
 * Preference data as Arrow tables, in the two layouts preference methods
 * learn from:
 *
 * - **pairs** (DPO, IPO, SLiC; Hugging Face TRL's "standard" preference
 *   layout): string columns `prompt`, `chosen`, `rejected`;
 * - **lists** (LiPO): `prompt` (string), `completions` (list of strings) and
 *   `scores` (list of numbers, one graded label per completion, higher is
 *   better).
 *
 * A pair reads as a list of two with scores [1, 0], so every preference loss
 * takes either. Other columns are kept in the table and ignored.
 *
 * ```ts
 * const pairs = rl.preferences.pairs([{ prompt: "2+2=", chosen: "4", rejected: "5" }]);
 * const data = await rl.preferences.open("ultrafeedback/");   // save_to_disk directory, .parquet or .arrow
 * data.lists();                                          // [{ prompt, completions, scores }]
 * data.show();                                           // the dataset browser
 * ```
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DataType, Field, Float64, List, RecordBatch, Schema, Table, Utf8, tableToIPC, vectorFromArray, type Vector } from "apache-arrow";
import { writeFileAtomic } from "../run/atomic-dir.js";
import { datasetWidget } from "../../widgets/server/dataset.js";
import type { Widget } from "../../widgets/server/widget.js";
import { saveFormat, tableFileBytes, type SaveOptions } from "./dataset-files.js";
import { readHfTable, writeHfInfo } from "./interop/hf.js";
import { listPairs } from "./list-pairs.js";

/** One prompt's graded completions (a pair is a list of two scored [1, 0]). */
export interface PreferenceList {
  readonly prompt: string;
  readonly completions: readonly string[];
  /** One per completion; higher is better. */
  readonly scores: readonly number[];
}

export interface PreferencePair {
  readonly prompt: string;
  readonly chosen: string;
  readonly rejected: string;
}

/** Which columns hold the fields, when a table names them otherwise. */
export interface PreferenceColumns {
  readonly prompt?: string;
  readonly chosen?: string;
  readonly rejected?: string;
  readonly completions?: string;
  readonly scores?: string;
}

const META_KIND = "trellis.preferences";

function isText(type: DataType): boolean {
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type) || (DataType.isDictionary(type) && (DataType.isUtf8(type.dictionary) || DataType.isLargeUtf8(type.dictionary)));
}

function isTextList(type: DataType): boolean {
  return (DataType.isList(type) || DataType.isLargeList(type) || DataType.isFixedSizeList(type)) && isText(type.children[0]!.type as DataType);
}

function isNumberList(type: DataType): boolean {
  if (!(DataType.isList(type) || DataType.isLargeList(type) || DataType.isFixedSizeList(type))) return false;
  const child = type.children[0]!.type as DataType;
  return DataType.isInt(child) || DataType.isFloat(child);
}

/** What a column looks like in an error: its type, and a hint for the layouts people commonly have instead. */
function typeText(type: DataType): string {
  const list = DataType.isList(type) || DataType.isLargeList(type);
  const conversational = list && DataType.isStruct(type.children[0]!.type as DataType);
  return `${String(type)}${conversational ? " (a conversation: lists of { role, content } messages; render them to text with the model's chat template first)" : ""}`;
}

function checkText(value: unknown, where: string, allowEmpty: boolean): string {
  if (typeof value !== "string") throw new TypeError(`${where}: expected a string, got ${value === null ? "null" : typeof value}`);
  if (!allowEmpty && value.length === 0) throw new RangeError(`${where}: expected a non-empty string`);
  return value;
}

function checkList(row: unknown, i: number, where: string): PreferenceList {
  const r = row as Partial<PreferenceList> | null;
  if (r === null || typeof r !== "object") throw new TypeError(`${where}: list ${i}: expected { prompt, completions, scores }, got ${r === null ? "null" : typeof r}`);
  const prompt = checkText(r.prompt, `${where}: list ${i}: prompt`, false);
  if (!Array.isArray(r.completions)) throw new TypeError(`${where}: list ${i}: completions must be an array of strings`);
  if (!Array.isArray(r.scores)) throw new TypeError(`${where}: list ${i}: scores must be an array of numbers`);
  if (r.completions.length < 2) throw new RangeError(`${where}: list ${i}: a list needs at least 2 completions, got ${r.completions.length}`);
  if (r.scores.length !== r.completions.length) throw new RangeError(`${where}: list ${i}: ${r.completions.length} completions but ${r.scores.length} scores`);
  const completions = r.completions.map((c, k) => checkText(c, `${where}: list ${i}: completion ${k}`, true));
  const scores = r.scores.map((s, k) => {
    if (typeof s !== "number" || !Number.isFinite(s)) throw new RangeError(`${where}: list ${i}: score ${k} is ${String(s)}, expected a finite number`);
    return s;
  });
  return { prompt, completions, scores };
}

function checkPair(row: unknown, i: number, where: string): PreferencePair {
  const r = row as Partial<PreferencePair> | null;
  if (r === null || typeof r !== "object") throw new TypeError(`${where}: pair ${i}: expected { prompt, chosen, rejected }, got ${r === null ? "null" : typeof r}`);
  return {
    prompt: checkText(r.prompt, `${where}: pair ${i}: prompt`, false),
    chosen: checkText(r.chosen, `${where}: pair ${i}: chosen`, true),
    rejected: checkText(r.rejected, `${where}: pair ${i}: rejected`, true),
  };
}

const textList = () => new List(new Field("item", new Utf8(), true));
const numberList = () => new List(new Field("item", new Float64(), true));

/** The Hugging Face `features` of a preference table Trellis writes. */
function hfFeatures(kind: "pairs" | "lists"): Record<string, unknown> {
  const string = { _type: "Value", dtype: "string" };
  if (kind === "pairs") return { prompt: string, chosen: string, rejected: string };
  return { prompt: string, completions: { _type: "Sequence", feature: string, length: -1 }, scores: { _type: "Sequence", feature: { _type: "Value", dtype: "float64" }, length: -1 } };
}

/** `table` with `metadata` added to its schema. */
function withMetadata(table: Table, metadata: ReadonlyMap<string, string>): Table {
  const schema = new Schema(table.schema.fields, new Map([...table.schema.metadata, ...metadata]));
  return new Table(schema, table.batches.map((b) => new RecordBatch(schema, b.data)));
}

function pairsTable(rows: readonly PreferencePair[]): Table {
  const t = new Table({
    prompt: vectorFromArray(rows.map((r) => r.prompt), new Utf8()),
    chosen: vectorFromArray(rows.map((r) => r.chosen), new Utf8()),
    rejected: vectorFromArray(rows.map((r) => r.rejected), new Utf8()),
  });
  return withMetadata(t, new Map([[META_KIND, "pairs"]]));
}

function listsTable(rows: readonly PreferenceList[]): Table {
  const t = new Table({
    prompt: vectorFromArray(rows.map((r) => r.prompt), new Utf8()),
    completions: vectorFromArray(rows.map((r) => [...r.completions]), textList()),
    scores: vectorFromArray(rows.map((r) => [...r.scores]), numberList()),
  });
  return withMetadata(t, new Map([[META_KIND, "lists"]]));
}

/** Preference data: pairs or graded lists, an Arrow table underneath (see the module doc). */
export class PreferenceData {
  private constructor(
    readonly kind: "pairs" | "lists",
    /** The Arrow table (its columns as read or built; extra columns kept). */
    readonly table: Table,
    private readonly rows: readonly PreferenceList[],
  ) {}

  /** Pairs from rows `{ prompt, chosen, rejected }` (checked: strings, a non-empty prompt). */
  static pairs(rows: readonly PreferencePair[]): PreferenceData {
    if (!Array.isArray(rows) || rows.length === 0) throw new RangeError("rl.preferences.pairs: expected a non-empty array of { prompt, chosen, rejected }");
    const pairs = rows.map((r, i) => checkPair(r, i, "rl.preferences.pairs"));
    return new PreferenceData("pairs", pairsTable(pairs), pairs.map((p) => ({ prompt: p.prompt, completions: [p.chosen, p.rejected], scores: [1, 0] })));
  }

  /** Lists from rows `{ prompt, completions, scores }` (checked: ≥ 2 completions, one finite score each). */
  static lists(rows: readonly PreferenceList[]): PreferenceData {
    if (!Array.isArray(rows) || rows.length === 0) throw new RangeError("rl.preferences.lists: expected a non-empty array of { prompt, completions, scores }");
    const lists = rows.map((r, i) => checkList(r, i, "rl.preferences.lists"));
    return new PreferenceData("lists", listsTable(lists), lists);
  }

  /**
   * Preference data from an Arrow table: pairs when it has `chosen` and
   * `rejected` string columns, lists when it has `completions` (list of
   * strings) and `scores` (list of numbers); both need a `prompt` string
   * column. `columns` renames. Every row is checked (a null, a list of one, a
   * score that is not finite: an error naming the row).
   */
  static fromTable(table: Table, options: { columns?: PreferenceColumns; source?: string } = {}): PreferenceData {
    const where = options.source ?? "rl.preferences.fromTable";
    if (!table || typeof table !== "object" || !table.schema || typeof table.getChild !== "function") throw new TypeError(`${where}: expected an apache-arrow Table`);
    const names = table.schema.fields.map((f) => f.name);
    const col = (field: keyof PreferenceColumns) => options.columns?.[field] ?? field;
    for (const [field, name] of Object.entries(options.columns ?? {})) {
      if (typeof name !== "string" || !names.includes(name)) throw new RangeError(`${where}: columns.${field} names ${JSON.stringify(name)}, which is not a column; the columns are ${names.join(", ")}`);
    }
    const typeOf = (name: string) => table.schema.fields.find((f) => f.name === name)?.type as DataType | undefined;
    const want = (field: keyof PreferenceColumns, check: (t: DataType) => boolean, what: string): Vector => {
      const name = col(field);
      const type = typeOf(name);
      if (type === undefined) throw new TypeError(`${where}: no column ${JSON.stringify(name)} (${what}); the columns are ${names.join(", ") || "none"}`);
      if (!check(type)) throw new TypeError(`${where}: column ${JSON.stringify(name)} is ${typeText(type)}, expected ${what}`);
      return table.getChild(name)!;
    };
    const isPairs = typeOf(col("chosen")) !== undefined || typeOf(col("rejected")) !== undefined;
    const isLists = typeOf(col("completions")) !== undefined || typeOf(col("scores")) !== undefined;
    if (isPairs === isLists) {
      throw new TypeError(
        `${where}: expected pairs (columns prompt, chosen, rejected) or lists (columns prompt, completions, scores)${isPairs ? ", not both" : ""}; the columns are ${names.join(", ") || "none"}${isPairs ? "" : " (pass options.columns to name them)"}`,
      );
    }
    const prompt = want("prompt", isText, "a string column (the prompt; data without one, whose prompt is inside chosen and rejected, is not read)");
    const n = table.numRows;
    const rows: PreferenceList[] = [];
    if (isPairs) {
      const chosen = want("chosen", isText, "a string column");
      const rejected = want("rejected", isText, "a string column");
      for (let i = 0; i < n; i++) {
        const p = checkPair({ prompt: prompt.get(i), chosen: chosen.get(i), rejected: rejected.get(i) }, i, where);
        rows.push({ prompt: p.prompt, completions: [p.chosen, p.rejected], scores: [1, 0] });
      }
    } else {
      const completions = want("completions", isTextList, "a list-of-strings column");
      const scores = want("scores", isNumberList, "a list-of-numbers column");
      const items = (v: Vector | null): unknown[] | null => (v === null ? null : Array.from(v as Iterable<unknown>, (x) => (typeof x === "bigint" ? Number(x) : x)));
      for (let i = 0; i < n; i++) rows.push(checkList({ prompt: prompt.get(i), completions: items(completions.get(i)), scores: items(scores.get(i)) }, i, where));
    }
    if (rows.length === 0) throw new RangeError(`${where}: the table has no rows`);
    return new PreferenceData(isPairs ? "pairs" : "lists", table, rows);
  }

  /** Rows (pairs or lists). */
  get length(): number {
    return this.rows.length;
  }

  /** Every row as a list (a pair: [chosen, rejected] scored [1, 0]). */
  lists(): readonly PreferenceList[] {
    return this.rows;
  }

  /**
   * Pairs: of pair data, the pairs; of lists, per list its best and worst
   * completion ("best-worst", the default; lists whose scores are all equal
   * give none) or every pair of different scores ("all"), the better one chosen.
   */
  pairs(options: { from?: "best-worst" | "all" } = {}): PreferencePair[] {
    const from = options.from ?? "best-worst";
    if (from !== "best-worst" && from !== "all") throw new RangeError(`pairs: from must be "best-worst" or "all", got ${JSON.stringify(from)}`);
    return this.rows.flatMap((l) => listPairs(l.scores, from).map(([w, r]) => ({ prompt: l.prompt, chosen: l.completions[w]!, rejected: l.completions[r]! })));
  }

  /** The rows whose indices `keep` lists, as new data of the same kind. */
  select(keep: readonly number[]): PreferenceData {
    const rows = keep.map((i) => {
      if (!Number.isInteger(i) || i < 0 || i >= this.rows.length) throw new RangeError(`select: row ${String(i)} is outside [0, ${this.rows.length})`);
      return this.rows[i]!;
    });
    if (rows.length === 0) throw new RangeError("select: no rows kept");
    if (this.kind === "pairs") return PreferenceData.pairs(rows.map((r) => ({ prompt: r.prompt, chosen: r.completions[0]!, rejected: r.completions[1]! })));
    return PreferenceData.lists(rows);
  }

  /** Writes an Arrow IPC file, or Parquet when the path ends in `.parquet` (or `format: "parquet"`). */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    await writeFileAtomic(path, tableFileBytes(this.canonicalTable(), saveFormat(path, options)));
  }

  /** Writes a Hugging Face `save_to_disk` directory (`datasets.load_from_disk` opens it); creates `dir` if needed. */
  async saveHf(dir: string): Promise<void> {
    const table = this.canonicalTable();
    const features = hfFeatures(this.kind);
    const bytes = tableToIPC(withMetadata(table, new Map([["huggingface", JSON.stringify({ info: { features } })]])), "stream");
    await mkdir(dir, { recursive: true });
    const filename = "data-00000-of-00001.arrow";
    await writeFile(join(dir, filename), bytes);
    await writeHfInfo(dir, [filename], features, bytes.byteLength, `Trellis preference ${this.kind}`);
  }

  /** The browser widget: prompts, completions, scores, with histograms. */
  widget(title?: string): Widget {
    const sizes = this.rows.map((r) => r.completions.length);
    return datasetWidget(this.table, { title: title ?? `preference ${this.kind}`, stats: { [this.kind]: this.rows.length, "completions mean": sizes.reduce((a, b) => a + b, 0) / sizes.length } });
  }

  show(title?: string): void {
    this.widget(title).show();
  }

  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return this.widget().bundle();
  }

  /** The rows in Trellis's own columns (what save writes: other columns and renamings are not carried). */
  private canonicalTable(): Table {
    if (this.kind === "pairs") return pairsTable(this.rows.map((r) => ({ prompt: r.prompt, chosen: r.completions[0]!, rejected: r.completions[1]! })));
    return listsTable(this.rows);
  }
}

/**
 * Opens preference data: a Hugging Face `save_to_disk` directory (its
 * state.json's shards), a directory of shards, or an Arrow IPC or Parquet
 * file (see {@link PreferenceData.fromTable} for the columns).
 */
export async function openPreferences(path: string, options: { columns?: PreferenceColumns } = {}): Promise<PreferenceData> {
  if (typeof path !== "string" || path.length === 0) throw new TypeError(`rl.preferences.open: path must be a non-empty string, got ${String(path)}`);
  const info = await stat(path);
  const hf = info.isDirectory() && (await stat(join(path, "state.json")).then(() => true, () => false));
  let table: Table;
  if (hf) table = await readHfTable(path);
  else {
    const { openDataset } = await import("./dataset.js");
    table = (await openDataset(path, { validate: false })).table;
  }
  return PreferenceData.fromTable(table, { ...options, source: path });
}
