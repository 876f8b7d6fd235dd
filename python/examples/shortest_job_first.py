"""Shortest job first, in Python: the tutorial's policy (docs/tutorials/writing-a-policy.md),
line for line the C++ one in models/scheduling/example_sjf.cpp, registered as
`shortest-job-first-py`.

At every call, waiting jobs are taken in order of their estimated run time, shortest first
(ties: arrival order), and each one that fits in the free nodes starts at once.

Compare it with the built-in policies in one command (docs/tutorials/writing-a-policy-in-python.md):

    PYTHONPATH=build/python python3 -m joule compare scenarios/policies/compare.yaml \
        --policy-file python/examples/shortest_job_first.py \
        -p shortest-job-first-py -p shortest-job-first -p fifo -p easy-backfill
"""

import joule


@joule.register_policy("shortest-job-first-py")
class ShortestJobFirst(joule.Policy):
    """Tutorial example in Python: the shortest waiting jobs start first, with no reservation"""

    keys = {"max_nodes": ("0", "largest job (nodes) allowed to start; 0: any")}

    def __init__(self, max_nodes=0):
        if max_nodes < 0:
            raise ValueError(f"max_nodes must be >= 0, got {max_nodes}")
        self.max_nodes = max_nodes

    def schedule(self, ctx):
        def run_time(job):
            return ctx.estimate(job, ctx.power_cap_w(job)).run_time_s

        for job in sorted(ctx.queue(), key=run_time):  # sorted() is stable: arrival order ties
            if self.max_nodes > 0 and job.nodes > self.max_nodes:
                continue
            if job.nodes <= ctx.free_nodes():
                ctx.start(job)
