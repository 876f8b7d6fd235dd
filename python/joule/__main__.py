"""python3 -m joule compare SCENARIO [--policy-file FILE]... [-p POLICY]... [--set K=V]...

Runs one scenario under several scheduling policies, Python ones loaded from --policy-file
(files that call joule.register_policy) and built-in ones, and prints their KPIs side by side
(joule_analysis.compare, the table `analysis/joule compare` prints). Default policies: those
the files register, then fifo, easy-backfill and shortest-job-first.
"""

import argparse
import os
import runpy
import sys
import tempfile

import joule


def compare(args):
    before = set(joule.policies())
    for path in args.policy_file:
        runpy.run_path(path, run_name=os.path.splitext(os.path.basename(path))[0])
    added = [p for p in joule.policies() if p not in before]
    policies = args.policy or added + ["fifo", "easy-backfill", "shortest-job-first"]
    from joule_analysis import compare as cmp
    outdir = args.output or tempfile.mkdtemp(prefix="joule-compare-")
    os.makedirs(outdir, exist_ok=True)
    paths = []
    for name in policies:
        path = os.path.join(outdir, f"policy-{name}.h5")
        print(f"joule: running {args.scenario} with scheduler.policy={name}", file=sys.stderr)
        joule.run(args.scenario, output=path, force=True,
                  set=list(args.set) + [f"scheduler.policy={name}"])
        paths.append(path)
    result = cmp.from_files(paths)
    print(cmp.table(result, fmt=args.format))
    print(cmp.warnings_text(result), end="")
    if not args.output:
        for p in paths:
            os.remove(p)
        os.rmdir(outdir)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m joule", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare", help="one scenario under several policies, KPIs side by side")
    c.add_argument("scenario")
    c.add_argument("--policy-file", action="append", default=[],
                   help="a Python file registering policies (repeatable)")
    c.add_argument("-p", "--policy", action="append", default=[],
                   help="a policy to run (repeatable; default: see above)")
    c.add_argument("--set", action="append", default=[], help="path.to.key=value (repeatable)")
    c.add_argument("-o", "--output", help="keep the run files in this folder")
    c.add_argument("--format", choices=["markdown", "csv"], default="markdown")
    args = ap.parse_args(argv)
    try:
        return compare(args)
    except joule.ScenarioError as e:
        print(e, file=sys.stderr)
        return 2
    except joule.PolicyError as e:
        print(f"joule: {e}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
