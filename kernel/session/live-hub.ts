import type { LiveToBrowser, LiveToKernel } from "../../widgets/shared/types.js";

/** One connected view: a WebSocket, or a comm through Jupyter. */
export interface LiveSubscriber {
  send(m: LiveToBrowser): void;
}

/** The comm target views open when they cannot reach the kernel's WebSocket. */
export const LIVE_COMM_TARGET = "trellis.live";

/** Longest widget id a view may name (ours are UUIDs). */
const MAX_WIDGET_ID = 200;

/**
 * A view's message checked as data: `{ type: "subscribe" | "stop", widget }`
 * with a non-empty string id, or the reason it is not one. Anyone holding
 * the live token (it is saved in notebooks) can send anything.
 */
export function liveMessageFrom(value: unknown): LiveToKernel | string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return `expected an object { type, widget }, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`;
  const { type, widget } = value as Record<string, unknown>;
  if (type !== "subscribe" && type !== "stop") return `expected type "subscribe" or "stop"`;
  if (typeof widget !== "string" || widget.length === 0 || widget.length > MAX_WIDGET_ID) return `expected widget to be a string of 1 to ${MAX_WIDGET_ID} characters`;
  return { type, widget };
}

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
    return () => {
      set.delete(subscriber);
      // A widget nobody watches is forgotten (ids come from clients: kept ones would only pile up).
      if (set.size === 0 && this.subscribers.get(widget) === set) this.subscribers.delete(widget);
    };
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
