#!/usr/bin/python3
"""PyTorch reference PPO on CartPole-v1 for the `ppo-cartpole` benchmark.

Algorithm and defaults follow CleanRL's `ppo.py` (discrete PPO):
4 envs x 128 steps per rollout (batch 512), 4 epochs x 4 minibatches of 128,
Adam(lr 2.5e-4 annealed linearly to 0 over the step budget, eps 1e-5),
clip 0.2 on the ratio and on the value loss, entropy coef 0.01, value coef 0.5,
global grad-norm clip 0.5, gamma 0.99, GAE lambda 0.95, per-minibatch advantage
normalisation, separate actor and critic MLPs (64-64, tanh) with orthogonal
init (gain sqrt(2) hidden, 0.01 actor head, 1.0 critic head).

The environment is a vectorised numpy CartPole-v1: struct-of-arrays state
(float64, like Gymnasium's single env), Gymnasium's Euler dynamics and
termination thresholds, reward 1 per step, a 500-step limit as truncation,
same-step auto-reset, and `done = terminated or truncated` used for the
bootstrap mask (as CleanRL does with gym's SyncVectorEnv).

This is our own implementation, written to be a fast and fair bar on a
small CPU, where the cost is per op rather than per flop:
- one torch thread (--threads 1): every matmul here is at most 128x64x64, and
  a second thread only adds sync cost (and contends with the benchmark's other
  process on a 2-core machine). Run bench/reference/setup.sh first: Debian's
  torch uses the system libblas.so.3, which must be OpenBLAS, not netlib.
- no per-env Python objects: the env is numpy struct-of-arrays, and the
  rollout buffers are numpy arrays shared with torch tensors (zero copy);
- acting: the actor and critic are copied (after each update) into one
  block-diagonal no-grad MLP, so one forward of 3 addmm + 2 tanh gives
  [logits | value]; actions are sampled by Gumbel-max with the noise drawn
  once per rollout; log-probs of the taken actions are computed for the
  whole rollout at once afterwards (same values as computing them per step);
- training: plain autograd through the separate actor and critic MLPs; all
  parameters live in one flat buffer (each layer is still its own
  nn.Parameter) so the grad-norm clip and torch.optim.Adam act on a single
  tensor; GAE in numpy; each epoch gathers its shuffled batch once.
Per-minibatch diagnostics that CleanRL only logs (approx_kl, clipfrac,
explained variance) are not computed.

Solved: the mean return of the last 100 finished training episodes >= target
(checked whenever an episode ends, only once 100 episodes have finished);
steps_to_solve is the global env-step count at that moment.

Output: JSON lines on stdout; progress every --log-every updates and a final
summary line with "impl": "torch".

Usage (after bench/reference/setup.sh):
  /usr/bin/python3 bench/reference/ppo_cartpole.py --seed 1 \
      --total-steps 500000 --target 475 --stop-when-solved
  /usr/bin/python3 bench/reference/ppo_cartpole.py --check-env
"""
import time

_T_PROCESS = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--total-steps", type=int, default=500_000)
    p.add_argument("--target", type=float, default=475.0)
    p.add_argument("--stop-when-solved", action="store_true")
    p.add_argument("--threads", type=int, default=1,
                   help="torch/BLAS threads (1 is fastest for these tiny matmuls)")
    p.add_argument("--log-every", type=int, default=10, help="updates between progress lines")
    p.add_argument("--window", type=int, default=100, help="episodes in the solve window")
    # CleanRL ppo.py defaults
    p.add_argument("--num-envs", type=int, default=4)
    p.add_argument("--num-steps", type=int, default=128)
    p.add_argument("--lr", type=float, default=2.5e-4)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--gae-lambda", type=float, default=0.95)
    p.add_argument("--num-minibatches", type=int, default=4)
    p.add_argument("--update-epochs", type=int, default=4)
    p.add_argument("--clip-coef", type=float, default=0.2)
    p.add_argument("--ent-coef", type=float, default=0.01)
    p.add_argument("--vf-coef", type=float, default=0.5)
    p.add_argument("--max-grad-norm", type=float, default=0.5)
    p.add_argument("--check-env", action="store_true",
                   help="compare the vectorised env with Gymnasium's scalar step, bit for bit, and exit")
    return p.parse_args(argv)


if __name__ == "__main__":
    _ARGS = parse_args()
    # BLAS / OpenMP thread pools read these when the libraries load.
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, str(_ARGS.threads))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


# --------------------------------------------------------------------------
# Vectorised CartPole-v1 (Gymnasium dynamics), struct of arrays over envs.
# --------------------------------------------------------------------------
class VecCartPole:
    GRAVITY = 9.8
    MASSCART = 1.0
    MASSPOLE = 0.1
    TOTAL_MASS = MASSPOLE + MASSCART
    LENGTH = 0.5  # half the pole's length
    POLEMASS_LENGTH = MASSPOLE * LENGTH
    FORCE_MAG = 10.0
    TAU = 0.02
    THETA_THRESHOLD = 12 * 2 * math.pi / 360
    X_THRESHOLD = 2.4
    MAX_STEPS = 500
    OBS_DIM = 4
    N_ACTIONS = 2

    def __init__(self, num_envs, rng):
        self.n = num_envs
        self.rng = rng
        # rows: x, x_dot, theta, theta_dot; columns: envs (float64, as Gymnasium)
        self.state = np.zeros((4, num_envs), dtype=np.float64)
        self.deriv = np.zeros((4, num_envs), dtype=np.float64)
        self.steps = np.zeros(num_envs, dtype=np.int64)
        self.force = np.array([-self.FORCE_MAG, self.FORCE_MAG], dtype=np.float64)
        self.reward = np.ones(num_envs, dtype=np.float32)  # 1 per step, always
        self._limits = np.array([[self.X_THRESHOLD], [self.THETA_THRESHOLD]])

    def reset(self, obs_out):
        self.state[:] = self.rng.uniform(-0.05, 0.05, size=(4, self.n))
        self.steps[:] = 0
        obs_out[:] = self.state.T
        return obs_out

    def step(self, action, obs_out, done_out):
        """Advance every env by one step.

        Writes the next observation into obs_out (float32 [n, 4]; the reset
        observation for envs whose episode ended: same-step auto-reset) and
        terminated | truncated into done_out (bool [n]). Returns the list of
        returns of the episodes that ended on this step, or None.
        """
        s = self.state
        d = self.deriv
        theta_dot = s[3]
        force = self.force[action]
        costheta = np.cos(s[2])
        sintheta = np.sin(s[2])
        # Gymnasium's CartPoleEnv.step expressions, in the same order, so each
        # env's float64 trajectory matches Gymnasium's bit for bit. x**2 there
        # is libm pow on Python / numpy scalars: np.power(x, 2.0) is the same
        # (the array ** operator would use x*x, which can differ in the last bit).
        temp = (force + self.POLEMASS_LENGTH * np.power(theta_dot, 2.0) * sintheta) / self.TOTAL_MASS
        np.divide(self.GRAVITY * sintheta - costheta * temp,
                  self.LENGTH * (4.0 / 3.0 - self.MASSPOLE * np.power(costheta, 2.0) / self.TOTAL_MASS),
                  out=d[3])  # thetaacc
        np.subtract(temp, self.POLEMASS_LENGTH * d[3] * costheta / self.TOTAL_MASS, out=d[1])  # xacc
        d[0::2] = s[1::2]  # x_dot, theta_dot
        # Euler, from the old state: x += tau*x_dot, x_dot += tau*xacc,
        # theta += tau*theta_dot, theta_dot += tau*thetaacc
        d *= self.TAU
        s += d
        # terminated: x or theta outside (-2.4, 2.4) / (-12 deg, 12 deg)
        outside = np.abs(s[0::2]) > self._limits
        np.logical_or(outside[0], outside[1], out=done_out)
        # truncated: the 500-step time limit
        steps = self.steps
        steps += 1
        np.logical_or(done_out, steps >= self.MAX_STEPS, out=done_out)
        finished = None
        if np.count_nonzero(done_out):
            # reward is 1 per step, so an episode's return is its length
            finished = steps[done_out].tolist()
            s[:, done_out] = self.rng.uniform(-0.05, 0.05, size=(4, len(finished)))
            steps[done_out] = 0
        obs_out[:] = s.T
        return finished


# --------------------------------------------------------------------------
# Agent: separate actor and critic MLPs, parameters packed in one flat buffer.
# --------------------------------------------------------------------------
def layer_init(layer, std=math.sqrt(2), bias_const=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim, n_actions, hidden=64):
        super().__init__()
        self.n_actions = n_actions
        self.hidden = hidden
        self.critic = nn.Sequential(
            layer_init(nn.Linear(obs_dim, hidden)),
            nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)),
            nn.Tanh(),
            layer_init(nn.Linear(hidden, 1), std=1.0),
        )
        self.actor = nn.Sequential(
            layer_init(nn.Linear(obs_dim, hidden)),
            nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)),
            nn.Tanh(),
            layer_init(nn.Linear(hidden, n_actions), std=0.01),
        )
        # Pack every parameter into one contiguous buffer and every gradient
        # into another: each layer keeps its own nn.Parameter (a view), while
        # the optimiser and the grad-norm clip see one tensor.
        params = list(self.parameters())
        total = sum(p.numel() for p in params)
        self.flat = nn.Parameter(torch.zeros(total))
        self.flat.grad = torch.zeros(total)
        off = 0
        for p in params:
            n = p.numel()
            self.flat.data[off:off + n].copy_(p.data.view(-1))
            p.data = self.flat.data[off:off + n].view_as(p)
            p.grad = self.flat.grad[off:off + n].view_as(p)
            off += n
        a, c = self.actor, self.critic
        self.aw = (a[0].weight, a[0].bias, a[2].weight, a[2].bias, a[4].weight, a[4].bias)
        self.cw = (c[0].weight, c[0].bias, c[2].weight, c[2].bias, c[4].weight, c[4].bias)
        self.sync_rollout_net()

    @staticmethod
    def mlp(x, w):
        h = torch.tanh(F.linear(x, w[0], w[1]))
        h = torch.tanh(F.linear(h, w[2], w[3]))
        return F.linear(h, w[4], w[5])

    def logits(self, x):
        return self.mlp(x, self.aw)

    def value(self, x):
        return self.mlp(x, self.cw)

    @torch.no_grad()
    def sync_rollout_net(self):
        """Copy the actor and critic into one block-diagonal no-grad MLP.

        Acting runs both nets on a handful of observations, where the cost is
        per op, not per flop: side by side, the two nets give
        [logits | value] in 5 ops instead of 10. Same function (the
        off-diagonal blocks are zero). Call after every optimiser step.
        Weights are stored transposed for addmm.
        """
        a, c = self.aw, self.cw
        self.rw = (
            torch.cat([a[0], c[0]], 0).t().contiguous(), torch.cat([a[1], c[1]]),
            torch.block_diag(a[2], c[2]).t().contiguous(), torch.cat([a[3], c[3]]),
            torch.block_diag(a[4], c[4]).t().contiguous(), torch.cat([a[5], c[5]]),
        )

    def act_forward(self, x, out, h1, h2):
        """Write [logits | value] for obs x ([E, obs]) into out ([E, A + 1]).

        h1, h2 are [E, 2 * hidden] scratch buffers. Call under no_grad.
        """
        w = self.rw
        torch.addmm(w[1], x, w[0], out=h1).tanh_()
        torch.addmm(w[3], h1, w[2], out=h2).tanh_()
        torch.addmm(w[5], h2, w[4], out=out)


def gymnasium_cartpole_step(state, action):
    """Scalar CartPole-v1 step as Gymnasium writes it (Python floats), for
    --check-env. Returns (next_state, terminated)."""
    gravity, masspole, length, force_mag, tau = 9.8, 0.1, 0.5, 10.0, 0.02
    total_mass = masspole + 1.0
    polemass_length = masspole * length
    x, x_dot, theta, theta_dot = state
    force = force_mag if action == 1 else -force_mag
    costheta = math.cos(theta)
    sintheta = math.sin(theta)
    temp = (force + polemass_length * theta_dot**2 * sintheta) / total_mass
    thetaacc = (gravity * sintheta - costheta * temp) / (
        length * (4.0 / 3.0 - masspole * costheta**2 / total_mass))
    xacc = temp - polemass_length * thetaacc * costheta / total_mass
    x = x + tau * x_dot
    x_dot = x_dot + tau * xacc
    theta = theta + tau * theta_dot
    theta_dot = theta_dot + tau * thetaacc
    limit = 12 * 2 * math.pi / 360
    terminated = x < -2.4 or x > 2.4 or theta < -limit or theta > limit
    return (x, x_dot, theta, theta_dot), terminated


def check_env(seed, n_steps=50_000, num_envs=4):
    """Step VecCartPole and the scalar Gymnasium step side by side (the scalar
    envs adopt VecCartPole's reset states) and count any difference in state,
    observation, termination or truncation, bit for bit."""
    rng = np.random.default_rng(seed)
    policy_rng = np.random.default_rng(seed + 1)
    env = VecCartPole(num_envs, rng)
    obs = np.zeros((num_envs, 4), dtype=np.float32)
    done = np.zeros(num_envs, dtype=bool)
    env.reset(obs)
    ref = [tuple(float(v) for v in env.state[:, i]) for i in range(num_envs)]
    steps = [0] * num_envs
    mismatches = episodes = truncations = 0
    for _ in range(n_steps):
        # mostly a balancing controller, so that episodes also hit the time limit
        greedy = (env.state[2] + 0.5 * env.state[3] > 0).astype(np.int64)
        action = np.where(policy_rng.random(num_envs) < 0.9, greedy,
                          policy_rng.integers(0, 2, num_envs))
        env.step(action, obs, done)
        for i in range(num_envs):
            nxt, terminated = gymnasium_cartpole_step(ref[i], int(action[i]))
            steps[i] += 1
            truncated = steps[i] >= VecCartPole.MAX_STEPS
            if (terminated or truncated) != bool(done[i]):
                mismatches += 1
            if terminated or truncated:
                episodes += 1
                truncations += int(truncated and not terminated)
                ref[i] = tuple(float(v) for v in env.state[:, i])
                steps[i] = 0
            else:
                if nxt != tuple(float(v) for v in env.state[:, i]):
                    mismatches += 1
                if not np.array_equal(np.array(nxt, dtype=np.float32), obs[i]):
                    mismatches += 1
                ref[i] = nxt
    return {"check": "env", "env_steps": n_steps * num_envs, "episodes": episodes,
            "truncations": truncations, "mismatches": mismatches, "ok": mismatches == 0}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def blas_library():
    """Path of the BLAS shared library loaded into this process, if any."""
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.rstrip("\n").split(" ")[-1]
                name = os.path.basename(path)
                if ("blas" in name or "blis" in name or "mkl_rt" in name) and name.endswith(
                        tuple(".so" + s for s in ("", ".0", ".3", ".4"))):
                    return path
    except OSError:
        pass
    return None


def gae(rew, val, done, gamma, lam, adv_out):
    """Generalised advantage estimation, as CleanRL computes it.

    rew [S, E]; val [S + 1, E] (row S: value of the obs after the rollout);
    done [S + 1, E] bool, done[t] = the obs at t starts a new episode
    (done[S] is next_done); writes the advantages into adv_out [S, E].
    """
    S = rew.shape[0]
    nonterm = 1.0 - done[1:].astype(np.float32)
    delta = rew + gamma * val[1:] * nonterm - val[:S]
    coef = (gamma * lam) * nonterm
    last = np.zeros(rew.shape[1], dtype=np.float32)
    for t in range(S - 1, -1, -1):
        last = delta[t] + coef[t] * last
        adv_out[t] = last
    return adv_out


def ppo_update(agent, optimizer, b_obs, b_act, b_logp, b_val, b_adv, b_ret, np_rng, args):
    """update_epochs epochs of clipped-PPO minibatch steps over one batch."""
    B = b_obs.shape[0]
    n_mb = args.num_minibatches
    MB = B // n_mb
    clip = args.clip_coef
    ent_coef, vf_coef, max_norm = args.ent_coef, args.vf_coef, args.max_grad_norm
    flat_grad = agent.flat.grad
    for _epoch in range(args.update_epochs):
        perm = torch.from_numpy(np_rng.permutation(B))
        e_obs = b_obs.index_select(0, perm)
        e_act = b_act.index_select(0, perm).unsqueeze(1)
        e_logp = b_logp.index_select(0, perm)
        e_val = b_val.index_select(0, perm)
        e_ret = b_ret.index_select(0, perm)
        # advantages normalised per minibatch (all minibatches in one go),
        # negated for the clipped surrogate: max(-A*r, -A*clip(r)).
        mb_adv = b_adv.index_select(0, perm).view(n_mb, MB)
        e_nadv = ((mb_adv.mean(1, keepdim=True) - mb_adv)
                  / (mb_adv.std(1, keepdim=True) + 1e-8)).view(B)
        for start in range(0, B, MB):
            end = start + MB
            nadv = e_nadv[start:end]
            mb_val = e_val[start:end]
            mb_ret = e_ret[start:end]
            x = e_obs[start:end]

            logp_all = F.log_softmax(agent.logits(x), dim=1)
            newlogp = logp_all.gather(1, e_act[start:end]).squeeze(1)
            neg_entropy = (logp_all.exp() * logp_all).sum(1).mean()
            ratio = (newlogp - e_logp[start:end]).exp()
            pg_loss = torch.max(nadv * ratio, nadv * ratio.clamp(1 - clip, 1 + clip)).mean()
            newv = agent.value(x).view(-1)
            v_unclipped = (newv - mb_ret) ** 2
            v_clipped = (mb_val + (newv - mb_val).clamp(-clip, clip) - mb_ret) ** 2
            v_loss_x2 = torch.max(v_unclipped, v_clipped).mean()  # v_loss = 0.5 * this
            loss = pg_loss + ent_coef * neg_entropy + (0.5 * vf_coef) * v_loss_x2

            flat_grad.zero_()
            loss.backward()
            # global grad-norm clip, same rule as nn.utils.clip_grad_norm_
            with torch.no_grad():
                flat_grad.mul_((max_norm / (flat_grad.norm() + 1e-6)).clamp_(max=1.0))
            optimizer.step()


def main(args):
    torch.set_num_threads(args.threads)
    np_rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)

    E, S = args.num_envs, args.num_steps
    B = E * S
    num_updates = args.total_steps // B
    gamma, lam = args.gamma, args.gae_lambda

    env = VecCartPole(E, np_rng)
    D, A = env.OBS_DIM, env.N_ACTIONS
    agent = Agent(D, A)
    optimizer = torch.optim.Adam([agent.flat], lr=args.lr, eps=1e-5)

    # Rollout storage: numpy arrays, with zero-copy torch views for training.
    obs_np = np.zeros((S + 1, E, D), dtype=np.float32)  # row S: next_obs
    head_np = np.zeros((S + 1, E, A + 1), dtype=np.float32)  # [logits | value]
    act_np = np.zeros((S, E), dtype=np.int64)
    rew_np = np.zeros((S, E), dtype=np.float32)
    done_np = np.zeros((S + 1, E), dtype=bool)  # done_np[t]: obs t starts an episode
    adv_np = np.zeros((S, E), dtype=np.float32)
    gumbel_np = np.zeros((S, E, A), dtype=np.float64)
    score_np = np.zeros((E, A), dtype=np.float64)
    obs_t = torch.from_numpy(obs_np)
    head_t = torch.from_numpy(head_np)
    obs_rows = [obs_t[t] for t in range(S + 1)]
    head_rows = [head_t[t] for t in range(S + 1)]
    logit_rows = [head_np[t, :, :A] for t in range(S)]
    h1 = torch.zeros(E, 2 * agent.hidden)  # acting scratch: both nets side by side
    h2 = torch.zeros(E, 2 * agent.hidden)
    b_obs = obs_t[:S].reshape(B, D)
    b_act = torch.from_numpy(act_np).view(B)
    b_adv = torch.from_numpy(adv_np).view(B)
    val_np = head_np[:, :, A]  # [S + 1, E] view
    reward = env.reward

    # Last `window` finished episodes' returns, as a ring buffer.
    window = args.window
    ring = [0] * window
    ring_sum = 0
    episodes = 0

    def mean_ret():
        k = min(episodes, window)
        return (ring_sum / k) if k else None

    env.reset(obs_np[0])
    global_step = 0
    solved = False
    stop = False
    steps_to_solve = None
    time_to_solve = None
    blas = blas_library()
    if blas is not None and "/blas/" in blas:
        print("ppo_cartpole.py: warning: reference (netlib) BLAS in use (%s); "
              "run bench/reference/setup.sh to install OpenBLAS" % blas, file=sys.stderr)

    setup_s = time.perf_counter() - _T_PROCESS
    t0 = time.perf_counter()
    c0 = time.process_time()
    rollout_s = 0.0  # acting + env time, for the summary's breakdown

    for update in range(1, num_updates + 1):
        optimizer.param_groups[0]["lr"] = (1.0 - (update - 1.0) / num_updates) * args.lr

        # ---------------- rollout ----------------
        t_roll = time.perf_counter()
        # Gumbel-max sampling, a ~ Categorical(logits): argmax(logits + g),
        # g = -log(-log(U)), drawn for the whole rollout at once.
        np.log(-np.log(np_rng.random((S, E, A))), out=gumbel_np)
        with torch.no_grad():
            for t in range(S):
                global_step += E
                agent.act_forward(obs_rows[t], head_rows[t], h1, h2)
                np.subtract(logit_rows[t], gumbel_np[t], out=score_np)
                a = score_np.argmax(1)
                act_np[t] = a
                finished = env.step(a, obs_np[t + 1], done_np[t + 1])
                rew_np[t] = reward
                if finished is not None:
                    for r in finished:
                        i = episodes % window
                        ring_sum += r - ring[i]
                        ring[i] = r
                        episodes += 1
                    if not solved and episodes >= window and ring_sum >= args.target * window:
                        solved = True
                        steps_to_solve = global_step
                        time_to_solve = time.perf_counter() - t0
                        if args.stop_when_solved:
                            stop = True
                            break
            if stop:
                rollout_s += time.perf_counter() - t_roll
                break
            agent.act_forward(obs_rows[S], head_rows[S], h1, h2)  # bootstrap value
            # values and log-probs of the taken actions, whole rollout at once
            b_head = head_t[:S].reshape(B, A + 1)
            b_val = b_head[:, A].contiguous()
            b_logp = torch.log_softmax(b_head[:, :A], 1).gather(1, b_act.unsqueeze(1)).view(B)
        rollout_s += time.perf_counter() - t_roll

        gae(rew_np, val_np, done_np, gamma, lam, adv_np)
        b_ret = b_adv + b_val
        ppo_update(agent, optimizer, b_obs, b_act, b_logp, b_val, b_adv, b_ret, np_rng, args)
        agent.sync_rollout_net()

        # the obs after the last step starts the next rollout
        obs_np[0] = obs_np[S]
        done_np[0] = done_np[S]
        if update % args.log_every == 0:
            wall = time.perf_counter() - t0
            emit({"step": global_step, "wall_s": round(wall, 4),
                  "mean_return_100": mean_ret(), "sps": round(global_step / wall, 1)})

    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    emit({"step": global_step, "wall_s": round(wall, 4),
          "mean_return_100": mean_ret(), "sps": round(global_step / wall, 1)})
    emit({
        "impl": "torch",
        "seed": args.seed,
        "solved": solved,
        "steps_to_solve": steps_to_solve,
        "time_to_solve_s": None if time_to_solve is None else round(time_to_solve, 4),
        "target": args.target,
        "total_steps": global_step,
        "wall_s": round(wall, 4),
        "sps": round(global_step / wall, 1),
        "rollout_s": round(rollout_s, 4),
        "update_s": round(wall - rollout_s, 4),
        "cpu_s": round(cpu, 4),  # process CPU time; << wall_s means a busy machine
        "episodes": episodes,
        "mean_return_100": mean_ret(),
        "setup_s": round(setup_s, 4),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "threads": torch.get_num_threads(),
        "blas": blas,
        "python": sys.executable,
    })
    return 0


if __name__ == "__main__":
    if _ARGS.check_env:
        _res = check_env(_ARGS.seed)
        emit(_res)
        sys.exit(0 if _res["ok"] else 1)
    sys.exit(main(_ARGS))
