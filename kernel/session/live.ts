import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { WebSocketServer } from "ws";
import type { LiveToBrowser } from "../../widgets/shared/types.js";
import { liveMessageFrom, type LiveHub } from "./live-hub.js";

/** A view's messages are a few dozen bytes: anything larger is refused before it is buffered. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** Widgets one connection may watch (a page has a handful of training views). */
const MAX_SUBSCRIPTIONS = 256;
/** WebSocket close code for a message that breaks the protocol of the live views. */
const POLICY_VIOLATION = 1008;
/** How long a refused client has to answer the close handshake before its connection is dropped. */
const CLOSE_GRACE_MS = 500;
/** A close frame's reason must fit in a control frame (125 bytes, 2 of them the code). */
const MAX_CLOSE_REASON = 120;

/** Origins a browser page may have to talk to the kernel: pages served from this machine. */
const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * The kernel's loopback WebSocket for live widgets: a random port on
 * 127.0.0.1, a per-kernel token in the URL, and only pages served from this
 * machine (their Origin) are accepted. Views subscribe to their widget's
 * updates and send controls (Stop) through the {@link LiveHub}; a view that
 * cannot connect tries a comm, else keeps the snapshots that
 * update_display_data brings. The token is saved with the notebook, so
 * whoever holds it is not trusted further: every message is checked as data,
 * payloads are bounded, and a client that breaks the protocol is closed.
 */
export class LiveServer {
  private readonly server: WebSocketServer;
  readonly token = randomBytes(16).toString("hex");
  readonly ready: Promise<number>;

  constructor(private readonly hub: LiveHub) {
    this.server = new WebSocketServer({
      host: "127.0.0.1",
      port: 0,
      maxPayload: MAX_MESSAGE_BYTES,
      verifyClient: (info: { origin: string; req: IncomingMessage }) => {
        const url = new URL(info.req.url ?? "/", "http://127.0.0.1");
        return url.searchParams.get("token") === this.token && (!info.origin || LOCAL_ORIGIN.test(info.origin));
      },
    });
    this.ready = new Promise((resolve, reject) => {
      this.server.once("listening", () => resolve((this.server.address() as { port: number }).port));
      this.server.once("error", reject);
    });
    // After start-up, a server error (none is expected on a bound loopback socket) is logged, never thrown.
    this.ready.then(() => this.server.on("error", (error) => console.error("[trellis kernel] live socket server:", error.message)), () => {});
    this.server.on("connection", (socket) => {
      // Protocol violations (bad frames, invalid UTF-8, oversized messages) arrive here; ws then closes the socket.
      socket.on("error", () => socket.terminate());
      const subscriptions = new Map<string, () => void>();
      socket.once("close", () => {
        for (const unsubscribe of subscriptions.values()) unsubscribe();
        subscriptions.clear();
      });
      const subscriber = {
        send: (m: LiveToBrowser) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
        },
      };
      const refuse = (reason: string) => {
        socket.close(POLICY_VIOLATION, reason.slice(0, MAX_CLOSE_REASON));
        // A client that breaks the protocol may not answer the close handshake either: it gets a moment, not ws's 30 s.
        setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
      };
      socket.on("message", (raw, isBinary) => {
        if (socket.readyState !== socket.OPEN) return;
        if (isBinary) return refuse("expected JSON text messages");
        let parsed: unknown;
        try {
          parsed = JSON.parse(String(raw));
        } catch {
          return refuse("expected JSON");
        }
        const m = liveMessageFrom(parsed);
        if (typeof m === "string") return refuse(m);
        if (m.type === "subscribe" && !subscriptions.has(m.widget)) {
          if (subscriptions.size >= MAX_SUBSCRIPTIONS) return refuse(`at most ${MAX_SUBSCRIPTIONS} widgets per connection`);
          subscriptions.set(m.widget, this.hub.subscribe(m.widget, subscriber));
        }
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
