"""The step environment: Gymnasium's API shape, determinism for a seed, what the actions do,
and the reward as the documented weighted sum."""

import numpy as np
import pytest

import joule
from joule.env import REWARD_WEIGHTS

from conftest import QUEUED


def _episode(env, seed, actions):
    obs, info = env.reset(seed=seed)
    trace = [obs]
    rewards = []
    for a in actions:
        obs, reward, terminated, truncated, info = env.step(a)
        trace.append(obs)
        rewards.append(reward)
        if terminated or truncated:
            break
    return trace, rewards


def _same(a, b):
    return all(a[k] == b[k] if np.isscalar(a[k]) else np.array_equal(a[k], b[k]) for k in a)


def test_an_episode_follows_the_gymnasium_api_and_ends_at_the_duration(queued_yaml):
    env = joule.Env(queued_yaml, step="2 h", set=["duration=12 h"])
    obs, info = env.reset(seed=1)
    assert obs["time_s"] == 0 and obs["inlet_c"].shape == (4,)
    lo, hi = info["cap_range_w"]
    assert 0 < lo < hi
    steps = 0
    while True:
        obs, reward, terminated, truncated, info = env.step(None)
        steps += 1
        assert obs["time_s"] == 2 * 3600 * steps
        assert terminated is False and isinstance(reward, float)
        if truncated:
            break
        # The racks' power adds up to the IT power (this cluster has no network switches).
        assert obs["rack_power_w"].sum() == pytest.approx(obs["it_power_w"], rel=1e-12)
        assert obs["facility_power_w"] > obs["it_power_w"] > 0
    assert steps == 6
    with pytest.raises(ValueError, match="ended"):
        env.step(None)


def test_same_seed_same_episode_other_seed_other_episode(queued_yaml):
    rng = np.random.default_rng(0)
    actions = [{"cap_fraction": rng.uniform(), "admit": bool(rng.integers(2))} for _ in range(8)]
    env = joule.Env(queued_yaml, step="1 h", set=["duration=8 h"])
    a, ra = _episode(env, 5, actions)
    b, rb = _episode(joule.Env(queued_yaml, step="1 h", set=["duration=8 h"]), 5, actions)
    c, rc = _episode(env, 6, actions)  # the same Env, reset with another seed
    assert ra == rb and all(_same(x, y) for x, y in zip(a, b))
    assert ra != rc


def test_deferring_holds_every_job_and_admitting_releases_them(queued_yaml):
    env = joule.Env(queued_yaml, step="1 h")
    obs, _ = env.reset()
    for _ in range(4):
        obs, _, _, _, info = env.step({"admit": False})
    assert obs["running"] == 0 and obs["queue_length"] > 0
    assert 0 < info["queue_wait_h"] <= obs["queue_length"] + 1e-9  # each at most the hour
    obs, _, _, _, _ = env.step({"admit": True})
    assert obs["running"] > 0


def test_a_lower_cap_lowers_it_power_with_the_same_jobs(queued_yaml):
    powers = {}
    for f in (0.0, 1.0):
        env = joule.Env(queued_yaml, step="30 min")
        env.reset(seed=2)
        energy = 0.0
        for _ in range(12):
            _, _, _, _, info = env.step({"cap_fraction": f})
            energy += info["it_energy_kwh"]
        powers[f] = energy
    assert powers[0.0] < powers[1.0]


def test_the_reward_is_minus_the_weighted_sum(queued_yaml):
    weights = {"energy_kwh": 0.5, "co2e_kg": 2.0, "cost_usd": 0.0, "queue_wait_h": 3.0}
    env = joule.Env(queued_yaml, step="1 h", reward=weights)
    env.reset()
    for _ in range(3):
        _, reward, _, _, info = env.step({"admit": True})
        assert info["energy_kwh"] > 0 and info["co2e_kg"] > 0
        assert reward == pytest.approx(-sum(weights[k] * info[k] for k in weights))
    assert set(REWARD_WEIGHTS) == set(weights)
    with pytest.raises(ValueError, match="unknown reward"):
        joule.Env(queued_yaml, reward={"energy": 1})
    with pytest.raises(ValueError, match="unknown action"):
        env.step({"cooling_setpoint_c": 18})


def test_the_baselines_run_a_documented_episode(queued_yaml):
    import env_baselines
    rows = env_baselines.compare(queued_yaml, step="1 h", seed=4, duration="12 h")
    assert [r["controller"] for r in rows] == ["random", "rule-based", "no-op"]
    for r in rows:
        assert r["steps"] == 12 and np.isfinite(r["return"])


def test_warmer_chilled_water_costs_less_cooling_for_the_same_it_energy(queued_yaml):
    # The chilled-water set-point changes the chillers' lift, not the room: the IT energy is
    # the same to the joule and the facility energy lower (models/cooling: Carnot-scaled EIR).
    runs = {}
    for chw in (None, 16.0):
        env = joule.Env(queued_yaml, step="1 h")
        obs, info = env.reset(seed=2)
        assert obs["chilled_water_c"] == 10.0 and obs["supply_air_c"] == 22.0
        assert info["setpoint_range_c"] == {"supply_air_c": (18.0, 27.0),
                                            "chilled_water_c": (2.0, 25.0)}
        it = facility = 0.0
        for _ in range(6):
            obs, _, _, _, step_info = env.step({"chilled_water_c": chw})
            it += step_info["it_energy_kwh"]
            facility += step_info["energy_kwh"]
        assert obs["chilled_water_c"] == (10.0 if chw is None else 16.0)
        runs[chw] = (it, facility)
    assert runs[16.0][0] == runs[None][0]
    assert runs[16.0][1] < runs[None][1]


def test_set_points_are_clamped_and_a_missing_one_is_an_error(queued_yaml, tmp_path):
    env = joule.Env(queued_yaml, step="1 h")
    env.reset()
    obs, *_ = env.step({"supply_air_c": 30.0, "chilled_water_c": 40.0})
    assert obs["supply_air_c"] == 27.0 and obs["chilled_water_c"] == 25.0
    obs, *_ = env.step({"supply_air_c": 19.0})  # the chilled water follows, 1 K below
    assert obs["supply_air_c"] == 19.0 and obs["chilled_water_c"] == 18.0
    air = tmp_path / "air.yaml"
    air.write_text(QUEUED.replace("cooling: {type: chilled-water}", "cooling: {type: air}"))
    env = joule.Env(str(air), step="1 h")
    obs, info = env.reset()
    assert np.isnan(obs["chilled_water_c"]) and set(info["setpoint_range_c"]) == {"supply_air_c"}
    with pytest.raises(ValueError, match="no such set-point"):
        env.step({"chilled_water_c": 12.0})


def test_a_set_point_moves_every_cooling_zone(tmp_path):
    # Two pools, the second with its own chilled-water plant and hall (a cooling zone of its
    # own): a supply-air set-point 3 K below the default cools both halls' inlets by about 3 K.
    zoned = tmp_path / "zoned.yaml"
    zoned.write_text(QUEUED.replace(
        "  racks: {count: 4, nodes_per_rack: 2}\n  node: {type: dgx-h100}\n",
        "  pools:\n"
        "    - {name: a, node: {type: dgx-h100}, racks: {count: 2, nodes_per_rack: 2}}\n"
        "    - {name: b, node: {type: dgx-h100}, racks: {count: 2, nodes_per_rack: 2},\n"
        "       cooling: {type: chilled-water}}\n"))
    inlets = {}
    for supply in (None, 19.0):
        env = joule.Env(str(zoned), step="1 h")
        obs, _ = env.reset(seed=2)
        assert obs["supply_air_c"] == 22.0
        for _ in range(4):
            obs, *_ = env.step({"supply_air_c": supply})
        assert obs["supply_air_c"] == (22.0 if supply is None else 19.0)
        inlets[supply] = np.asarray(obs["inlet_c"])
    drop = inlets[None] - inlets[19.0]
    assert drop.shape == (4,)
    assert np.all(np.abs(drop - 3.0) < 0.3), drop  # racks 0-1: the shared hall; 2-3: pool b's
