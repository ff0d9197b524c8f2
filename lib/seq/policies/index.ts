// Token policies for sequence RL: a GPT-2- or Llama-style decoder with manual
// backward, per-token log-probs, KV-cache sampling and Hugging Face GPT-2 and
// Llama checkpoints (safetensors); a GRU policy (PyTorch's nn.GRU) with BPTT and
// torch-named safetensors checkpoints.
export {
  DEFAULT_TRANSFORMER_CONFIG, transformerConfig, transformerVariant, validateTransformerConfig,
  type MlpKind, type NormKind, type PositionEncoding, type TransformerConfig, type TransformerVariant,
} from "./config.js";
export { initTransformerParams, paramLayout, type ParamLayout, type TensorSlot, type TransformerInitOptions } from "./layout.js";
export { Transformer } from "./transformer.js";
export { FastTransformer, fastTransformer, fastTransformerUnsupported } from "./fast-transformer.js";
export { decodeStep, newKvCache, type KvCache } from "./kv-cache.js";
export { entropyOf, gatherLogProbs, gatherLogProbsBackward, gatherTokenLogProbs, gatherTokenLogProbsBackward, logSoftmax, tokenLogProbs, tokenLogProbsBackward, type TokenLogProbs } from "./logprobs.js";
export { checkSampleOptions, sample, sampleBatch, truncatedWeights, type Completion, type SampleOptions } from "./sample.js";
export type { PrefixedTokens, TokenDecoder, TokenPolicy } from "./token-policy.js";
export { readSafetensors, SafetensorsError, writeSafetensors, type SafeTensor, type SafetensorsFile } from "./safetensors.js";
export { configFromGpt2Json, fromGpt2Files, gpt2ConfigJson, loadGpt2, saveGpt2, toGpt2Files, type Gpt2Files } from "./hf-gpt2.js";
export { configFromLlamaJson, fromLlamaFiles, llamaConfigJson, loadLlama, saveLlama, toLlamaFiles, type LlamaFiles } from "./hf-llama.js";
export { DEFAULT_GRU_CONFIG, gruConfig, validateGruConfig, type GruConfig } from "./gru-config.js";
export { gruLayerSlots, gruLayout, initGruParams, type GruLayerSlots } from "./gru-layout.js";
export { dense, denseBackward, gruCell, gruCellBackward, type GruCellActs } from "./gru-ops.js";
export { GruPolicy } from "./gru.js";
export { configFromGruJson, fromGruFiles, GRU_MODEL_TYPE, gruConfigJson, loadGru, saveGru, toGruFiles, type GruFiles } from "./gru-files.js";
export { sftBatch, sftLoss, SftTrainer, type SftBatch } from "./sft.js";
