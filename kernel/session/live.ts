import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { WebSocketServer } from "ws";
import type { LiveToBrowser, LiveToKernel } from "../../widgets/shared/types.js";
import type { LiveHub } from "./live-hub.js";

/** Origins a browser page may have to talk to the kernel: pages served from this machine. */
const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * The kernel's loopback WebSocket for live widgets: a random port on
 * 127.0.0.1, a per-kernel token in the URL, and only pages served from this
 * machine (their Origin) are accepted. Views subscribe to their widget's
 * updates and send controls (Stop) through the {@link LiveHub}; a view that
 * cannot connect tries a comm, else keeps the snapshots that
 * update_display_data brings.
 */
export class LiveServer {
  private readonly server: WebSocketServer;
  readonly token = randomBytes(16).toString("hex");
  readonly ready: Promise<number>;

  constructor(private readonly hub: LiveHub) {
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
      const subscriber = {
        send: (m: LiveToBrowser) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
        },
      };
      socket.on("message", (raw) => {
        let m: LiveToKernel;
        try {
          m = JSON.parse(String(raw)) as LiveToKernel;
        } catch {
          return;
        }
        if (m.type === "subscribe") socket.once("close", this.hub.subscribe(m.widget, subscriber));
        this.hub.control(m);
      });
    });
    // A kernel's helper must not keep the process alive (scripts, the headless runner).
    this.ready.then(() => (this.server as unknown as { _server?: { unref(): void } })._server?.unref(), () => {});
  }

  /** The URL views connect to, once listening. */
  url(port: number): string {
    return `ws://127.0.0.1:${port}/?token=${this.token}`;
  }

  close(): void {
    this.server.close();
  }
}
