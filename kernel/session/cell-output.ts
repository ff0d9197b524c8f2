/** Most characters of stream output one cell may send (the rest is dropped with a visible marker). */
export const DEFAULT_OUTPUT_LIMIT = Number(process.env.TRELLIS_MAX_OUTPUT_CHARS ?? 1_000_000);

/** How long stream text waits to be sent with what follows (fewer, larger messages). */
const FLUSH_DELAY_MS = 8;
/** Pending text above which it is sent at once. */
const FLUSH_CHARS = 64 * 1024;

/**
 * The stdout and stderr text of one cell on its way to the frontend:
 * coalesced into few `stream` messages, capped at `limit` characters (a
 * cell printing 100 MB gets one marker instead of freezing the notebook), and
 * flushed before any other output of the cell so the order is kept.
 */
export class CellOutput {
  private pending: { name: "stdout" | "stderr"; text: string } | undefined;
  private sent = 0;
  private truncated = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (name: "stdout" | "stderr", text: string) => void,
    readonly limit = DEFAULT_OUTPUT_LIMIT,
  ) {}

  write(name: "stdout" | "stderr", text: string): void {
    if (this.truncated || text.length === 0) return;
    if (this.sent + text.length > this.limit) {
      text = text.slice(0, Math.max(0, this.limit - this.sent));
      this.truncated = true;
    }
    this.sent += text.length;
    if (this.pending && this.pending.name !== name) this.flush();
    if (this.pending) this.pending.text += text;
    else this.pending = { name, text };
    if (this.truncated) {
      this.flush();
      this.send("stderr", `\n[trellis: this cell's output passed ${this.limit.toLocaleString("en-US")} characters; the rest is not shown (TRELLIS_MAX_OUTPUT_CHARS raises the limit)]\n`);
    } else if (this.pending.text.length >= FLUSH_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_DELAY_MS).unref();
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const p = this.pending;
    this.pending = undefined;
    if (p && p.text) this.send(p.name, p.text);
  }
}
