/** Numbers as the views and the progress line show them. */

/** 12345.6 → "12,346". */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");

/** Seconds as "4.2s", "3m07s" or "1.5h". */
export const fmtTime = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${s.toFixed(1)}s`);
