import { randomUUID } from "node:crypto";
import type { Header } from "../protocol/message.js";
import { currentCell } from "./context.js";

/** A comm message's payload: JSON data, metadata and binary buffers. */
export interface CommPayload {
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
  readonly buffers: Uint8Array[];
}

/** How the comm manager reaches the frontend (the kernel publishes on IOPub). */
export interface CommTransport {
  publish(msgType: "comm_open" | "comm_msg" | "comm_close", content: Record<string, unknown>, parent: Header | undefined, metadata: Record<string, unknown>, buffers: Uint8Array[]): void;
}

/**
 * One end of a comm: a channel between kernel-side code and a frontend
 * object (an ipywidgets model, a live view). Messages in both directions
 * carry JSON data and binary buffers.
 */
export class Comm {
  private readonly msgHandlers: ((payload: CommPayload) => void)[] = [];
  private readonly closeHandlers: ((payload: CommPayload) => void)[] = [];
  closed = false;

  constructor(
    readonly id: string,
    readonly targetName: string,
    private readonly manager: CommManager,
    /** The message that opened it (its header is the parent of what the comm sends when no cell is running). */
    readonly parent: Header | undefined,
  ) {}

  /** Sends data (and binary buffers) to the frontend side. */
  send(data: Record<string, unknown>, options: { metadata?: Record<string, unknown>; buffers?: Uint8Array[] } = {}): void {
    if (this.closed) throw new Error(`comm ${this.id} (${this.targetName}) is closed`);
    this.manager.publish("comm_msg", { comm_id: this.id, data }, this, options.metadata, options.buffers);
  }

  /** Closes it on both sides. */
  close(data: Record<string, unknown> = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.manager.publish("comm_close", { comm_id: this.id, data }, this);
    this.manager.forget(this.id);
  }

  /** Handles messages from the frontend. */
  onMsg(handler: (payload: CommPayload) => void): this {
    this.msgHandlers.push(handler);
    return this;
  }

  /** Handles the frontend closing it. */
  onClose(handler: (payload: CommPayload) => void): this {
    this.closeHandlers.push(handler);
    return this;
  }

  /** @internal */
  deliver(kind: "msg" | "close", payload: CommPayload): void {
    if (kind === "close") this.closed = true;
    for (const h of kind === "msg" ? this.msgHandlers : this.closeHandlers) h(payload);
  }
}

/** Opens a comm that the frontend asked for: `(comm, payload of comm_open)`. */
export type CommTarget = (comm: Comm, payload: CommPayload) => void;

/**
 * The comms of a kernel: targets that frontends may open (registered by
 * kernel-side code), comms the kernel opens itself, and routing of
 * comm_msg/comm_close to their handlers.
 */
export class CommManager {
  private readonly targets = new Map<string, CommTarget>();
  /** Targets whose messages are handled at once, even while a cell runs. */
  private readonly outOfBandTargets = new Set<string>();
  private readonly comms = new Map<string, Comm>();
  private transport: CommTransport | undefined;

  /** @internal The kernel that publishes for it. */
  attach(transport: CommTransport | undefined): void {
    this.transport = transport;
  }

  /**
   * Lets the frontend open comms with `targetName`; `handler` receives each
   * new comm. With `outOfBand`, the kernel handles the target's comm_open,
   * comm_msg and comm_close as they arrive instead of queueing them behind a
   * running cell (a Stop button must reach a training cell).
   */
  registerTarget(targetName: string, handler: CommTarget, options: { outOfBand?: boolean } = {}): void {
    this.targets.set(targetName, handler);
    if (options.outOfBand) this.outOfBandTargets.add(targetName);
    else this.outOfBandTargets.delete(targetName);
  }

  unregisterTarget(targetName: string): void {
    this.targets.delete(targetName);
    this.outOfBandTargets.delete(targetName);
  }

  /** Whether a comm_open / comm_msg / comm_close (`content` of the message) belongs to an out-of-band target. */
  isOutOfBand(msgType: string, content: Record<string, unknown>): boolean {
    if (msgType === "comm_open") return this.outOfBandTargets.has(String(content.target_name ?? ""));
    if (msgType !== "comm_msg" && msgType !== "comm_close") return false;
    const comm = this.comms.get(String(content.comm_id ?? ""));
    return comm !== undefined && this.outOfBandTargets.has(comm.targetName);
  }

  /** Opens a comm to the frontend's `targetName` (e.g. "jupyter.widget"). */
  open(targetName: string, data: Record<string, unknown> = {}, options: { metadata?: Record<string, unknown>; buffers?: Uint8Array[]; id?: string } = {}): Comm {
    const comm = new Comm(options.id ?? randomUUID().replaceAll("-", ""), targetName, this, currentCell()?.parent);
    this.comms.set(comm.id, comm);
    this.publish("comm_open", { comm_id: comm.id, target_name: targetName, data }, comm, options.metadata, options.buffers);
    return comm;
  }

  /** Open comms by id with their target names, optionally of one target only (comm_info_reply). */
  info(targetName?: string): Record<string, { target_name: string }> {
    const out: Record<string, { target_name: string }> = {};
    for (const c of this.comms.values()) if (!targetName || c.targetName === targetName) out[c.id] = { target_name: c.targetName };
    return out;
  }

  get(id: string): Comm | undefined {
    return this.comms.get(id);
  }

  /** A comm_open from the frontend: false when no target of that name is registered (the kernel then closes it). */
  handleOpen(id: string, targetName: string, payload: CommPayload, parent: Header): boolean {
    const target = this.targets.get(targetName);
    if (!target) return false;
    const comm = new Comm(id, targetName, this, parent);
    this.comms.set(id, comm);
    target(comm, payload);
    return true;
  }

  /** A comm_msg or comm_close from the frontend (unknown ids are ignored, as the spec asks). */
  handle(kind: "msg" | "close", id: string, payload: CommPayload): void {
    const comm = this.comms.get(id);
    if (!comm) return;
    if (kind === "close") this.comms.delete(id);
    comm.deliver(kind, payload);
  }

  /** @internal */
  publish(msgType: "comm_open" | "comm_msg" | "comm_close", content: Record<string, unknown>, comm: Comm, metadata: Record<string, unknown> = {}, buffers: Uint8Array[] = []): void {
    if (!this.transport) throw new Error("comms need a running kernel (open the notebook with the Trellis kernel)");
    this.transport.publish(msgType, content, currentCell()?.parent ?? comm.parent, metadata, buffers);
  }

  /** @internal */
  forget(id: string): void {
    this.comms.delete(id);
  }
}

/** The kernel's comms (one per process). */
export const comms = new CommManager();
