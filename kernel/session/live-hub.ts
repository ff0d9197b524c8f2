import type { LiveToBrowser, LiveToKernel } from "../../widgets/shared/types.js";

/** One connected view: a WebSocket, or a comm through Jupyter. */
export interface LiveSubscriber {
  send(m: LiveToBrowser): void;
}

/** The comm target views open when they cannot reach the kernel's WebSocket. */
export const LIVE_COMM_TARGET = "trellis.live";

/**
 * Who watches which live widget, and what their controls (Stop) do. Views
 * reach it over the loopback WebSocket (`LiveServer`) or, where the browser
 * cannot reach the kernel's machine (a notebook server behind an SSH tunnel),
 * over a Jupyter comm (`serveLiveOverComms`).
 */
export class LiveHub {
  private readonly subscribers = new Map<string, Set<LiveSubscriber>>();
  private readonly controls = new Map<string, (m: LiveToKernel) => void>();

  /** Adds a view of `widget`; returns what removes it. */
  subscribe(widget: string, subscriber: LiveSubscriber): () => void {
    let set = this.subscribers.get(widget);
    if (!set) this.subscribers.set(widget, (set = new Set()));
    set.add(subscriber);
    return () => set.delete(subscriber);
  }

  /** A message from a view: a subscription is also passed to the widget's control handler. */
  control(m: LiveToKernel): void {
    this.controls.get(m.widget)?.(m);
  }

  /** Whether any view of `widget` is connected. */
  watched(widget: string): boolean {
    return (this.subscribers.get(widget)?.size ?? 0) > 0;
  }

  push(m: LiveToBrowser): void {
    for (const s of this.subscribers.get(m.widget) ?? []) s.send(m);
  }

  /** Handles the controls views of `widget` send (Stop). */
  onControl(widget: string, handler: (m: LiveToKernel) => void): void {
    this.controls.set(widget, handler);
  }

  forget(widget: string): void {
    this.controls.delete(widget);
  }
}
