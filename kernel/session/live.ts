import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import type { LiveToBrowser, LiveToKernel } from "../../widgets/shared/types.js";

/** Origins a browser page may have to talk to the kernel: pages served from this machine. */
const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * The kernel's loopback WebSocket for live widgets: a random port on
 * 127.0.0.1, a per-kernel token in the URL, and only pages served from this
 * machine (their Origin) are accepted. Views subscribe to their widget's
 * updates and send controls (Stop); a view that cannot connect keeps the
 * snapshots that update_display_data brings.
 */
export class LiveServer {
  private readonly server: WebSocketServer;
  readonly token = randomBytes(16).toString("hex");
  private readonly subscribers = new Map<string, Set<WebSocket>>();
  private readonly controls = new Map<string, (m: LiveToKernel) => void>();
  readonly ready: Promise<number>;

  constructor() {
    this.server = new WebSocketServer({
      host: "127.0.0.1",
      port: 0,
      verifyClient: (info: { origin: string; req: IncomingMessage }) => {
        const url = new URL(info.req.url ?? "/", "http://127.0.0.1");
        return url.searchParams.get("token") === this.token && (!info.origin || LOCAL_ORIGIN.test(info.origin));
      },
    });
    this.ready = new Promise((resolve, reject) => {
      this.server.once("listening", () => resolve((this.server.address() as { port: number }).port));
      this.server.once("error", reject);
    });
    this.server.on("connection", (socket) => {
      socket.on("message", (raw) => {
        let m: LiveToKernel;
        try {
          m = JSON.parse(String(raw)) as LiveToKernel;
        } catch {
          return;
        }
        if (m.type === "subscribe") {
          let set = this.subscribers.get(m.widget);
          if (!set) this.subscribers.set(m.widget, (set = new Set()));
          set.add(socket);
          socket.once("close", () => set!.delete(socket));
        }
        this.controls.get(m.widget)?.(m);
      });
    });
    // A kernel's helper must not keep the process alive (scripts, the headless runner).
    this.ready.then(() => (this.server as unknown as { _server?: { unref(): void } })._server?.unref(), () => {});
  }

  /** The URL views connect to, once listening. */
  url(port: number): string {
    return `ws://127.0.0.1:${port}/?token=${this.token}`;
  }

  /** Whether any view of `widget` is connected. */
  watched(widget: string): boolean {
    return (this.subscribers.get(widget)?.size ?? 0) > 0;
  }

  push(m: LiveToBrowser): void {
    const set = this.subscribers.get(m.widget);
    if (!set?.size) return;
    const text = JSON.stringify(m);
    for (const socket of set) if (socket.readyState === socket.OPEN) socket.send(text);
  }

  /** Handles the controls views of `widget` send (Stop). */
  onControl(widget: string, handler: (m: LiveToKernel) => void): void {
    this.controls.set(widget, handler);
  }

  forget(widget: string): void {
    this.controls.delete(widget);
  }

  close(): void {
    this.server.close();
  }
}
