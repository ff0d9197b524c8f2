"""The Python side of the interop test in test/seq/policies/gru.test.ts (one process, since importing torch is the slow part).

Usage: python gru_interop.py JOB.json, JOB = {
  "make": [{"dir": ..., "config": {config.json fields}, "seed": int, "tokens": [[...], ...]}, ...],
  "load": [{"dir": ..., "tokens": [[...], ...]}, ...],
  "out": path}
"make": a GruLM with torch's default initialization under torch.manual_seed(seed), jittered so the
logits are O(1), saved as
model.safetensors (torch's parameter names; a tied head stores no head.weight) + config.json.
"load": each folder's config.json and model.safetensors into a GruLM (load_state_dict, strict).
Writes {"made": [...], "loaded": [...]}, each {"f32": logits, "f64": logits} as nested lists:
the module as built (float32) and the same weights run in float64.
"""
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file
from torch import nn


class GruLM(nn.Module):
    def __init__(self, config):
        super().__init__()
        vocab, embed, hidden = config["vocab_size"], config["embedding_size"], config["hidden_size"]
        self.embedding = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, hidden, config["num_layers"], batch_first=True)
        self.head = nn.Linear(hidden, vocab)
        if config["tie_head"]:
            self.head.weight = self.embedding.weight

    def forward(self, tokens):
        out, _ = self.gru(self.embedding(tokens))
        return self.head(out)


def logits(model, tokens):
    t = torch.tensor(tokens, dtype=torch.long)
    with torch.no_grad():
        f32 = model(t).tolist()
        f64 = model.double()(t).tolist()
    model.float()
    return {"f32": f32, "f64": f64}


def main():
    job = json.load(open(sys.argv[1]))
    out = {"made": [], "loaded": []}
    for item in job["make"]:
        config = {"model_type": "trellis-gru", **item["config"], "max_positions": None, "torch_dtype": "float32"}
        torch.manual_seed(item["seed"])
        model = GruLM(config).eval()
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.3 * torch.randn_like(p))
        state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
        if config["tie_head"]:
            del state["head.weight"]
        os.makedirs(item["dir"], exist_ok=True)
        save_file(state, os.path.join(item["dir"], "model.safetensors"), metadata={"format": "pt"})
        json.dump(config, open(os.path.join(item["dir"], "config.json"), "w"), indent=2)
        out["made"].append(logits(model, item["tokens"]))
    for item in job["load"]:
        config = json.load(open(os.path.join(item["dir"], "config.json")))
        assert config["model_type"] == "trellis-gru", config
        model = GruLM(config).eval()
        state = load_file(os.path.join(item["dir"], "model.safetensors"))
        if config["tie_head"]:
            state["head.weight"] = state["embedding.weight"]
        model.load_state_dict(state, strict=True)
        out["loaded"].append(logits(model, item["tokens"]))
    json.dump(out, open(job["out"], "w"))


main()
