"""Command line: python3 -m joule_analysis {summary,plot,compare,reproduce,report,validate,gpu-power} ...

Exit codes: 0 ok, 2 bad input (missing/unreadable file, bad option), 1 a reproduction replay
outside its 1 % tolerance or not run.
"""

import argparse
import os
import sys

import pandas as pd

from joule_analysis import compare, gpu_power, kpi, plots, report, reproduce, validate
from joule_analysis.runfile import NotAJouleFile, Run, labels_for


def cmd_summary(args):
    runs = [Run(p) for p in args.files]
    dicts = [kpi.kpis(r) for r in runs]
    labels = labels_for(runs)
    keys = kpi.present_rows(dicts)
    header = ["KPI"] + labels
    if args.format == "csv":  # numbers as stored (repr precision), not formatted
        frame = pd.DataFrame([[d.get(k) for d in dicts] for k in keys], columns=labels,
                             index=pd.Index(keys, name="kpi"))
        sys.stdout.write(frame.to_csv())
    else:
        frame = pd.DataFrame([[kpi.fmt(d.get(k)) for d in dicts] for k in keys],
                             columns=labels, index=pd.Index([kpi.LABELS[k] for k in keys],
                                                            name=header[0]))
        sys.stdout.write(frame.to_markdown(colalign=["left"] + ["right"] * len(labels)) + "\n")
    bad = [lab for lab, d in zip(labels, dicts) if d["trace_check"] != "ok"]
    for lab in bad:
        print(f"warning: {lab}: traces do not integrate to /summary", file=sys.stderr)
    return 0


def cmd_plot(args):
    run = Run(args.file)
    outdir = args.output or "."
    panels = args.panels.split(",") if args.panels else plots.PANELS
    unknown = [p for p in panels if p not in plots.PANELS]
    if unknown:
        raise ValueError(f"unknown panel {', '.join(unknown)}; valid: {', '.join(plots.PANELS)}")
    for panel, path, note in plots.plot_run(run, outdir, args.format, panels):
        if path:
            print(f"wrote {path}")
        else:
            print(f"skipped {panel}: {note}")
    return 0


def cmd_compare(args):
    cmp_ = compare.load(args.inputs)
    if cmp_.table.empty:
        sys.stdout.write(compare.warnings_text(cmp_))
        raise ValueError("no successful runs to compare")
    text = compare.table(cmp_, args.format, all_kpis=args.all)
    if args.relative and len(cmp_.table) > 1 and args.format != "csv":
        text += "\nRelative to " + cmp_.labels[0] + ":\n\n" + compare.table(
            cmp_, args.format, all_kpis=args.all, relative=True)
    sys.stdout.write(text)
    # Warnings always show, after the table (stderr too, so that a pipe still sees them).
    warn = compare.warnings_text(cmp_)
    if args.format == "csv":
        sys.stderr.write(warn)
    else:
        sys.stdout.write("\n" + warn)
    if args.output:
        os.makedirs(args.output, exist_ok=True)
        ext = "csv" if args.format == "csv" else "md"
        table_path = os.path.join(args.output, f"compare.{ext}")
        with open(table_path, "w") as f:
            f.write(compare.table(cmp_, args.format, all_kpis=True, width=10**6))
            if args.format != "csv":
                f.write("\n" + warn)
        print(f"wrote {table_path}", file=sys.stderr)
        for chart in compare.charts(cmp_, args.output, args.chart_format):
            print(f"wrote {chart}", file=sys.stderr)
    return 0


def cmd_report(args):
    path = report.write(args.inputs, args.output)
    print(f"wrote {path}")
    return 0


def cmd_reproduce(args):
    scenario_dir = args.scenarios or reproduce.default_scenario_dir()
    joule = None if args.reuse else reproduce.joule_binary(args.joule)
    if not args.reuse and joule is None:
        print("joule_analysis reproduce: no joule binary (give --joule PATH, set JOULE_BIN, or "
              "build ./build/joule); or pass --reuse to read existing outputs", file=sys.stderr)
        return 2
    modes = reproduce.MODES if args.mode == "both" else (args.mode,)
    only = set(args.only.split(",")) if args.only else None
    results = reproduce.reproduce(scenario_dir, args.outputs, joule=joule, reuse=args.reuse,
                                  modes=modes, only=only,
                                  log=lambda m: print(m, file=sys.stderr))
    text, failures = reproduce.report(results, args.format)
    sys.stdout.write(text)
    if failures:
        print("\nreplay checks failed (must match the publication within 1 %):", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        return 1
    return 0


def cmd_gpu_power(args):
    measured = gpu_power.read_measured(args.measured) if args.measured else None
    written, rows, ks = gpu_power.plot(args.file, args.output or ".", args.format, measured)
    for p in written:
        print(f"wrote {p}")
    frame = pd.DataFrame(rows, columns=["quantile", "GPU power (W)"])
    sys.stdout.write(frame.to_markdown(index=False, colalign=["left", "right"]) + "\n")
    if ks is not None:
        print(f"Kolmogorov-Smirnov distance to {args.measured}: {ks:.3f}")
    return 0


def cmd_plot_swing(args):
    from . import swing
    try:
        print(f"wrote {swing.plot(args.file, args.output or '.', args.format)}")
    except swing.NoSwing as e:
        print(f"joule_analysis plot-swing: {e}", file=sys.stderr)
        return 2
    return 0


def cmd_validate(args):
    cases_dir = args.cases or validate.default_cases_dir()
    paths = validate.discover(cases_dir, args.only.split(",") if args.only else None)
    if not paths:
        print(f"joule_analysis validate: no cases in {cases_dir}", file=sys.stderr)
        return 2
    try:
        cases = [validate.load_case(p) for p in paths]
    except validate.CaseError as e:
        print(f"joule_analysis validate: {e}", file=sys.stderr)
        return 2
    joule = reproduce.joule_binary(args.joule)
    if joule is None and any(c["kind"] == "scenario" for c in cases) and not args.reuse:
        print("joule_analysis validate: no joule binary (give --joule PATH, set JOULE_BIN, or "
              "build ./build/joule)", file=sys.stderr)
        return 2
    probes = args.probes or validate.default_probes_dir(joule)
    gaps = None if args.strict else []
    rows, failures = validate.validate(cases, joule, probes, args.outputs, reuse=args.reuse,
                                       log=lambda m: print(m, file=sys.stderr), gaps=gaps,
                                       uncertainty=args.uncertainty, jobs=args.jobs)
    sys.stdout.write(validate.report(rows, args.format))
    if args.uncertainty:
        inside, banded, total = validate.coverage(rows)
        print(f"\nCoverage: {inside} of {banded} published figures inside their P5–P95 "
              f"(joule run --uncertainty {args.uncertainty}); {total - banded} of {total} "
              "figures have no band (probe cases evaluate one model at fixed coefficients, or "
              "the run failed)")
    if args.sources:
        sys.stdout.write("\n" + validate.sources(cases))
    if gaps:
        print(f"\n{len(gaps)} known gap(s), out of tolerance and explained in their case "
              "(--strict fails on them):", file=sys.stderr)
        for g in gaps:
            print("  " + g, file=sys.stderr)
    if failures:
        print(f"\n{len(failures)} validation check(s) out of tolerance:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        return 1
    return 0


def parser():
    p = argparse.ArgumentParser(prog="joule_analysis",
                                description="Tables and figures from Joule's HDF5 output")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("summary", help="KPI table of one or more runs")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    s.set_defaults(func=cmd_summary)

    s = sub.add_parser("plot", help="figures of one run (one file per panel)")
    s.add_argument("file", metavar="FILE")
    s.add_argument("-o", "--output", metavar="DIR", help="output folder (default: .)")
    s.add_argument("--format", choices=plots.FORMATS, default="png")
    s.add_argument("--panels", help="comma-separated subset of: " + ", ".join(plots.PANELS))
    s.set_defaults(func=cmd_plot)

    s = sub.add_parser("compare", help="KPIs side by side: table, warnings and charts")
    s.add_argument("inputs", nargs="+", metavar="FILE|SWEEP_DIR|summary.h5|summary.csv")
    s.add_argument("-o", "--output", metavar="DIR",
                   help="also write compare.md (or .csv, every KPI) and the charts there")
    s.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    s.add_argument("--chart-format", choices=plots.FORMATS, default="png")
    s.add_argument("--all", action="store_true",
                   help="every KPI (default: energy, PUE, emissions, cost, water, waits, "
                        "makespan, GPU utilization, unmet heat)")
    s.add_argument("--relative", action="store_true",
                   help="also print each KPI relative to the first run, in %%")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("report", help="one self-contained HTML page: KPIs, warnings, "
                                      "interactive plots, scenario, provenance")
    s.add_argument("inputs", nargs="+", metavar="FILE|SWEEP_DIR|summary.h5|summary.csv")
    s.add_argument("-o", "--output", metavar="HTML", default="report.html",
                   help="default: report.html")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("reproduce", help="published training runs: paper vs simulation")
    s.add_argument("--joule", metavar="PATH", help="joule binary (default: $JOULE_BIN, "
                                                   "then ./build/joule)")
    s.add_argument("--outputs", metavar="DIR", default=os.path.join("out", "reproduce"),
                   help="where run outputs go (default: out/reproduce)")
    s.add_argument("--reuse", action="store_true",
                   help="read existing outputs in --outputs instead of running")
    s.add_argument("--scenarios", metavar="DIR", help="default: scenarios/reproduce")
    s.add_argument("--mode", choices=("replay", "predictive", "both"), default="both")
    s.add_argument("--only", metavar="IDS",
                   help="comma-separated subset of: " + ", ".join(c.id for c in reproduce.CASES))
    s.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    s.set_defaults(func=cmd_reproduce)
    s = sub.add_parser("gpu-power", help="per-GPU power distribution: CDF and per-interval map")
    s.add_argument("file", metavar="FILE")
    s.add_argument("-o", "--output", metavar="DIR", help="output folder (default: .)")
    s.add_argument("--format", choices=plots.FORMATS, default="png")
    s.add_argument("--measured", metavar="CSV", help="measured CDF to overlay (power_w, cdf)")
    s.set_defaults(func=cmd_gpu_power)

    s = sub.add_parser("plot-swing", help="power swings: sub-second trace and its spectrum "
                                          "(/swing, docs/power-swings.md)")
    s.add_argument("file", metavar="FILE")
    s.add_argument("-o", "--output", metavar="DIR", help="output folder (default: .)")
    s.add_argument("--format", choices=plots.FORMATS, default="png")
    s.set_defaults(func=cmd_plot_swing)

    s = sub.add_parser("validate", help="validation suite (validation/): published vs simulated; "
                                        "exit 1 when a case leaves its tolerance")
    s.add_argument("--joule", metavar="PATH", help="joule binary (default: $JOULE_BIN, "
                                                   "then ./build/joule)")
    s.add_argument("--cases", metavar="DIR", help="default: validation/")
    s.add_argument("--probes", metavar="DIR",
                   help="probe executables (default: $JOULE_PROBES, then validation/probes "
                        "beside the joule binary)")
    s.add_argument("--outputs", metavar="DIR", default=os.path.join("out", "validate"),
                   help="where scenario outputs go (default: out/validate)")
    s.add_argument("--reuse", action="store_true", help="read existing scenario outputs")
    s.add_argument("--only", metavar="TEXT", help="comma-separated parts of case paths")
    s.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    s.add_argument("--strict", action="store_true",
                   help="cases marked known_gap fail too")
    s.add_argument("--sources", action="store_true",
                   help="also list each case's input, prediction and source")
    s.add_argument("--uncertainty", metavar="N", type=int, default=0,
                   help="run scenario cases with `joule run --uncertainty N` and state how many "
                        "published figures fall inside their P5–P95 (docs/uncertainty.md)")
    s.add_argument("-j", "--jobs", type=int, default=0,
                   help="with --uncertainty: samples run at a time (default: the cores)")
    s.set_defaults(func=cmd_validate)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (NotAJouleFile, ValueError, OSError) as e:
        print(f"joule_analysis {args.command}: {e}", file=sys.stderr)
        return 2
