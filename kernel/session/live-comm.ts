import type { LiveToBrowser } from "../../widgets/shared/types.js";
import { comms } from "./comms.js";
import { LIVE_COMM_TARGET, liveMessageFrom, type LiveHub } from "./live-hub.js";

/**
 * Serves live views over Jupyter comms: a view opens a `trellis.live` comm
 * with `{ type: "subscribe", widget }`, gets the widget's pushes as comm
 * messages and sends its controls (Stop) back. The target is out of band:
 * its messages are handled while a cell runs, not queued behind it.
 */
export function serveLiveOverComms(hub: LiveHub): void {
  comms.registerTarget(
    LIVE_COMM_TARGET,
    (comm, payload) => {
      const first = liveMessageFrom(payload.data);
      if (typeof first === "string" || first.type !== "subscribe") {
        comm.close({ error: `a ${LIVE_COMM_TARGET} comm opens with { type: "subscribe", widget }` });
        return;
      }
      const unsubscribe = hub.subscribe(first.widget, {
        send: (m: LiveToBrowser) => {
          if (!comm.closed) comm.send(m as unknown as Record<string, unknown>);
        },
      });
      hub.control(first);
      comm.onMsg((p) => {
        const m = liveMessageFrom(p.data);
        if (typeof m !== "string" && m.widget === first.widget) return hub.control(m);
        unsubscribe();
        comm.close({ error: typeof m === "string" ? m : `this comm serves widget ${first.widget}` });
      });
      comm.onClose(unsubscribe);
    },
    { outOfBand: true },
  );
}
