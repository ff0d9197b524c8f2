#!/usr/bin/python3
"""PyTorch's side of the `gpu` benchmark: the same four figures as bench/gpu.ts,
on CUDA where a GPU is present, else on the CPU.

1. f32 matmul throughput (TF32 off, so both sides multiply in float32);
2. a GPT-2-style transformer (pre-norm, learned positions, tied embeddings,
   tanh GELU) of the same sizes: training tokens/s as forward + backward of
   the logits against a fixed random upstream gradient (no optimizer step, as
   in bench/gpu.ts), and sampling tokens/s as a KV-cache decode of every row
   in lock step;
3. PPO on CartPole-v1 with separate actor and critic 2 x 1024 tanh MLPs
   (CleanRL's update: 8 envs x 128 steps, 4 epochs x 4 minibatches, clip 0.2,
   Adam 2.5e-4, grad-norm 0.5), the env stepped in numpy
   (ppo_cartpole.VecCartPole), the networks on the device: env steps/s.

Each figure is one JSON line {"what", "impl", "value", "unit"}; `what` is
spelled exactly as bench/gpu.ts spells it, so that script can put the two
side by side (`--torch FILE`).

Usage: python3 bench/reference/gpu_torch.py [--quick] [--skip-large] > torch.jsonl
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ppo_cartpole import VecCartPole  # noqa: E402


def emit(obj):
    print(json.dumps(obj), flush=True)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def best(fn, device, budget_s):
    """Best seconds per call over about budget_s after one warm-up call."""
    fn()
    sync(device)
    best_s = math.inf
    end = time.perf_counter() + budget_s
    n = 0
    while n < 2 or time.perf_counter() < end:
        t0 = time.perf_counter()
        fn()
        sync(device)
        best_s = min(best_s, time.perf_counter() - t0)
        n += 1
    return best_s


class Block(nn.Module):
    def __init__(self, d, heads, hidden, eps):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d, eps=eps)
        self.attn = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d, eps=eps)
        self.fc = nn.Linear(d, hidden)
        self.out = nn.Linear(hidden, d)

    def heads_of(self, t, b, length):
        return t.view(b, length, self.heads, -1).transpose(1, 2)

    def forward(self, x, cache=None, pos=None):
        b, length, d = x.shape
        q, k, v = self.attn(self.ln1(x)).split(d, dim=2)
        q, k, v = (self.heads_of(t, b, length) for t in (q, k, v))
        if cache is None:
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            keys, values = cache
            keys[:, :, pos] = k[:, :, 0]
            values[:, :, pos] = v[:, :, 0]
            a = F.scaled_dot_product_attention(q, keys[:, :, : pos + 1], values[:, :, : pos + 1])
        x = x + self.proj(a.transpose(1, 2).reshape(b, length, d))
        return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.wte = nn.Embedding(c["vocab"], c["d"])
        self.wpe = nn.Embedding(c["context"], c["d"])
        self.blocks = nn.ModuleList(Block(c["d"], c["heads"], c["hidden"], 1e-5) for _ in range(c["layers"]))
        self.lnf = nn.LayerNorm(c["d"], eps=1e-5)

    def forward(self, tokens, caches=None, pos=None):
        length = tokens.shape[1]
        positions = torch.arange(length, device=tokens.device) if pos is None else torch.tensor([pos], device=tokens.device)
        x = self.wte(tokens) + self.wpe(positions)
        for i, blk in enumerate(self.blocks):
            x = blk(x, None if caches is None else caches[i], pos)
        return self.lnf(x) @ self.wte.weight.T


TINY = {"name": "tiny (2 layers × d 64, GRPO policy)", "vocab": 16, "context": 16, "layers": 2, "d": 64, "heads": 4, "hidden": 256, "batch": 256, "length": 10}
LARGE = {"name": "large (6 layers × d 512)", "vocab": 256, "context": 64, "layers": 6, "d": 512, "heads": 8, "hidden": 2048, "batch": 32, "length": 64}


def transformer(c, device, impl, budget_s):
    g = torch.Generator(device="cpu").manual_seed(1)
    model = Gpt(c).to(device)
    b, length, vocab = c["batch"], c["length"], c["vocab"]
    tokens = torch.randint(0, vocab, (b, length), generator=g).to(device)
    d_logits = (0.01 * torch.randn(b, length, vocab, generator=g)).to(device)

    def train():
        model.zero_grad(set_to_none=False)
        model(tokens).backward(d_logits)

    s = best(train, device, budget_s)
    emit({"what": f"{c['name']}: train tokens/s (forward + backward, {b}×{length})", "impl": impl, "value": b * length / s, "unit": "tokens/s"})
    steps = length - 1
    heads, hd = c["heads"], c["d"] // c["heads"]

    @torch.no_grad()
    def sample():
        caches = [(torch.empty(b, heads, c["context"], hd, device=device), torch.empty(b, heads, c["context"], hd, device=device)) for _ in range(c["layers"])]
        for t in range(steps):
            logits = model(tokens[:, t : t + 1], caches, t)
            # the logits come back to the host each step, as a sampler on the CPU needs them
            logits.cpu()

    s = best(sample, device, budget_s)
    emit({"what": f"{c['name']}: sampling tokens/s (KV-cache decode, {b} rows × {steps} steps)", "impl": impl, "value": b * steps / s, "unit": "tokens/s"})


def mlp(sizes, last_gain):
    layers = []
    for i in range(len(sizes) - 1):
        lin = nn.Linear(sizes[i], sizes[i + 1])
        nn.init.orthogonal_(lin.weight, last_gain if i == len(sizes) - 2 else math.sqrt(2))
        nn.init.zeros_(lin.bias)
        layers += [lin] + ([nn.Tanh()] if i < len(sizes) - 2 else [])
    return nn.Sequential(*layers)


def ppo(device, impl, steps, hidden):
    """CleanRL's PPO update on CartPole with 2 x 1024 networks; env steps/s over `steps` after one warm-up update."""
    torch.manual_seed(1)
    n_envs, n_steps, epochs, minibatches = 8, 128, 4, 4
    env = VecCartPole(n_envs, np.random.default_rng(1))
    actor, critic = mlp([4, hidden, hidden, 2], 0.01).to(device), mlp([4, hidden, hidden, 1], 1.0).to(device)
    params = list(actor.parameters()) + list(critic.parameters())
    opt = torch.optim.Adam(params, lr=2.5e-4, eps=1e-5)
    obs_np = np.zeros((n_envs, 4), dtype=np.float32)
    done_np = np.zeros(n_envs, dtype=bool)
    obs = torch.tensor(env.reset(obs_np), device=device)
    buf_obs = torch.zeros(n_steps, n_envs, 4, device=device)
    buf_act = torch.zeros(n_steps, n_envs, dtype=torch.long, device=device)
    buf_logp = torch.zeros(n_steps, n_envs, device=device)
    buf_val = torch.zeros(n_steps, n_envs, device=device)
    rew = np.zeros((n_steps, n_envs), dtype=np.float32)
    done = np.zeros((n_steps, n_envs), dtype=np.float32)

    def update():
        nonlocal obs
        with torch.no_grad():
            for t in range(n_steps):
                buf_obs[t] = obs
                dist = torch.distributions.Categorical(logits=actor(obs))
                a = dist.sample()
                buf_act[t], buf_logp[t], buf_val[t] = a, dist.log_prob(a), critic(obs).squeeze(-1)
                env.step(a.cpu().numpy(), obs_np, done_np)
                rew[t], done[t] = env.reward, done_np
                obs = torch.tensor(obs_np, device=device)
            next_val = critic(obs).squeeze(-1).cpu().numpy()
        val = buf_val.cpu().numpy()
        adv = np.zeros_like(rew)
        last = 0.0
        for t in reversed(range(n_steps)):
            nv = next_val if t == n_steps - 1 else val[t + 1]
            nonterm = 1.0 - done[t]
            delta = rew[t] + 0.99 * nv * nonterm - val[t]
            last = delta + 0.99 * 0.95 * nonterm * last
            adv[t] = last
        b_adv = torch.tensor(adv.reshape(-1), device=device)
        b_ret = b_adv + buf_val.reshape(-1)
        b_obs, b_act, b_logp, b_val = buf_obs.reshape(-1, 4), buf_act.reshape(-1), buf_logp.reshape(-1), buf_val.reshape(-1)
        size = n_steps * n_envs
        mb = size // minibatches
        for _ in range(epochs):
            perm = torch.randperm(size, device=device)
            for start in range(0, size, mb):
                i = perm[start : start + mb]
                dist = torch.distributions.Categorical(logits=actor(b_obs[i]))
                ratio = (dist.log_prob(b_act[i]) - b_logp[i]).exp()
                a = b_adv[i]
                a = (a - a.mean()) / (a.std() + 1e-8)
                pg = torch.max(-a * ratio, -a * ratio.clamp(0.8, 1.2)).mean()
                v = critic(b_obs[i]).squeeze(-1)
                v_clipped = b_val[i] + (v - b_val[i]).clamp(-0.2, 0.2)
                v_loss = 0.5 * torch.max((v - b_ret[i]) ** 2, (v_clipped - b_ret[i]) ** 2).mean()
                loss = pg - 0.01 * dist.entropy().mean() + 0.5 * v_loss
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(params, 0.5)
                opt.step()

    update()
    sync(device)
    t0 = time.perf_counter()
    for _ in range(steps // (n_steps * n_envs)):
        update()
    sync(device)
    emit({"what": f"PPO CartPole, actor and critic 2 × {hidden} (tanh): env steps/s", "impl": impl, "value": steps / (time.perf_counter() - t0), "unit": "steps/s"})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="the sizes of bench/gpu.ts --quick")
    p.add_argument("--smoke", action="store_true", help="the sizes of bench/gpu.ts --smoke")
    p.add_argument("--skip-large", action="store_true")
    p.add_argument("--budget-s", type=float, default=None)
    args = p.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    impl = f"torch/{device.type}"
    args.quick = args.quick or args.smoke
    budget = args.budget_s if args.budget_s is not None else (0.05 if args.smoke else 0.5 if args.quick else 3.0)
    emit({"bench": "gpu-torch", "torch": torch.__version__, "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu", "threads": torch.get_num_threads()})
    sizes = [64] if args.smoke else [128, 256] if args.quick else ([256, 512, 1024, 2048, 4096] if device.type == "cuda" else [256, 512, 1024])
    for n in sizes:
        g = torch.Generator(device="cpu").manual_seed(1)
        a, b = torch.randn(n, n, generator=g).to(device), torch.randn(n, n, generator=g).to(device)
        # as bench/gpu.ts: ~20 GFLOP per timed chain on a CPU, 20x that on a GPU
        reps = max(1, min(50, round(2e10 / (2 * n ** 3)))) * (20 if device.type == "cuda" else 1)

        def chain():
            for _ in range(reps):
                c = a @ b
            c.sum().item()

        s = best(chain, device, budget)
        emit({"what": f"matmul f32 {n}×{n}", "impl": impl, "value": 2 * n ** 3 * reps / s / 1e9, "unit": "GFLOP/s"})
    large = dict(LARGE, batch=2) if args.quick else LARGE
    tiny = dict(TINY, batch=16) if args.smoke else TINY
    for c in [tiny] if args.skip_large or args.smoke else [tiny, large]:
        transformer(c, device, impl, budget)
    ppo(device, impl, 1024 if args.quick else 8192, 64 if args.smoke else 1024)


if __name__ == "__main__":
    main()
