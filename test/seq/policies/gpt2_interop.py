"""The Python side of test/seq/policies/hf-gpt2.test.ts (one process, since importing torch is the slow part).

Usage: python gpt2_interop.py JOB.json, JOB = {
  "make": {"dir": ..., "config": {GPT2Config kwargs}, "seed": int, "tokens": [[...], ...]},
  "load": [{"dir": ..., "tokens": [[...], ...]}, ...],
  "out": path}
"make": a random GPT2LMHeadModel (weights jittered so logits are O(1)) saved with
save_pretrained(safe_serialization=True); "load": from_pretrained on each folder.
Writes {"made": logits, "loaded": [logits, ...]} (float32 logits as nested lists) to "out".
"""
import json
import sys

import torch
from transformers import GPT2Config, GPT2LMHeadModel


def logits(model, tokens):
    with torch.no_grad():
        return model(torch.tensor(tokens, dtype=torch.long)).logits.float().tolist()


def main():
    job = json.load(open(sys.argv[1]))
    torch.manual_seed(job["make"]["seed"])
    out = {}
    make = job["make"]
    model = GPT2LMHeadModel(GPT2Config(**make["config"])).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    model.save_pretrained(make["dir"], safe_serialization=True)
    out["made"] = logits(model, make["tokens"])
    out["loaded"] = []
    for item in job["load"]:
        loaded = GPT2LMHeadModel.from_pretrained(item["dir"]).eval()
        tied = loaded.lm_head.weight.data_ptr() == loaded.transformer.wte.weight.data_ptr()
        out["loaded"].append({"logits": logits(loaded, item["tokens"]), "tied": tied})
    json.dump(out, open(job["out"], "w"))


main()
