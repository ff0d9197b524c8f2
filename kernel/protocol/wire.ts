import { createHmac, timingSafeEqual } from "node:crypto";
import type { Header, Message } from "./message.js";

/** The frame between the routing identities and the signed parts. */
export const DELIMITER = "<IDS|MSG>";

/**
 * Signs and checks messages with HMAC-SHA256 over the four JSON parts as they
 * travel (header, parent header, metadata, content). An empty key turns
 * signing off, as the spec allows.
 */
export class Signer {
  constructor(
    private readonly key: string,
    readonly scheme = "hmac-sha256",
  ) {
    if (scheme !== "hmac-sha256") throw new Error(`unsupported signature scheme ${JSON.stringify(scheme)}; this kernel signs with hmac-sha256`);
  }

  sign(parts: readonly Uint8Array[]): string {
    if (!this.key) return "";
    const h = createHmac("sha256", this.key);
    for (const p of parts) h.update(p);
    return h.digest("hex");
  }

  /** True when `signature` matches the parts (compared in constant time). */
  verify(signature: string, parts: readonly Uint8Array[]): boolean {
    if (!this.key) return true;
    const expected = Buffer.from(this.sign(parts), "utf8");
    const got = Buffer.from(signature, "utf8");
    return got.length === expected.length && timingSafeEqual(got, expected);
  }
}

/** A decoded message with the routing identities it came with. */
export interface Received {
  readonly identities: Buffer[];
  readonly message: Message;
}

/** Why a multipart message could not be decoded; the kernel logs it and carries on. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireError";
  }
}

/**
 * Decodes the frames of one multipart message: identities, delimiter,
 * signature, header, parent header, metadata, content, buffers. The HMAC is
 * checked on the exact bytes that arrived.
 */
export function decode(frames: readonly Buffer[], signer: Signer): Received {
  const d = frames.findIndex((f) => f.length === DELIMITER.length && f.toString("latin1") === DELIMITER);
  if (d < 0) throw new WireError(`no ${DELIMITER} delimiter among ${frames.length} frames`);
  if (frames.length < d + 6) throw new WireError(`truncated message: ${frames.length - d - 1} frames after the delimiter, at least 5 needed (signature, header, parent header, metadata, content)`);
  const signature = frames[d + 1]!.toString("ascii");
  const parts = frames.slice(d + 2, d + 6);
  if (!signer.verify(signature, parts)) throw new WireError("invalid signature: the message was not signed with this kernel's key; dropped");
  const json = (i: number, what: string): unknown => {
    try {
      return JSON.parse(parts[i]!.toString("utf8"));
    } catch (error) {
      throw new WireError(`malformed JSON in the ${what}: ${(error as Error).message}`);
    }
  };
  const header = json(0, "header");
  if (!isObject(header) || typeof header.msg_type !== "string" || typeof header.msg_id !== "string") {
    throw new WireError("the header has no msg_type or msg_id");
  }
  for (const field of ["session", "username", "date", "version"]) {
    if (header[field] !== undefined && typeof header[field] !== "string") throw new WireError(`the header's ${field} must be a string, got ${JSON.stringify(header[field])?.slice(0, 40)}`);
  }
  // Each of the other three parts is a JSON object; null is read as {} (the spec's empty parent header).
  const object = (i: number, what: string): Record<string, unknown> => {
    const value = json(i, what) ?? {};
    if (!isObject(value)) throw new WireError(`the ${what} must be a JSON object, got ${Array.isArray(value) ? "an array" : typeof value}`);
    return value;
  };
  return {
    identities: frames.slice(0, d) as Buffer[],
    message: {
      header: header as unknown as Header,
      parent_header: object(1, "parent header") as Message["parent_header"],
      metadata: object(2, "metadata"),
      content: object(3, "content"),
      buffers: frames.slice(d + 6).map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The frames of `message` for the wire, signed, after `identities` (routing ids, or the IOPub topic). */
export function encode(message: Message, identities: readonly Uint8Array[], signer: Signer): Buffer[] {
  const parts = [message.header, message.parent_header, message.metadata, message.content].map((p) => Buffer.from(JSON.stringify(p ?? {}), "utf8"));
  return [...identities.map((i) => Buffer.from(i)), Buffer.from(DELIMITER, "latin1"), Buffer.from(signer.sign(parts), "ascii"), ...parts, ...message.buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))];
}
