"""The Python side of test/seq/policies/hf-llama.test.ts (one process, since importing torch is the slow part).

Usage: python llama_interop.py JOB.json, JOB = {
  "make": [{"dir": ..., "config": {LlamaConfig kwargs}, "seed": int, "tokens": [[...], ...]}, ...],
  "load": [{"dir": ..., "tokens": [[...], ...]}, ...],
  "out": path}
"make": random LlamaForCausalLMs (weights jittered so logits are O(1), norm gains too) saved with
save_pretrained; "load": from_pretrained on each folder.
Writes {"made": [logits, ...], "loaded": [{"logits", "tied"}, ...]} (float32 logits as nested lists) to "out".
"""
import json
import sys

import torch
from transformers import LlamaConfig, LlamaForCausalLM


def logits(model, tokens):
    with torch.no_grad():
        return model(torch.tensor(tokens, dtype=torch.long)).logits.float().tolist()


def main():
    job = json.load(open(sys.argv[1]))
    out = {"made": [], "loaded": []}
    for make in job["make"]:
        torch.manual_seed(make["seed"])
        model = LlamaForCausalLM(LlamaConfig(**make["config"])).eval()
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.3 * torch.randn_like(p))
        model.save_pretrained(make["dir"])
        out["made"].append(logits(model, make["tokens"]))
    for item in job["load"]:
        loaded = LlamaForCausalLM.from_pretrained(item["dir"]).eval()
        tied = loaded.lm_head.weight.data_ptr() == loaded.model.embed_tokens.weight.data_ptr()
        out["loaded"].append({"logits": logits(loaded, item["tokens"]), "tied": tied})
    json.dump(out, open(job["out"], "w"))


main()
