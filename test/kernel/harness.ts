// An in-memory Jupyter frontend for the kernel's logic: sends requests to
// Kernel.handle and collects what the kernel sends back.
import { Kernel } from "../../kernel/kernel.js";
import { makeMessage, type Channel, type Message } from "../../kernel/protocol/message.js";

export interface Exchange {
  reply: Message;
  /** IOPub messages whose parent is the request, in order (status included). */
  iopub: Message[];
}

export class KernelHarness {
  readonly sent: { channel: Channel; message: Message; request?: Message }[] = [];
  readonly kernel: Kernel;
  private waiters: (() => void)[] = [];

  constructor(dir: string, options: { typecheck?: boolean } = {}) {
    this.kernel = new Kernel({
      dir,
      session: "test-session",
      ...options,
      io: {
        send: (channel, message, request) => {
          this.sent.push({ channel, message, ...(request ? { request } : {}) });
          for (const w of this.waiters.splice(0)) w();
        },
      },
    });
  }

  /** Sends a request and waits for its reply and its idle status. */
  async request(channel: Channel, msgType: string, content: Record<string, unknown>, buffers: Uint8Array[] = []): Promise<Exchange> {
    const msg = makeMessage(msgType, content, undefined, "frontend", { buffers });
    this.kernel.handle(channel, msg);
    await this.until(() => this.sent.some((s) => s.channel === "iopub" && s.message.header.msg_type === "status" && s.message.content.execution_state === "idle" && s.message.parent_header.msg_id === msg.header.msg_id));
    return this.exchange(msg);
  }

  /** Sends without waiting (the exchange can be collected later with `exchange`). */
  send(channel: Channel, msgType: string, content: Record<string, unknown>, buffers: Uint8Array[] = []): Message {
    const msg = makeMessage(msgType, content, undefined, "frontend", { buffers });
    this.kernel.handle(channel, msg);
    return msg;
  }

  /** Whether the kernel has loaded its execution state (TypeScript, the session). */
  sessionStateLoaded(): boolean {
    return this.kernel.sessionState !== undefined;
  }

  exchange(msg: Message): Exchange {
    const related = this.sent.filter((s) => s.message.parent_header.msg_id === msg.header.msg_id);
    return { reply: related.find((s) => s.channel !== "iopub" && s.channel !== "stdin")?.message as Message, iopub: related.filter((s) => s.channel === "iopub").map((s) => s.message) };
  }

  execute(code: string, options: Record<string, unknown> = {}): Promise<Exchange> {
    return this.request("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true, ...options });
  }

  /** Resolves once `predicate` holds for what was sent (checked after each message). */
  async until(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error("timed out waiting for the kernel");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
  }
}

/** The IOPub messages of an exchange of one type. */
export const ofType = (ex: Exchange, type: string) => ex.iopub.filter((m) => m.header.msg_type === type);
/** All stdout (or stderr) text of an exchange. */
export const streamText = (ex: Exchange, name = "stdout") => ofType(ex, "stream").filter((m) => m.content.name === name).map((m) => m.content.text as string).join("");
/** The text/plain of the execute_result. */
export const resultText = (ex: Exchange) => (ofType(ex, "execute_result")[0]?.content.data as Record<string, string> | undefined)?.["text/plain"];
