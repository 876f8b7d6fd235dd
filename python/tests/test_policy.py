"""Policies written in Python: the tutorial's shortest-job-first equals its C++ twin, a policy
that raises stops the run naming itself and the time and leaves no output, keys are read."""

import os

import numpy as np
import pytest

import joule
import shortest_job_first  # noqa: F401  (python/examples: registers shortest-job-first-py)


def _comparable(result):
    """KPIs minus the engine's own bookkeeping (wall time, event counts)."""
    engine = {k["name"] for k in joule.kpis() if k.get("topic") == "engine"}
    return {k: v for k, v in result.values.items() if k not in engine and k != "wall_s"}


@pytest.mark.parametrize("max_nodes", [0, 2])
def test_python_shortest_job_first_equals_the_cpp_one(queued_yaml, max_nodes):
    py = joule.run(queued_yaml, set=["scheduler.policy=shortest-job-first-py",
                                     f"scheduler.max_nodes={max_nodes}"])
    cpp = joule.run(queued_yaml, set=["scheduler.policy=shortest-job-first",
                                      f"scheduler.max_nodes={max_nodes}"])
    fifo = joule.run(queued_yaml, set=["scheduler.policy=fifo"])
    # The same job table, every column: each job starts and ends at the same instant, waits as
    # long and uses the same energy.
    assert {"start_s", "end_s", "wait_s", "energy_kwh"} <= set(cpp.jobs.columns)
    assert len(cpp.jobs) > 20
    assert py.jobs.equals(cpp.jobs)
    assert _comparable(py) == _comparable(cpp)
    # ... and the comparison can fail: FIFO orders the same jobs differently.
    assert not fifo.jobs["start_s"].equals(cpp.jobs["start_s"])


def test_a_policy_that_raises_names_itself_and_the_time_and_leaves_no_file(queued_yaml, tmp_path):
    @joule.register_policy("raises-after-2h")
    class Raises(joule.Policy):
        """Test policy: FIFO that fails at the first call from 2 h on"""

        def schedule(self, ctx):
            if ctx.now_s >= 7200:
                raise ZeroDivisionError("deliberate")
            for job in ctx.queue():
                if job.nodes <= ctx.free_nodes():
                    ctx.start(job)

    out = tmp_path / "never.h5"
    with pytest.raises(joule.PolicyError) as err:
        joule.run(queued_yaml, output=out, set=["scheduler.policy=raises-after-2h"])
    e = err.value
    assert e.policy == "raises-after-2h"
    assert e.time_s >= 7200
    assert "raises-after-2h" in str(e) and "ZeroDivisionError: deliberate" in str(e)
    assert "simulated time" in str(e)
    assert os.listdir(tmp_path) == ["queued.yaml"]  # no output, no partial file


def test_a_context_error_inside_a_policy_is_a_policy_error(queued_yaml):
    @joule.register_policy("starts-twice")
    class StartsTwice:
        def schedule(self, ctx):
            for job in ctx.queue():
                if job.nodes <= ctx.free_nodes():
                    ctx.start(job)
                    ctx.start(job)  # not queued any more: the World refuses

    with pytest.raises(joule.PolicyError, match="starts-twice"):
        joule.run(queued_yaml, set=["scheduler.policy=starts-twice"])


def test_a_python_policy_reads_its_keys_and_an_unknown_key_is_an_error(queued_yaml):
    seen = []

    @joule.register_policy("records-keys", keys={"limit": ("3", "a number"),
                                                 "label": ("x", "a word")})
    class RecordsKeys:
        def __init__(self, limit, label):
            seen.append((limit, label))

        def schedule(self, ctx):
            pass

    joule.validate(queued_yaml, set=["scheduler.policy=records-keys", "scheduler.label=y"])
    assert seen == [(3, "y")]
    with pytest.raises(joule.ScenarioError, match="limitt"):
        joule.validate(queued_yaml, set=["scheduler.policy=records-keys", "scheduler.limitt=1"])
    with pytest.raises(ValueError, match="already registered"):
        joule.register_policy("fifo", RecordsKeys)
    assert "records-keys" in joule.policies()


def test_power_caps_and_node_power_states_from_python(queued_yaml):
    calls = {"n": 0}
    states = []

    @joule.register_policy("caps-and-sleeps")
    class CapsAndSleeps:
        """Every job at the lowest cap; the last node asleep from 0 to 1 h, then woken"""

        def schedule(self, ctx):
            calls["n"] += 1
            last = ctx.nodes()[-1]
            if ctx.now_s == 0:
                ctx.power_down(last.id)
                ctx.wake_at(3600)
            elif ctx.now_s == 3600:
                ctx.power_up(last.id)
            states.append((ctx.now_s, str(ctx.nodes()[-1].state)))
            lo, hi = ctx.power_cap_range_w()
            assert 0 < lo < hi
            for job in ctx.queue():
                if job.nodes <= ctx.free_nodes():
                    ctx.set_power_cap(job, lo)
                    ctx.start(job)
            for job in ctx.running():
                assert ctx.power_cap_w(job) == lo
            assert ctx.carbon_g_per_kwh() > 0 and np.isfinite(ctx.price_usd_per_mwh())

    capped = joule.run(queued_yaml, set=["scheduler.policy=caps-and-sleeps"])
    fifo = joule.run(queued_yaml, set=["scheduler.policy=fifo"])
    assert calls["n"] > 10
    assert states[0] == (0.0, "NodeState.sleeping")
    assert (3600.0, "NodeState.waking") in states
    # At the lowest cap the same jobs draw less power.
    assert capped.facility["it_power_w"].max() < fifo.facility["it_power_w"].max()


def test_the_tutorial_shows_the_example_file_as_it_is():
    from conftest import REPO
    with open(os.path.join(REPO, "python", "examples", "shortest_job_first.py")) as f:
        source = f.read()
    with open(os.path.join(REPO, "docs", "tutorials", "writing-a-policy-in-python.md")) as f:
        tutorial = f.read()
    code = source[source.index("import joule"):]
    start = tutorial.index("import joule", tutorial.index("```python"))
    assert tutorial[start:tutorial.index("```", start)] == code
