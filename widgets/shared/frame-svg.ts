import { escapeXml } from "./xml.js";
/**
 * A drawing of an environment state: a few primitives in world coordinates
 * (y up) inside `viewBox` — what envs' `render()` returns, and what the
 * trajectory viewer draws (here, and in the browser with the same code).
 */
export interface Frame {
  /** World-coordinate window: [xMin, yMin, width, height]. */
  readonly viewBox: readonly [number, number, number, number];
  /** Suggested pixel size. */
  readonly width: number;
  readonly height: number;
  readonly background?: string;
  readonly shapes: readonly Shape[];
}

export type Shape =
  | { readonly type: "line"; readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number; readonly stroke: string; readonly width: number }
  | { readonly type: "rect"; readonly x: number; readonly y: number; readonly w: number; readonly h: number; readonly fill: string; readonly stroke?: string }
  | { readonly type: "circle"; readonly cx: number; readonly cy: number; readonly r: number; readonly fill: string; readonly stroke?: string }
  | { readonly type: "polygon"; readonly points: readonly (readonly [number, number])[]; readonly fill: string; readonly stroke?: string }
  | { readonly type: "polyline"; readonly points: readonly (readonly [number, number])[]; readonly stroke: string; readonly width: number }
  | { readonly type: "text"; readonly x: number; readonly y: number; readonly text: string; readonly size: number; readonly fill: string };


const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(4).replace(/0+$/, ""));
const pts = (p: readonly (readonly [number, number])[]) => p.map(([x, y]) => `${num(x)},${num(y)}`).join(" ");

/** A standalone SVG document for `frame` (y axis flipped so world y points up). */
export function frameToSvg(frame: Frame): string {
  const [x0, y0, w, h] = frame.viewBox;
  const body = frame.shapes
    .map((s) => {
      switch (s.type) {
        case "line":
          return `<line x1="${num(s.x1)}" y1="${num(s.y1)}" x2="${num(s.x2)}" y2="${num(s.y2)}" stroke="${escapeXml(s.stroke)}" stroke-width="${num(s.width)}" stroke-linecap="round"/>`;
        case "rect":
          return `<rect x="${num(s.x)}" y="${num(s.y)}" width="${num(s.w)}" height="${num(s.h)}" fill="${escapeXml(s.fill)}"${s.stroke ? ` stroke="${escapeXml(s.stroke)}" stroke-width="${num(w / 300)}"` : ""}/>`;
        case "circle":
          return `<circle cx="${num(s.cx)}" cy="${num(s.cy)}" r="${num(s.r)}" fill="${escapeXml(s.fill)}"${s.stroke ? ` stroke="${escapeXml(s.stroke)}" stroke-width="${num(w / 300)}"` : ""}/>`;
        case "polygon":
          return `<polygon points="${pts(s.points)}" fill="${escapeXml(s.fill)}"${s.stroke ? ` stroke="${escapeXml(s.stroke)}" stroke-width="${num(w / 300)}"` : ""}/>`;
        case "polyline":
          return `<polyline points="${pts(s.points)}" fill="none" stroke="${escapeXml(s.stroke)}" stroke-width="${num(s.width)}"/>`;
        case "text":
          // Text is drawn un-flipped so it reads normally.
          return `<text x="${num(s.x)}" y="${num(-s.y)}" font-size="${num(s.size)}" fill="${escapeXml(s.fill)}" transform="scale(1,-1)" font-family="sans-serif">${escapeXml(s.text)}</text>`;
      }
    })
    .join("");
  const bg = frame.background ? `<rect x="${num(x0)}" y="${num(y0)}" width="${num(w)}" height="${num(h)}" fill="${escapeXml(frame.background)}"/>` : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}" viewBox="${num(x0)} ${num(-(y0 + h))} ${num(w)} ${num(h)}"><g transform="scale(1,-1)">${bg}${body}</g></svg>`;
}
