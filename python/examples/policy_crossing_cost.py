"""The cost of crossing into Python (docs/tutorials/writing-a-policy-in-python.md): the same
scenario under the C++ shortest-job-first and its Python twin (same decisions, so the same
run), with how many times the policy was called and what each call cost.

    PYTHONPATH=build/python python3 python/examples/policy_crossing_cost.py \
        scenarios/policies/compare.yaml --duration "2 d"
"""

import argparse
import time

import joule
from shortest_job_first import ShortestJobFirst

CALLS = {"sjf": 0, "sjf_s": 0.0}


@joule.register_policy("counted-sjf-py")
class CountedSjf(ShortestJobFirst):
    """The Python shortest-job-first, counting its calls and the time spent in them"""

    def schedule(self, ctx):
        t0 = time.perf_counter()
        super().schedule(ctx)
        CALLS["sjf_s"] += time.perf_counter() - t0
        CALLS["sjf"] += 1


@joule.register_policy("tick-py")
class Tick:
    """Starts nothing; asks to be called again every second: the bare rate of calls"""

    next_s = 0.0

    def schedule(self, ctx):
        CALLS["tick"] = CALLS.get("tick", 0) + 1
        if "ctx_s" not in CALLS:  # once: the cost of a call from Python into the context
            t0 = time.perf_counter()
            for _ in range(100000):
                ctx.free_nodes()
            CALLS["ctx_s"] = (time.perf_counter() - t0) / 100000
        if ctx.now_s >= self.next_s:  # one pending wake at a time (arrivals call it too)
            self.next_s = ctx.now_s + 1
            ctx.wake_at(self.next_s)


def wall(scenario, policy, sets):
    t0 = time.perf_counter()
    joule.run(scenario, set=sets + [f"scheduler.policy={policy}"])
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--duration", default="2 d")
    args = ap.parse_args()
    sets = [f"duration={args.duration}"]
    cpp = min(wall(args.scenario, "shortest-job-first", sets) for _ in range(2))
    CALLS.update(sjf=0, sjf_s=0.0)
    py = wall(args.scenario, "counted-sjf-py", sets)
    n = CALLS["sjf"]
    t_tick = wall(args.scenario, "tick-py", ["duration=1 d"])
    ticks = CALLS["tick"]
    print(f"scenario {args.scenario}, {args.duration}")
    print(f"C++ shortest-job-first      {cpp:8.2f} s wall")
    print(f"Python shortest-job-first   {py:8.2f} s wall, {n} calls, "
          f"{CALLS['sjf_s']:.2f} s inside schedule()")
    print(f"  decisions per second      {n / CALLS['sjf_s']:10.0f} (calls / time inside them)")
    print(f"  wall, Python - C++        {py - cpp:+10.2f} s ({1e6 * (py - cpp) / n:+.1f} us per call)")
    print(f"Python policy called every simulated second for 1 d: {ticks} calls in {t_tick:.2f} s "
          f"= {ticks / t_tick:.0f} calls/s (engine, the call into Python and wake_at together)")
    print(f"One call from Python into the context (ctx.free_nodes()): {1e9 * CALLS['ctx_s']:.0f} ns")


if __name__ == "__main__":
    main()
