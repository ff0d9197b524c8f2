/**
 * `withCreditColumns`: the credit of a trajectory table as new columns.
 *
 * Reads `episode_id`, `t`, `reward`, `terminated`, `truncated` and `value` of
 * a table in the trajectory schema (DESIGN.md, "Arrow trajectory schema"; any
 * row order: episodes are found from `episode_id` and ordered by `t`, see
 * `episodes.ts`) and returns a NEW table with
 *
 *   `return`     λ-return G^λ_t = Â_t + V(s_t) (with λ = 1: the discounted return)
 *   `advantage`  GAE(γ, λ) Â_t (`gae.ts`)
 *   `td_error`   one-step TD error δ_t
 *
 * as non-null Float32 columns (replacing `return` / `advantage`, appending
 * `td_error`). What copies: the input columns are read into fresh arrays and
 * the three new columns are fresh buffers; every other column of the result
 * shares the input's memory (Arrow vectors are immutable, so nothing of the
 * input table changes). The input table itself is never modified.
 */
import { Table, makeVector } from "apache-arrow";
import { episodeArrays, scatterRows } from "./episodes.js";
import { episodeAdvantages, tdErrors } from "./td.js";

export interface CreditColumnsOptions {
  readonly gamma: number;
  readonly lambda: number;
  /**
   * V(s_T) after the last row of an episode that is not terminated (truncated,
   * or cut off by the end of the table), by episode id. Without it, such an
   * episode throws a `RangeError` naming it.
   */
  readonly bootstrap?: (episodeId: bigint | number) => number;
}

/** The table with `return`, `advantage` and `td_error` filled (see the module comment); copies, never mutates. */
export function withCreditColumns(table: Table, options: CreditColumnsOptions): Table {
  const { gamma, lambda, bootstrap } = options;
  if (!(gamma >= 0 && gamma <= 1) || !(lambda >= 0 && lambda <= 1)) {
    throw new RangeError(`withCreditColumns: gamma and lambda must be in [0, 1], got ${gamma}, ${lambda}`);
  }
  const arrays = episodeArrays(table, { values: true });
  const { layout, rewards, terminated, truncated } = arrays;
  const values = arrays.values!;
  const { offsets, ids, order } = layout;
  const boot = new Float64Array(ids.length).fill(NaN);
  for (let k = 0; k < ids.length; k++) {
    if (terminated[offsets[k + 1]! - 1]) continue;
    if (bootstrap === undefined) {
      throw new RangeError(
        `withCreditColumns: episode ${String(ids[k])} ends ${truncated[offsets[k + 1]! - 1] ? "truncated" : "unfinished"}; pass options.bootstrap for its V(s_T)`,
      );
    }
    boot[k] = bootstrap(ids[k]!);
  }
  const batch = { rewards, values, terminated, truncated, offsets, bootstrap: boot, gamma, lambda };
  const { advantages, returns } = episodeAdvantages(batch);
  const td = tdErrors(batch);
  const back = (x: Float32Array) => (layout.identity ? x : scatterRows(x, order));
  return table.assign(
    new Table({ return: makeVector(back(returns)), advantage: makeVector(back(advantages)), td_error: makeVector(back(td)) }),
  );
}
