"""Baseline episodes of the step environment (docs/tutorials/step-environment.md): a random
controller, a rule-based one and doing nothing, on the same scenario and seed, with their
returns and what they cost.

    PYTHONPATH=build/python python3 python/examples/env_baselines.py scenarios/policies/compare.yaml \
        --step "15 min" --duration "2 d" --seed 1
"""

import argparse

import numpy as np

import joule


def random_controller(seed):
    """A uniformly random cap in the hardware's range; admit with probability 0.8."""
    rng = np.random.default_rng(seed)
    return lambda obs: {"cap_fraction": rng.uniform(), "admit": rng.uniform() < 0.8}


def rule_based(cap_fraction_when_high=0.3):
    """Caps the accelerators at 30 % of their range while the grid's carbon intensity is above
    the mean of what the episode has seen so far (no threshold tuned to a grid), uncapped
    otherwise; always admits (deferral would trade wait for carbon)."""
    seen = []

    def act(obs):
        seen.append(obs["carbon_g_per_kwh"])
        high = obs["carbon_g_per_kwh"] > np.mean(seen)
        return {"cap_fraction": cap_fraction_when_high if high else 1.0, "admit": True}
    return act


def no_op(obs):
    return None


def episode(env, controller, seed):
    obs, _ = env.reset(seed=seed)
    total = {"return": 0.0, "steps": 0, "energy_kwh": 0.0, "co2e_kg": 0.0, "cost_usd": 0.0,
             "queue_wait_h": 0.0}
    while True:
        obs, reward, terminated, truncated, info = env.step(controller(obs))
        total["return"] += reward
        total["steps"] += 1
        for k in ("energy_kwh", "co2e_kg", "cost_usd", "queue_wait_h"):
            total[k] += info[k]
        if terminated or truncated:
            return total


def compare(scenario, step="15 min", seed=1, duration=None, reward=None):
    sets = [f"duration={duration}"] if duration else []
    env = joule.Env(scenario, step=step, reward=reward, set=sets)
    rows = []
    for name, controller in (("random", random_controller(seed)), ("rule-based", rule_based()),
                             ("no-op", no_op)):
        rows.append({"controller": name, **episode(env, controller, seed)})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--step", default="15 min")
    ap.add_argument("--duration", help="shorter than the scenario's (e.g. '2 d')")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rows = compare(args.scenario, args.step, args.seed, args.duration)
    print(f"{'controller':<12}{'return':>12}{'steps':>7}{'energy MWh':>12}{'CO2e t':>9}"
          f"{'cost USD':>10}{'wait job-h':>12}")
    for r in rows:
        print(f"{r['controller']:<12}{r['return']:>12.1f}{r['steps']:>7}"
              f"{r['energy_kwh'] / 1e3:>12.2f}{r['co2e_kg'] / 1e3:>9.2f}{r['cost_usd']:>10.0f}"
              f"{r['queue_wait_h']:>12.1f}")


if __name__ == "__main__":
    main()
