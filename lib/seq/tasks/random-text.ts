/** Random strings for task generators, drawn from an {@link Rng}. */
import type { Rng } from "../../random/rng.js";

export const DIGITS = "0123456789";
export const LOWERCASE = "abcdefghijklmnopqrstuvwxyz";

/** `length` characters drawn uniformly from `alphabet`. */
export function randomString(rng: Rng, alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[rng.int(alphabet.length)]!;
  return out;
}

/** A uniform `digits`-digit natural number as a decimal string: 0–9 for one digit, else no leading zero (2 digits: 10–99). */
export function randomNumber(rng: Rng, digits: number): string {
  if (digits === 1) return String(rng.int(10));
  return String(1 + rng.int(9)) + randomString(rng, DIGITS, digits - 1);
}

/** Whether `text` is non-empty and made only of characters of `alphabet`. */
export function onlyFrom(text: string, alphabet: string): boolean {
  if (text.length === 0) return false;
  for (const c of text) if (!alphabet.includes(c)) return false;
  return true;
}
