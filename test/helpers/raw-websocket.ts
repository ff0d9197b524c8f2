// A WebSocket client that can break the protocol on purpose: it does the
// HTTP upgrade by hand and then writes whatever frame bytes a test builds.
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export interface FrameOptions {
  fin?: boolean;
  /** The three reserved bits, RSV1 first (0–7). */
  rsv?: number;
  opcode: number;
  payload?: Uint8Array;
  /** Client frames must be masked; false sends one unmasked. */
  mask?: boolean;
  /** A payload length to announce other than the payload's own. */
  announcedLength?: number;
}

/** The bytes of one WebSocket frame (RFC 6455 §5.2). */
export function frame(o: FrameOptions): Buffer {
  const payload = Buffer.from(o.payload ?? new Uint8Array(0));
  const length = o.announcedLength ?? payload.length;
  const masked = o.mask ?? true;
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (o.opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    head.push(maskBit | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(...big);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), key, body]);
}

export const text = (s: string) => frame({ opcode: 0x1, payload: Buffer.from(s, "utf8") });

/** A connection after a successful upgrade: write raw bytes, wait for the server to end it. */
export class RawWebSocket {
  private received = Buffer.alloc(0);
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
    socket.on("error", () => {});
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
  }

  /** Upgrades to a WebSocket at `url` (ws://host:port/path?query) sending `origin`; rejects unless the answer is 101. */
  static open(url: string, origin = "http://localhost:8888"): Promise<RawWebSocket> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(u.port), u.hostname);
      let head = "";
      const onData = (d: Buffer) => {
        head += d.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        socket.off("data", onData);
        if (!/^HTTP\/1\.1 101 /.test(head)) return reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
        const ws = new RawWebSocket(socket);
        const rest = Buffer.from(head.slice(end + 4), "latin1");
        if (rest.length) socket.emit("data", rest);
        resolve(ws);
      };
      socket.on("data", onData);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.write(
          [
            `GET ${u.pathname}${u.search} HTTP/1.1`,
            `Host: ${u.host}`,
            "Upgrade: websocket",
            "Connection: Upgrade",
            `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
            "Sec-WebSocket-Version: 13",
            `Origin: ${origin}`,
            "",
            "",
          ].join("\r\n"),
        );
      });
    });
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** The frames the server sent so far (servers do not mask). */
  frames(): { opcode: number; payload: Buffer }[] {
    const out: { opcode: number; payload: Buffer }[] = [];
    const r = this.received;
    for (let i = 0; i + 2 <= r.length; ) {
      let length = r[i + 1]! & 0x7f;
      let at = i + 2;
      if (length === 126 && at + 2 <= r.length) (length = r.readUInt16BE(at)), (at += 2);
      else if (length === 127 && at + 8 <= r.length) (length = Number(r.readBigUInt64BE(at))), (at += 8);
      if (at + length > r.length) break;
      out.push({ opcode: r[i]! & 0x0f, payload: r.subarray(at, at + length) });
      i = at + length;
    }
    return out;
  }

  /** The code of the server's close frame, if it sent one (1005: a close frame without a code). */
  closeCode(): number | undefined {
    const close = this.frames().find((f) => f.opcode === 0x8);
    return close && (close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005);
  }

  /** Text messages the server sent. */
  texts(): string[] {
    return this.frames().filter((f) => f.opcode === 0x1).map((f) => f.payload.toString("utf8"));
  }

  destroy(): void {
    this.socket.destroy();
  }
}
