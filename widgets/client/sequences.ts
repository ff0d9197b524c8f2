import { CLIPPED_COLOR, diverging, sequential, sourceColor } from "../shared/colors.js";
import type { SequenceCompletionData, SequenceCreditData } from "../shared/types.js";
import { el } from "./runtime.js";

type Colouring = "adv" | "logp" | "advantage";
const COLOURINGS: Record<Colouring, string> = { adv: "token advantage", logp: "token surprise (−log p)", advantage: "completion advantage Â" };

/** Per-token strips of completions, grouped side by side for group-relative methods. */
export class SequenceView {
  private readonly body: HTMLDivElement;
  private colouring: Colouring;
  private filter = "all";

  constructor(root: HTMLElement, private readonly data: SequenceCreditData) {
    const controls = el("div", { class: "tw-controls" });
    const colour = el("select", { class: "tw-colour" });
    const available = (Object.keys(COLOURINGS) as Colouring[]).filter((c) => (c === "advantage" ? data.completions.some((x) => x.advantage !== null) : data.completions.some((x) => x[c])));
    for (const c of available) colour.append(el("option", { value: c }, COLOURINGS[c]));
    this.colouring = available[0] ?? "advantage";
    colour.addEventListener("change", () => {
      this.colouring = colour.value as Colouring;
      this.draw();
    });
    const which = el("select", { class: "tw-filter" });
    which.append(el("option", { value: "all" }, "all groups"), el("option", { value: "zero" }, "zero-variance groups"), el("option", { value: "signal" }, "groups with signal"));
    which.addEventListener("change", () => {
      this.filter = which.value;
      this.draw();
    });
    const label = (text: string, input: HTMLElement) => {
      const l = el("label", {}, text);
      l.append(input);
      return l;
    };
    const zero = data.groups.filter((g) => g.zeroVariance).length;
    controls.append(label("colour ", colour));
    if (data.groups.length) controls.append(label("show ", which));
    controls.append(el("span", {}, `${data.completions.length} completions · ${data.groups.length} groups · ${zero} zero-variance${data.clippedTokens !== undefined ? ` · ${data.clippedTokens} clipped tokens` : ""}${data.omitted ? ` · ${data.omitted} more not embedded` : ""}`));
    const legend = el("div", { class: "tw-legend" });
    for (const s of ["offline", "hint", "teacher"]) {
      const chip = el("span", { class: "tw-chip" }, s);
      chip.style.outline = `2px solid ${sourceColor(s)}`;
      legend.append(chip);
    }
    if (data.clippedTokens !== undefined) {
      const chip = el("span", { class: "tw-chip tw-clipped", title: "the update's clipped surrogate held this token's ratio at 1 ± ε (no gradient through it)" }, "clipped");
      chip.style.boxShadow = `0 3px 0 ${CLIPPED_COLOR}`;
      legend.append(chip);
    }
    this.body = el("div", { class: "tw-seq-body" });
    root.append(el("div", { class: "tw-title" }, data.title), controls, legend, this.body);
    this.draw();
  }

  private draw(): void {
    const scale = this.scale();
    const parts: HTMLElement[] = [];
    const grouped = new Set<number>();
    for (const g of this.data.groups) {
      g.members.forEach((m) => grouped.add(m));
      if ((this.filter === "zero" && !g.zeroVariance) || (this.filter === "signal" && g.zeroVariance)) continue;
      const box = el("div", { class: `tw-group${g.zeroVariance ? " tw-zero" : ""}`, "data-group": String(g.id) });
      box.append(el("div", { class: "tw-group-head" }, `group ${g.id} · reward ${g.mean.toPrecision(3)} ± ${g.std.toPrecision(3)}${g.zeroVariance ? " · ⚠ zero variance: every completion has advantage 0, no learning signal" : ""}`));
      const row = el("div", { class: "tw-completions" });
      for (const m of g.members) row.append(this.card(this.data.completions[m]!, scale));
      box.append(row);
      parts.push(box);
    }
    const rest = this.data.completions.filter((_, i) => !grouped.has(i));
    if (rest.length && this.filter === "all") {
      const box = el("div", { class: "tw-group" });
      if (this.data.groups.length) box.append(el("div", { class: "tw-group-head" }, "without a group"));
      const col = el("div", { class: "tw-completions tw-stacked" });
      for (const c of rest) col.append(this.card(c, scale));
      box.append(col);
      parts.push(box);
    }
    this.body.replaceChildren(...parts);
  }

  /** The largest |value| of the current colouring (so colours compare across completions). */
  private scale(): number {
    let s = 0;
    for (const c of this.data.completions) {
      if (this.colouring === "advantage") s = Math.max(s, Math.abs(c.advantage ?? 0));
      else for (const v of c[this.colouring] ?? []) if (v !== null) s = Math.max(s, Math.abs(v));
    }
    return s || 1;
  }

  private card(c: SequenceCompletionData, scale: number): HTMLElement {
    const card = el("div", { class: "tw-card", "data-episode": String(c.episode) });
    const adv = c.advantage === null ? "" : ` · Â ${c.advantage >= 0 ? "+" : ""}${c.advantage.toFixed(3)}`;
    card.append(el("div", { class: "tw-card-head" }, `ep ${c.episode} · reward ${c.reward.toPrecision(3)}${adv}${c.clipped?.length ? ` · ${c.clipped.length} clipped` : ""}`));
    const strip = el("div", { class: "tw-strip" });
    const clipped = new Set(c.clipped ?? []);
    const sourceAt = new Map<number, string>();
    for (const [from, to, source] of c.segments) for (let k = from; k <= to; k++) sourceAt.set(k, source);
    c.tokens.forEach((text, k) => {
      const span = el("span", { class: "tw-tok" }, text);
      const a = c.adv?.[k];
      const lp = c.logp?.[k];
      let colour: string;
      if (this.colouring === "adv") colour = diverging((a ?? 0) / scale);
      else if (this.colouring === "logp") colour = sequential(-(lp ?? 0) / scale);
      else colour = diverging((c.advantage ?? 0) / scale);
      span.style.background = colour;
      const source = sourceAt.get(k);
      if (source) {
        span.style.outline = `2px solid ${sourceColor(source)}`;
        span.dataset.source = source;
      }
      if (clipped.has(k)) {
        span.classList.add("tw-clipped");
        span.style.boxShadow = `0 3px 0 ${CLIPPED_COLOR}`;
      }
      span.title = [`token ${k}`, a !== undefined && a !== null ? `adv ${a.toPrecision(4)}` : "", lp !== undefined && lp !== null ? `log p ${lp.toPrecision(4)}` : "", source ?? "", clipped.has(k) ? "clipped: ratio held at the bound" : ""].filter(Boolean).join(" · ");
      strip.append(span);
    });
    if (c.cut) strip.append(el("span", { class: "tw-more" }, ` … ${c.cut} more tokens`));
    card.append(strip);
    return card;
  }
}
