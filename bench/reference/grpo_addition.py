#!/usr/bin/env python3
"""PyTorch reference for the `grpo-addition` and `sft-addition` benchmarks.

Supervised warm-up (SFT) then GRPO of a tiny GPT-2 style decoder on 2-digit
addition ("47+38=" -> "85<eos>"), exactly the setup fixed in
bench/grpo-addition.json (task, vocabulary, model, SFT and GRPO
hyper-parameters, test problems). Our TypeScript benchmark reads the same file
and is compared against this script.

This is our own implementation, written to be a fast and fair bar on a small
CPU, where the cost is per op rather than per flop:
- plain torch model (fused qkv Linear, F.layer_norm, F.gelu(tanh),
  F.scaled_dot_product_attention); measured faster than transformers'
  GPT2LMHeadModel for both sampling and training (see README);
- sampling under torch.inference_mode with a preallocated KV cache over the
  whole batch (all prompts have the same length, so no left padding and no
  attention mask): one prefill forward over the 32 distinct prompts whose KV
  cache is copied to their 8 completions (prefix sharing), then one single-token forward per new
  token; the loop stops as soon as every row has produced <eos>; the old
  log-probs are kept from sampling (no extra forward);
- training: one batched forward/backward over the padded [256, T] batch,
  T = prompt + longest completion of the batch, causal SDPA, token-mean loss;
- torch.optim.Adam(fused=True) (measured a little faster than foreach), clip_grad_norm_ with foreach.

Token counts (the same definition in bench/grpo-addition.json, "doc"):
a "token" is one real sequence position: prompt tokens plus completion tokens
up to and including <eos> (or max new tokens when no <eos> came); padding is
never counted. tokensPerSSampled = sampled tokens / seconds of sampling;
tokensPerSTrained = trained tokens / seconds of the forward+backward+step;
sftTokensPerS = SFT tokens / SFT seconds (forward+backward+step, batch draw
included).

Usage:
  .venv/bin/python bench/reference/grpo_addition.py --config bench/grpo-addition.json --seed 1
  .venv/bin/python bench/reference/grpo_addition.py --config bench/grpo-addition.json --sft-only
  .venv/bin/python bench/reference/sft_addition.py --config bench/grpo-addition.json
Prints one JSON line (plus progress on stderr with --verbose).
"""
import argparse
import json
import math
import os
import resource
import sys
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=os.path.join(os.path.dirname(__file__), "..", "grpo-addition.json"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-steps", type=int, default=None, help="GRPO steps at most (default: config grpo.maxSteps)")
    p.add_argument("--sft-steps", type=int, default=None, help="override config sft.steps (tuning only)")
    p.add_argument("--lr", type=float, default=None, help="override config grpo.lr (tuning only)")
    p.add_argument("--no-stop", action="store_true", help="keep going to max steps after the +20 point gain")
    p.add_argument("--sft-only", action="store_true", help="the sft-addition benchmark: SFT alone, no GRPO")
    p.add_argument("--sft-eval-every", type=int, default=0, help="SFT tuning: evaluate every N SFT steps (curve)")
    p.add_argument("--impl", choices=["plain", "hf"], default="plain", help="model implementation")
    p.add_argument("--verbose", action="store_true")
    return p.parse_args(argv)


if __name__ == "__main__":
    _ARGS = parse_args()
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, str(_ARGS.threads))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


# --------------------------------------------------------------------------
# Vocabulary: charTokenizer("0123456789+=", { unk: true }) of lib/seq/tokenizers/char.ts
# --------------------------------------------------------------------------
class Vocab:
    def __init__(self, cfg):
        v = cfg["vocab"]
        self.specials = list(v["specials"])
        assert self.specials == ["<pad>", "<bos>", "<eos>", "<unk>"]
        self.alphabet = v["alphabet"]
        self.pad, self.bos, self.eos = 0, 1, 2
        self.size = len(self.specials) + len(self.alphabet)
        assert self.size == v["size"]
        self.id = {ch: len(self.specials) + i for i, ch in enumerate(self.alphabet)}
        self.digit_base = self.id["0"]  # digits are contiguous, "0".."9"
        self.plus, self.equals = self.id["+"], self.id["="]


# --------------------------------------------------------------------------
# Model: GPT-2 style pre-norm decoder
# --------------------------------------------------------------------------
class Block(nn.Module):
    def __init__(self, d, heads, mlp, eps):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.c_attn = nn.Linear(d, 3 * d)
        self.attn_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.c_fc = nn.Linear(d, mlp)
        self.mlp_proj = nn.Linear(mlp, d)

    def mlp(self, x):
        return self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))

    def forward(self, x):
        """Full causal pass over [B, T, d]; returns (x, k, v) with k, v [B, H, T, dh]."""
        B, T, d = x.shape
        H = self.heads
        q, k, v = self.c_attn(self.ln_1(x)).view(B, T, 3, H, d // H).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.attn_proj(a.transpose(1, 2).reshape(B, T, d))
        return x + self.mlp(x), k, v

    def step(self, x, k_cache, v_cache, pos):
        """One new position per row: x [B, 1, d]; writes k, v at pos; attends to 0..pos."""
        B, _, d = x.shape
        H = self.heads
        q, k, v = self.c_attn(self.ln_1(x)).view(B, 3, H, d // H).unbind(1)
        k_cache[:, :, pos] = k
        v_cache[:, :, pos] = v
        a = F.scaled_dot_product_attention(q.unsqueeze(2), k_cache[:, :, : pos + 1], v_cache[:, :, : pos + 1])
        x = x + self.attn_proj(a.reshape(B, 1, d))
        return x + self.mlp(x)


class GPT(nn.Module):
    def __init__(self, mc, vocab_size):
        super().__init__()
        d, L = mc["dModel"], mc["layers"]
        assert mc["activation"] == "gelu_new" and mc["tiedEmbeddings"] and mc["positions"] == "learned"
        self.d, self.heads, self.ctx = d, mc["heads"], mc["context"]
        self.wte = nn.Embedding(vocab_size, d)
        self.wpe = nn.Embedding(self.ctx, d)
        self.blocks = nn.ModuleList([Block(d, mc["heads"], mc["mlp"], mc["layerNormEps"]) for _ in range(L)])
        self.ln_f = nn.LayerNorm(d, eps=mc["layerNormEps"])
        std = mc["initStd"]
        # GPT-2 init: every Linear and Embedding N(0, 0.02), biases 0, LayerNorm (1, 0);
        # the residual output projections N(0, 0.02 / sqrt(2 * layers)).
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, std)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        for b in self.blocks:
            nn.init.normal_(b.attn_proj.weight, 0.0, std / math.sqrt(2 * L))
            nn.init.normal_(b.mlp_proj.weight, 0.0, std / math.sqrt(2 * L))

    def forward(self, ids):
        """Logits [B, T, V] of a full causal pass."""
        T = ids.shape[1]
        x = self.wte(ids) + self.wpe.weight[:T]
        for b in self.blocks:
            x, _, _ = b(x)
        return F.linear(self.ln_f(x), self.wte.weight)

    def new_cache(self, B, T):
        dh = self.d // self.heads
        return [(torch.empty(B, self.heads, T, dh), torch.empty(B, self.heads, T, dh)) for _ in self.blocks]

    def prefill(self, ids, cache):
        """Full pass over the prompts; fills cache[:, :, :P]; returns last-position logits [B, V]."""
        P = ids.shape[1]
        x = self.wte(ids) + self.wpe.weight[:P]
        for b, (kc, vc) in zip(self.blocks, cache):
            x, k, v = b(x)
            kc[:, :, :P] = k
            vc[:, :, :P] = v
        return F.linear(self.ln_f(x[:, -1]), self.wte.weight)

    def decode(self, tok, pos, cache):
        """tok [B] at position pos; returns logits [B, V]."""
        x = (self.wte(tok) + self.wpe.weight[pos]).unsqueeze(1)
        for b, (kc, vc) in zip(self.blocks, cache):
            x = b.step(x, kc, vc, pos)
        return F.linear(self.ln_f(x[:, 0]), self.wte.weight)


class HFGPT(nn.Module):
    """The same model through transformers' GPT2LMHeadModel (for the speed comparison)."""

    def __init__(self, mc, vocab_size):
        super().__init__()
        from transformers import GPT2Config, GPT2LMHeadModel
        conf = GPT2Config(vocab_size=vocab_size, n_positions=mc["context"], n_embd=mc["dModel"], n_layer=mc["layers"],
                          n_head=mc["heads"], n_inner=mc["mlp"], activation_function="gelu_new",
                          layer_norm_epsilon=mc["layerNormEps"], initializer_range=mc["initStd"],
                          resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, tie_word_embeddings=True,
                          use_cache=True)
        conf._attn_implementation = "sdpa"
        self.m = GPT2LMHeadModel(conf)
        self.ctx = mc["context"]

    def forward(self, ids):
        return self.m(input_ids=ids, use_cache=False).logits

    def new_cache(self, B, T):
        return {}

    def prefill(self, ids, cache):
        out = self.m(input_ids=ids, use_cache=True)
        cache["pkv"] = out.past_key_values
        cache["len"] = ids.shape[1]
        return out.logits[:, -1]

    def decode(self, tok, pos, cache):
        out = self.m(input_ids=tok[:, None], past_key_values=cache["pkv"], use_cache=True,
                     position_ids=torch.full((tok.shape[0], 1), pos, dtype=torch.long))
        cache["pkv"] = out.past_key_values
        return out.logits[:, -1]


# --------------------------------------------------------------------------
# Task
# --------------------------------------------------------------------------
class Addition:
    def __init__(self, cfg, vocab):
        t = cfg["task"]
        self.lo, self.hi = t["operandMin"], t["operandMax"]
        self.vocab = vocab
        self.prompt_len = 6
        # digit tables: id of tens / ones digit of 10..99; sum digits
        self.test = torch.tensor(t["testProblems"], dtype=torch.long)
        assert self.test.shape == (t["testSize"], 2)

    def draw(self, n, gen):
        return torch.randint(self.lo, self.hi + 1, (n, 2), generator=gen)

    def prompts(self, ab):
        """[n, 6] ids of "ab+cd="."""
        v = self.vocab
        a, b = ab[:, 0], ab[:, 1]
        z = v.digit_base
        return torch.stack([z + a // 10, z + a % 10, torch.full_like(a, v.plus),
                            z + b // 10, z + b % 10, torch.full_like(a, v.equals)], 1)

    def answers(self, ab):
        """([n, 4] ids of the sum's digits then <eos>, padded with <pad>; [n] lengths incl. eos)."""
        v = self.vocab
        s = ab.sum(1)
        three = s >= 100
        z = v.digit_base
        d0 = torch.where(three, z + s // 100, z + s // 10)
        d1 = torch.where(three, z + (s // 10) % 10, z + s % 10)
        d2 = torch.where(three, z + s % 10, torch.full_like(s, v.eos))
        d3 = torch.where(three, torch.full_like(s, v.eos), torch.full_like(s, v.pad))
        return torch.stack([d0, d1, d2, d3], 1), 3 + three.long()

    def rewards(self, comp, comp_len, ab):
        """1 when the completion before <eos> is exactly the sum (the <eos> must be there), else 0.

        comp [n, W] sampled ids; comp_len [n] tokens through eos (W when none).
        Equivalent to decoding and comparing strings: the expected completion is
        the answer's digits followed by <eos>; a row is correct iff its first
        len(answer) tokens match exactly (digits then eos)."""
        ans, alen = self.answers(ab)
        W = comp.shape[1]
        if W < 4:
            comp = F.pad(comp, (0, 4 - W), value=self.vocab.pad)
        c = comp[:, :4]
        mask = torch.arange(4)[None, :] < alen[:, None]
        ok = ((c == ans) | ~mask).all(1)
        return ok.float()


# --------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------
@torch.inference_mode()
def generate(model, prompts, max_new, eos, gen=None, greedy=False, temperature=1.0, repeat=1):
    """Batched autoregressive sampling with a KV cache.

    Returns (comp [B, W] ids, logp [B, W] log-probs of the sampled ids under the
    sampling distribution, comp_len [B] tokens through <eos> (max_new when none)),
    W = steps actually run (<= max_new; stops once every row has its <eos>).
    repeat > 1: each prompt is sampled `repeat` times (rows grouped by prompt,
    B * repeat rows out); the prompts are prefilled once and their KV cache and
    last logits are copied to the group's rows (prefix sharing).
    Positions after a row's <eos> hold whatever was sampled; comp_len masks them."""
    B, P = prompts.shape
    cache = model.new_cache(B, P + max_new)
    logits = model.prefill(prompts, cache)
    if repeat > 1:
        B *= repeat
        cache = [(kc.repeat_interleave(repeat, 0), vc.repeat_interleave(repeat, 0)) for kc, vc in cache]
        logits = logits.repeat_interleave(repeat, 0)
    comp = torch.empty(B, max_new, dtype=torch.long)
    logp = torch.empty(B, max_new)
    done = torch.zeros(B, dtype=torch.bool)
    comp_len = torch.full((B,), max_new, dtype=torch.long)
    W = max_new
    for t in range(max_new):
        if greedy:
            tok = logits.argmax(-1)
        else:
            lp = torch.log_softmax(logits / temperature if temperature != 1.0 else logits, -1)
            tok = torch.multinomial(lp.exp(), 1, generator=gen).squeeze(1)
            logp[:, t] = lp.gather(1, tok[:, None]).squeeze(1)
        comp[:, t] = tok
        new_done = (tok == eos) & ~done
        comp_len.masked_fill_(new_done, t + 1)
        done |= new_done
        if bool(done.all()):
            W = t + 1
            break
        if t + 1 < max_new:
            logits = model.decode(tok, P + t, cache)
    return comp[:, :W], logp[:, :W], comp_len


def evaluate(model, task, max_new):
    """Greedy pass@1 on the test problems."""
    ab = task.test
    comp, _, comp_len = generate(model, task.prompts(ab), max_new, task.vocab.eos, greedy=True)
    return float(task.rewards(comp, comp_len, ab).mean())


# --------------------------------------------------------------------------
# SFT
# --------------------------------------------------------------------------
def sft(model, task, sc, steps, gen, max_new, eval_every=0, log=None):
    """Adam + clipped grad, loss = mean CE over completion tokens (incl. eos).
    Returns (seconds, tokens, curve). Only the training loop is timed."""
    opt = torch.optim.Adam(model.parameters(), lr=sc["lr"], betas=tuple(sc["adamBetas"]), eps=sc["adamEps"], fused=True)
    params = [p for p in model.parameters()]
    P = task.prompt_len
    seconds, tokens, curve = 0.0, 0, []
    model.train()
    for step in range(1, steps + 1):
        t0 = time.perf_counter()
        ab = task.draw(sc["batch"], gen)
        ans, alen = task.answers(ab)
        W = int(alen.max())
        ids = torch.cat([task.prompts(ab), ans[:, :W]], 1)  # [B, P + W], padded with <pad>
        target = ids[:, P:]
        mask = torch.arange(W)[None, :] < alen[:, None]
        logits = model(ids[:, :-1])[:, P - 1:]  # predictions of positions P .. P+W-1
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), reduction="none")
        loss = (ce * mask.reshape(-1)).sum() / mask.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, sc["gradClip"], foreach=True)
        opt.step()
        seconds += time.perf_counter() - t0
        tokens += int(alen.sum()) + P * ab.shape[0]
        if eval_every and (step % eval_every == 0 or step == steps):
            p1 = evaluate(model, task, max_new)
            curve.append({"step": step, "pass1": p1, "seconds": round(seconds, 4)})
            if log:
                log(f"sft step {step} loss {float(loss):.4f} pass1 {p1:.3f} {seconds:.2f}s")
    return seconds, tokens, curve


# --------------------------------------------------------------------------
# GRPO
# --------------------------------------------------------------------------
def grpo_step(model, opt, params, task, gc, gen):
    """One GRPO step: sample 32 x 8, rewards, group advantages, one clipped update.
    Returns (sample seconds, train seconds, sampled tokens, trained tokens, mean reward)."""
    G, K = gc["promptsPerStep"], gc["completionsPerPrompt"]
    eos = task.vocab.eos
    P = task.prompt_len
    t0 = time.perf_counter()
    ab = task.draw(G, gen)
    model.eval()
    comp, old_logp, comp_len = generate(model, task.prompts(ab), gc["maxNewTokens"], eos, gen=gen,
                                        temperature=gc["temperature"], repeat=K)
    ab = ab.repeat_interleave(K, 0)  # [G*K, 2], groups contiguous
    prompts = task.prompts(ab)
    t1 = time.perf_counter()
    comp, old_logp = comp.clone(), old_logp.clone()  # leave inference mode (cheap: [256, <=5])
    W = comp.shape[1]
    r = task.rewards(comp, comp_len, ab)
    rg = r.view(G, K)
    adv = ((rg - rg.mean(1, keepdim=True)) / (rg.std(1, keepdim=True) + gc["advEps"])).reshape(-1)
    mask = (torch.arange(W)[None, :] < comp_len[:, None]).float()
    n_tok = mask.sum()
    model.train()
    ids = torch.cat([prompts, comp], 1)
    logits = model(ids[:, :-1])[:, P - 1:]  # [B, W, V]
    logp = torch.log_softmax(logits, -1).gather(2, comp[:, :, None]).squeeze(2)
    ratio = torch.exp(logp - old_logp)
    a = adv[:, None]
    surr = torch.minimum(ratio * a, torch.clamp(ratio, 1 - gc["clipEps"], 1 + gc["clipEps"]) * a)
    loss = -(surr * mask).sum() / n_tok
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, gc["gradClip"], foreach=True)
    opt.step()
    t2 = time.perf_counter()
    tokens = int(comp_len.sum()) + P * ids.shape[0]  # sampled == trained: same sequences
    return t1 - t0, t2 - t1, tokens, tokens, float(r.mean())


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(args):
    torch.set_num_threads(args.threads)
    with open(args.config) as f:
        cfg = json.load(f)
    vocab = Vocab(cfg)
    task = Addition(cfg, vocab)
    sc, gc = dict(cfg["sft"]), dict(cfg["grpo"])
    if args.sft_steps is not None:
        sc["steps"] = args.sft_steps
    if args.lr is not None:
        gc["lr"] = args.lr
    max_steps = args.max_steps if args.max_steps is not None else gc["maxSteps"]
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if args.verbose else None

    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    model = GPT(cfg["model"], vocab.size) if args.impl == "plain" else HFGPT(cfg["model"], vocab.size)
    max_new = gc["maxNewTokens"]

    sft_seconds, sft_tokens, sft_curve = sft(model, task, sc, sc["steps"], gen, max_new, args.sft_eval_every, log)
    out = {
        "impl": "torch", "model": args.impl, "torch": torch.__version__, "threads": torch.get_num_threads(),
        "seed": args.seed, "sftSteps": sc["steps"], "sftSeconds": round(sft_seconds, 4),
        "sftTokensPerS": round(sft_tokens / sft_seconds, 1) if sft_seconds > 0 else None,
    }
    pass1_before = evaluate(model, task, max_new)
    out["pass1Before"] = pass1_before
    if sft_curve:
        out["sftCurve"] = sft_curve
    if args.sft_only:
        out["peakRssMB"] = round(peak_rss_mb(), 1)
        print(json.dumps(out), flush=True)
        return

    opt = torch.optim.Adam(model.parameters(), lr=gc["lr"], betas=tuple(gc["adamBetas"]), eps=gc["adamEps"], fused=True)
    params = list(model.parameters())
    target = pass1_before + gc["gainTarget"]
    curve = [{"step": 0, "pass1": pass1_before, "seconds": 0.0}]
    t_sample = t_train = 0.0
    tok_sampled = tok_trained = 0
    steps_to_gain = seconds_to_gain = None
    pass1 = pass1_before
    step = 0
    for step in range(1, max_steps + 1):
        ts, tt, ns, nt, rmean = grpo_step(model, opt, params, task, gc, gen)
        t_sample += ts
        t_train += tt
        tok_sampled += ns
        tok_trained += nt
        if step % gc["evalEvery"] == 0 or step == max_steps:
            pass1 = evaluate(model, task, max_new)
            curve.append({"step": step, "pass1": pass1, "seconds": round(t_sample + t_train, 4)})
            if log:
                log(f"grpo step {step} reward {rmean:.3f} pass1 {pass1:.3f} {t_sample + t_train:.2f}s")
            if steps_to_gain is None and pass1 >= target - 1e-9:
                steps_to_gain, seconds_to_gain = step, round(t_sample + t_train, 4)
                if not args.no_stop:
                    break
    total = t_sample + t_train
    out.update({
        "lr": gc["lr"], "pass1After": pass1, "stepsToGain20": steps_to_gain, "secondsToGain20": seconds_to_gain,
        "steps": step, "trainSeconds": round(total, 4), "sampleSeconds": round(t_sample, 4),
        "updateSeconds": round(t_train, 4), "stepsPerS": round(step / total, 3),
        "tokensPerSSampled": round(tok_sampled / t_sample, 1), "tokensPerSTrained": round(tok_trained / t_train, 1),
        "peakRssMB": round(peak_rss_mb(), 1), "curve": curve,
    })
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(_ARGS)
