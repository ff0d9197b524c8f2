import { randomUUID } from "node:crypto";

/** Jupyter messaging protocol version this kernel speaks. */
export const PROTOCOL_VERSION = "5.4";

export type Channel = "shell" | "control" | "iopub" | "stdin";

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** A MIME bundle: mimetype → data (strings, or JSON for `application/json` and `+json` types). */
export type MimeBundle = Record<string, unknown>;

/** One Jupyter message, decoded (the wire adds identities, the delimiter and the signature). */
export interface Message<C = Record<string, unknown>> {
  header: Header;
  /** The request this message answers or was caused by; `{}` when none. */
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Uint8Array[];
}

/** A header for a new message of `msgType` in `session`. */
export function makeHeader(msgType: string, session: string, username = "trellis"): Header {
  return { msg_id: randomUUID(), session, username, date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION };
}

/** A message of `msgType` caused by `parent` (or by nothing). */
export function makeMessage<C>(msgType: string, content: C, parent: Header | undefined, session: string, options: { metadata?: Record<string, unknown>; buffers?: Uint8Array[] } = {}): Message<C> {
  return {
    header: makeHeader(msgType, session, parent?.username ?? "trellis"),
    parent_header: parent ?? {},
    metadata: options.metadata ?? {},
    content,
    buffers: options.buffers ?? [],
  };
}
