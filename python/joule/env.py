"""A step environment for controllers: joule.Env(scenario, step="15 min").

It follows the Gymnasium API (reset(seed) -> (observation, info); step(action) ->
(observation, reward, terminated, truncated, info)) without requiring Gymnasium; where
Gymnasium is installed, `observation_space` and `action_space` are gymnasium.spaces objects
(else None). docs/tutorials/step-environment.md walks through an episode.

Action (a dict; None means {}):
  cap_w         per-accelerator power cap on every running job, W, clamped to the hardware's
                range (info["cap_range_w"] after reset); None: the controller caps nothing (the
                caps it set are removed; the scenario's policy keeps its own); or
  cap_fraction  the same as a fraction of that range: min + f (max - min), f in [0, 1];
  admit         True (default): the scenario's own policy starts jobs; False: none starts this
                step (they wait);
  supply_air_c  the cooling plant's CRAH/CRAC supply-air set-point, degC;
  chilled_water_c  its chilled-water supply set-point, degC (chilled-water plants, and a liquid
                plant's chilled-water air side). Each set-point is clamped to the plant's range
                (info["setpoint_range_c"] after reset: the supply air within ASHRAE's
                recommended 18-27 degC inlet range, the chilled water 2-25 degC and at least
                1 K below the supply air), acts from the plant's next control step, and stays
                until changed; None or absent leaves it as it is. A liquid plant's facility
                water is not an action (python/step.cpp).
A cluster is one accelerator pool (Joule has no mixed pools yet), so the cap is the pool's cap
and one value for all accelerators.

Observation (a dict of floats; inlet_c and rack_power_w arrays, one value per rack): time_s,
it_power_w, facility_power_w (IT power where the scenario has no facility), rack_power_w,
inlet_c, outdoor_drybulb_c,
price_usd_per_mwh, carbon_g_per_kwh, queue_length, running, free_nodes, supply_air_c and
chilled_water_c (the set-points in force; NaN where the plant has none).

Reward: minus a weighted sum over the step of facility energy (kWh), carbon (kg CO2e), cost
(USD) and queue wait (job-hours), weights from `reward=` (default REWARD_WEIGHTS). info carries
the four terms and the step's IT energy.

Episodes end at the scenario's duration, a time limit: truncated is True then, terminated is
always False (a data center has no terminal state). Same seed and same actions give the same
observations and rewards.
"""

import re

import numpy as np

from . import _core

try:  # Gymnasium when installed: Env is then a gymnasium.Env (env checkers, wrappers)
    from gymnasium import Env as _Base
except ImportError:
    _Base = object

# Default weights: one kWh, one kg CO2e, one USD and one job-hour of waiting each cost 1. A
# starting point to change, not a recommendation.
REWARD_WEIGHTS = {"energy_kwh": 1.0, "co2e_kg": 1.0, "cost_usd": 1.0, "queue_wait_h": 1.0}
_TERMS = {"energy_kwh": "facility_energy_kwh", "co2e_kg": "co2e_kg", "cost_usd": "cost_usd",
          "queue_wait_h": "queue_wait_h"}
_SCALARS = ("time_s", "it_power_w", "facility_power_w", "outdoor_drybulb_c",
            "price_usd_per_mwh", "carbon_g_per_kwh", "queue_length", "running", "free_nodes",
            "supply_air_c", "chilled_water_c")
_SETPOINTS = ("supply_air_c", "chilled_water_c")
_UNITS = {"s": 1, "sec": 1, "min": 60, "h": 3600, "d": 86400}


def seconds(step):
    """A duration: a number of seconds or text such as "15 min", "1 h", "900 s"."""
    if isinstance(step, (int, float)):
        return float(step)
    m = re.fullmatch(r"\s*([0-9.]+(?:e[-+]?\d+)?)\s*(s|sec|min|h|d)\s*", str(step))
    if not m:
        raise ValueError(f"step must be a duration such as '15 min' or '1 h', got {step!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


class Env(_Base):
    metadata = {"render_modes": []}

    def __init__(self, scenario, step="15 min", reward=None, **load_kw):
        from . import load
        self.scenario = load(scenario, **load_kw)
        self.step_s = seconds(step)
        if self.step_s <= 0:
            raise ValueError("step must be positive")
        unknown = set(reward or {}) - set(REWARD_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown reward terms {sorted(unknown)}; valid: "
                             f"{sorted(REWARD_WEIGHTS)}")
        self.weights = dict(REWARD_WEIGHTS, **(reward or {}))
        self._core = _core.StepWorld(self.scenario, self.step_s)
        self._raw = None
        self.observation_space = self.action_space = None
        self._racks = None

    # ---- Gymnasium API -----------------------------------------------------------------------
    def reset(self, seed=None, options=None):
        """Starts an episode from t = 0. seed: the world's seed (default: the scenario's)."""
        self._raw = self._core.reset(seed)
        if self.observation_space is None:
            self._racks = len(self._raw["inlet_c"])
            self._make_spaces()
        return self._observation(), {"warnings": list(self._raw["warnings"]),
                                     "cap_range_w": self.cap_range_w,
                                     "setpoint_range_c": self.setpoint_range_c}

    def step(self, action=None):
        if self._raw is None:
            raise RuntimeError("call reset() before step()")
        cap_w, admit, setpoints = self._action(action or {})
        self._raw = self._core.step(cap_w, admit, *setpoints)
        info = {k: self._raw[v] for k, v in _TERMS.items()}
        info["it_energy_kwh"] = self._raw["it_energy_kwh"]
        reward = -sum(self.weights[k] * info[k] for k in self.weights)
        return self._observation(), float(reward), False, bool(self._raw["terminated"]), info

    def close(self):
        self._raw = None

    # ---- pieces ------------------------------------------------------------------------------
    @property
    def cap_range_w(self):
        return (self._raw["cap_min_w"], self._raw["cap_max_w"]) if self._raw else None

    @property
    def setpoint_range_c(self):
        """{set-point: (lowest, highest)} for the set-points the plant has."""
        if not self._raw:
            return None
        return {k: tuple(self._raw[k.replace("_c", "_range_c")]) for k in _SETPOINTS
                if np.isfinite(self._raw[k])}

    def _action(self, action):
        valid = {"cap_w", "cap_fraction", "admit", *_SETPOINTS}
        unknown = set(action) - valid
        if unknown:
            raise ValueError(f"unknown action keys {sorted(unknown)}; valid: "
                             f"{', '.join(sorted(valid))}")
        setpoints = []
        for k in _SETPOINTS:
            v = action.get(k)
            if v is not None:
                v = float(np.asarray(v, dtype=float).ravel()[0])
                if k not in self.setpoint_range_c:
                    raise ValueError(f"{k}: this scenario's cooling plant has no such set-point")
                if not np.isfinite(v):
                    raise ValueError(f"{k} must be a finite temperature, got {v}")
            setpoints.append(v)
        cap = action.get("cap_w")
        if action.get("cap_fraction") is not None:
            if cap is not None:
                raise ValueError("give cap_w or cap_fraction, not both")
            f = float(np.clip(np.asarray(action["cap_fraction"], dtype=float).ravel()[0], 0, 1))
            lo, hi = self.cap_range_w
            cap = lo + f * (hi - lo)
        admit = action.get("admit", True)
        admit = bool(np.asarray(admit).ravel()[0]) if admit is not None else True
        return (None if cap is None else float(cap)), admit, setpoints

    def _observation(self):
        obs = {k: float(self._raw[k]) for k in _SCALARS}
        obs["inlet_c"] = np.asarray(self._raw["inlet_c"], dtype=float)
        obs["rack_power_w"] = np.asarray(self._raw["rack_power_w"], dtype=float)
        return obs

    def _make_spaces(self):
        try:
            from gymnasium import spaces
        except ImportError:
            return
        box = lambda *shape: spaces.Box(-np.inf, np.inf, shape=shape, dtype=np.float64)  # noqa: E731
        self.observation_space = spaces.Dict(
            {**{k: box() for k in _SCALARS}, "inlet_c": box(self._racks),
             "rack_power_w": box(self._racks)})
        acts = {"cap_fraction": spaces.Box(0.0, 1.0, shape=(1,)), "admit": spaces.Discrete(2)}
        for k, (lo, hi) in self.setpoint_range_c.items():
            acts[k] = spaces.Box(lo, hi, shape=(1,))
        self.action_space = spaces.Dict(acts)
