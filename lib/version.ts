/** The library version, written into checkpoints and Arrow schema metadata. */
export const VERSION = "0.1.0";
