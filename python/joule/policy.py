"""Scheduling policies written in Python (docs/tutorials/writing-a-policy-in-python.md).

A policy is a class with schedule(self, ctx), called exactly when the C++ Policy::schedule is
(models/scheduling/policy.hpp): at t = 0 and whenever a job arrives or ends, a node finishes
waking, or a time asked for with ctx.wake_at(t_s) comes. `ctx` is a joule.SchedulerContext:

    ctx.now_s                      simulated time (s)
    ctx.queue(), ctx.running()     [joule.Job]: id, name, submit_s, nodes, gpus, work_s,
                                   flexible, deadline_s, state, start_s, end_s, node_ids
    ctx.free_nodes(), ctx.nodes()  count; [joule.Node]: id, rack, free, power_w, inlet_c, state,
                                   since_s, ready_at_s, job, accelerators_w, clock, die_c
    ctx.estimate(job, cap_w=None)  .run_time_s, .added_power_w at a per-accelerator cap
    ctx.estimated_end_s(job), ctx.hops(a, b)
    ctx.it_power_w(), ctx.facility_power_w(), ctx.facility_power_at_w(it_w)
    ctx.power_cap_range_w(), ctx.power_cap_w(job)
    ctx.carbon_g_per_kwh(t_s=None), ctx.price_usd_per_mwh(t_s=None), ctx.outdoor_drybulb_c(t_s=None)
    ctx.start(job, nodes=[]), ctx.set_power_cap(job, cap_w), ctx.power_down(node),
    ctx.power_up(node), ctx.wake_at(t_s)

Jobs and nodes are views valid during the call that handed them out: keep ids, not objects.
"""

from . import _core


class Policy:
    """Base class (optional: any class with schedule(ctx) will do). Keys the policy declares in
    `keys` are read from the scenario's `scheduler:` section and passed to __init__ by name."""

    # {key: (default, help)} or {key: (default, unit, help)}; the default's form decides the
    # type passed in: int ("0"), float ("0.5"), bool ("true"), else str.
    keys = {}

    def schedule(self, ctx):
        raise NotImplementedError("a policy defines schedule(self, ctx)")


def register_policy(name, cls=None, summary=None, keys=None):
    """Registers `cls` as scheduling policy `name`, selectable as `scheduler.policy: name` in any
    scenario run in this process, and listed by joule.models("policy"). Usable as a decorator:
    @joule.register_policy("my-policy"). The name must not be taken (C++ policies included)."""
    if cls is None:
        return lambda c: register_policy(name, c, summary, keys)
    declared = getattr(cls, "keys", {}) if keys is None else keys
    rows = []
    for key, spec in declared.items():
        spec = tuple(str(s) for s in (spec if isinstance(spec, (tuple, list)) else (spec,)))
        default, unit, help_ = (spec + ("", "", ""))[:3] if len(spec) != 2 else \
            (spec[0], "", spec[1])
        rows.append((key, unit, default, help_))
    if summary is None:
        doc = (cls.__doc__ or "").strip()
        summary = doc.splitlines()[0] if doc else "(Python policy)"
    _core.register_policy(name, cls, summary, rows)
    return cls
