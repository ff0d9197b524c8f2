/**
 * Which actor serves which slot of env copies: a key per slot in a JetStream
 * key-value bucket (`trellis_<run>_slots`) whose entries expire after
 * `leaseMs` unless renewed. An actor claims a free slot by creating its key
 * (the server lets one creation win), renews it while it lives, and deletes
 * it when it leaves; a killed actor's slot frees itself when its lease runs
 * out, and the next actor to claim it starts the slot's env copies afresh.
 */
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { isTransient } from "./run-streams.js";

export class SlotLeases {
  private readonly held = new Map<number, number>();

  private constructor(
    private readonly kv: KV,
    readonly worker: string,
  ) {}

  static async open(nc: NatsConnection, run: string, worker: string, leaseMs: number): Promise<SlotLeases> {
    const kv = await new Kvm(nc).create(`trellis_${run}_slots`, { ttl: leaseMs, history: 1 });
    return new SlotLeases(kv, worker);
  }

  /** Slots this actor holds. */
  get slots(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** Claims free slots among `0 … slots − 1` until it holds `want`; returns the ones newly claimed. */
  async claim(slots: number, want: number): Promise<number[]> {
    const claimed: number[] = [];
    for (let s = 0; s < slots && this.held.size < want; s++) {
      if (this.held.has(s)) continue;
      try {
        this.held.set(s, await this.kv.create(`slot.${s}`, this.worker));
        claimed.push(s);
      } catch {
        // another actor holds it
      }
    }
    return claimed;
  }

  /** Renews every lease; returns the slots whose lease was lost (another actor took them after ours expired). */
  async renew(): Promise<number[]> {
    const lost: number[] = [];
    for (const [slot, revision] of this.held) {
      try {
        this.held.set(slot, await this.kv.update(`slot.${slot}`, this.worker, revision));
      } catch (error) {
        // a server restarting is not a lost lease: the caller retries
        if (isTransient(error)) throw error;
        try {
          // expired while the server was away, and no one else took it: still ours, copies and all
          this.held.set(slot, await this.kv.create(`slot.${slot}`, this.worker));
        } catch (again) {
          if (isTransient(again)) throw again;
          this.held.delete(slot);
          lost.push(slot);
        }
      }
    }
    return lost;
  }

  /** Gives every slot back. */
  async release(): Promise<void> {
    for (const slot of this.held.keys()) await this.kv.delete(`slot.${slot}`).catch(() => {});
    this.held.clear();
  }

  /** Who holds each slot (for the learner's messages). */
  static async holders(nc: NatsConnection, run: string, slots: number, leaseMs: number): Promise<(string | null)[]> {
    const kv = await new Kvm(nc).create(`trellis_${run}_slots`, { ttl: leaseMs, history: 1 });
    const out: (string | null)[] = [];
    for (let s = 0; s < slots; s++) {
      const e = await kv.get(`slot.${s}`);
      out.push(e && e.operation === "PUT" ? e.string() : null);
    }
    return out;
  }
}
