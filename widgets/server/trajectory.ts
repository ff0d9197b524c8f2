import { encodeFrames, type Json } from "../shared/frames.js";
import type { TrajectoryData, TrajectorySeries } from "../shared/types.js";
import { frameToSvg, type Frame } from "../shared/frame-svg.js";
import { lineChartSvg } from "./svg/line-chart.js";
import { Widget } from "./widget.js";

/** One episode for the trajectory viewer: frames (one per step, and the last state) and per-step numbers. */
export interface TrajectoryEpisode {
  id: number;
  length: number;
  totalReturn: number;
  end: "terminated" | "truncated" | "unfinished";
  frames: Frame[];
  series: TrajectorySeries;
}

/**
 * The trajectory viewer: pick an episode, step through it with a scrubber or
 * the play button, the env drawn at each step, and action, reward, value,
 * return and advantage along a timeline with the current step marked.
 */
export function trajectoryWidget(title: string, episodes: readonly TrajectoryEpisode[]): Widget {
  const data: TrajectoryData = {
    title,
    episodes: episodes.map((e) => ({ id: e.id, length: e.length, totalReturn: e.totalReturn, end: e.end, frames: encodeFrames(e.frames as unknown as Json[]), series: e.series })),
  };
  const first = episodes[0];
  const svg = () => {
    if (!first) return lineChartSvg([], { title: "no complete episodes recorded yet" });
    const frame = first.frames[0];
    const t = first.series.reward.map((_, i) => i);
    const chart = lineChartSvg(
      [
        { name: "return", x: t, y: first.series.return, color: "#2ca02c" },
        ...(first.series.value ? [{ name: "value", x: t, y: first.series.value, color: "#1f77b4" }] : []),
        ...(first.series.advantage ? [{ name: "advantage", x: t, y: first.series.advantage, color: "#d62728" }] : []),
      ],
      { title: `episode ${first.id}: ${first.length} steps, return ${first.totalReturn.toFixed(1)}`, xLabel: "t", width: 520, height: 260 },
    );
    const frameSvg = frame ? frameToSvg(frame) : "";
    const fw = frame?.width ?? 0;
    const fh = frame?.height ?? 0;
    // The first frame beside the timeline, in one SVG.
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${fw + 540}" height="${Math.max(fh, 260)}">${frameSvg.replace("<svg ", '<svg x="0" y="0" ')}${chart.replace("<svg ", `<svg x="${fw + 20}" y="0" `)}</svg>`;
  };
  const text = `trajectory viewer — ${title}: ${episodes.map((e) => `episode ${e.id} (${e.length} steps, return ${e.totalReturn.toFixed(1)}, ${e.end})`).join("; ") || "no episodes"}`;
  return new Widget("trajectory", { trajectory: data }, svg, text);
}
