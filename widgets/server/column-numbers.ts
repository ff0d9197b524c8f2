// Arrow columns as numbers, for the dataset browser's histograms and for
// lib's episode views (lib/run/episodes.ts). It lives on the widgets side
// because widgets/ may import only types from lib/, and in server/ rather
// than shared/ because it needs apache-arrow, which the browser bundle
// does not carry (docs/architecture.md).
import { DataType, type Vector } from "apache-arrow";

/**
 * A numeric column as float64, `rows × width` row-major (width: the list
 * size of a FixedSizeList column, else 1); nulls as NaN, bools as 0/1,
 * 64-bit integers through Number. Reads the chunks' value buffers directly.
 */
export function columnNumbers(column: Vector): { values: Float64Array; width: number } {
  const type = column.type as DataType;
  const list = DataType.isFixedSizeList(type);
  const width = list ? type.listSize : 1;
  const out = new Float64Array(column.length * width);
  let r = 0;
  for (const data of column.data) {
    const leaf = list ? data.children[0]! : data;
    const values = leaf.values as ArrayLike<number | bigint>;
    const isBool = DataType.isBool(leaf.type);
    for (let i = 0; i < data.length; i++, r++) {
      if (data.nullCount > 0 && !data.getValid(i)) {
        out.fill(Number.NaN, r * width, (r + 1) * width);
        continue;
      }
      for (let j = 0; j < width; j++) {
        // Sliced chunks keep their values buffer sliced, except bit-packed bools (indexed from the offset).
        const k = i * width + j;
        out[r * width + j] = isBool ? ((values as Uint8Array)[(leaf.offset + k) >> 3]! >> ((leaf.offset + k) & 7)) & 1 : Number(values[k]!);
      }
    }
  }
  return { values: out, width };
}
