/** Converters between the trajectory schema and D4RL arrays, Hugging Face `save_to_disk` directories and Minari's Arrow storage. */
export { episodesFromEnds, flatFromTable, readNumericColumn, tableFromFlat, type FlatTrajectory, type NumericColumn, type TableMetaOptions } from "./common.js";
export { fromD4rl, toD4rl, type D4rlArrays, type D4rlOutput, type FromD4rlOptions } from "./d4rl.js";
export { HF_COLUMN_CANDIDATES, mapHfColumns, openHfDataset, readHfTable, saveHfDataset, type HfTrajectoryField, type OpenHfOptions, type SaveHfOptions } from "./hf.js";
export { readMinariArrow, writeMinariArrow, type ReadMinariOptions, type WriteMinariOptions } from "./minari.js";
