/** One executed input: (session number, line number, source), as history_reply lists them. */
export type HistoryEntry = [session: number, line: number, input: string];
/** With `output`: the input and its result's text (null when it showed none). */
export type HistoryEntryWithOutput = [session: number, line: number, inputOutput: [string, string | null]];

/**
 * The inputs this kernel has executed (this process only: session 1), for
 * history_request's "tail", "range" and "search" access types.
 */
export class History {
  private readonly entries: HistoryEntry[] = [];
  private readonly outputs = new Map<number, string>();

  add(line: number, input: string): void {
    this.entries.push([1, line, input]);
  }

  /** Records the text/plain result of line `line`. */
  setOutput(line: number, output: string): void {
    this.outputs.set(line, output);
  }

  /** Entries with their outputs, as history_request with `output: true` asks. */
  withOutput(entries: readonly HistoryEntry[]): HistoryEntryWithOutput[] {
    return entries.map(([session, line, input]) => [session, line, [input, this.outputs.get(line) ?? null]]);
  }

  /** The last `n` entries. */
  tail(n: number): HistoryEntry[] {
    return n > 0 ? this.entries.slice(-n) : [];
  }

  /** Lines [start, stop) of session 1 (stop ≤ 0 counts from the end; session 0 means the current one). */
  range(session: number, start: number, stop: number): HistoryEntry[] {
    if (session !== 0 && session !== 1) return [];
    const last = this.entries.at(-1)?.[1] ?? 0;
    const end = stop > 0 ? stop : last + 1 + stop;
    return this.entries.filter(([, line]) => line >= start && line < end);
  }

  /** Entries whose input matches a glob `pattern` (`*` any text, `?` one character), the last `n` of them (all when n ≤ 0), optionally without repeats. */
  search(pattern: string, n: number, unique: boolean): HistoryEntry[] {
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]")}$`);
    let found = this.entries.filter(([, , input]) => re.test(input));
    if (unique) {
      const seen = new Set<string>();
      found = found.reverse().filter(([, , input]) => (seen.has(input) ? false : (seen.add(input), true))).reverse();
    }
    return n > 0 ? found.slice(-n) : found;
  }
}
