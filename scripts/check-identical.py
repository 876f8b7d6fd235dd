#!/usr/bin/python3
"""Checks that two builds of Joule write bit-identical outputs on every shipped scenario.

    scripts/check-identical.py A [B] [--duration 6h] [--set KEY=VALUE]... [--sweeps]
                               [--only TEXT] [--keep DIR] [--float32 PATTERN]...

A and B are each a `joule` binary or a git revision (a revision is checked out in a temporary
worktree under /tmp/joule-identical/ and its `joule` target built there, with ccache when
present). B defaults to ./build/joule. Every scenario under scenarios/ (not data/ or traces/;
sweep files only with --sweeps) runs under both with `--set duration=...` (6 h unless told),
plus any --set overrides (e.g. --set scheduler.policy=carbon-aware), and the two HDF5 files are
compared dataset by dataset (raw bytes, so NaN = NaN and -0 != 0)
and attribute by attribute. Each difference is named: file, object path, attribute, and both
values (or the first differing element). Fields that legitimately differ between builds
(wall-clock time, version, git revision) are ignored; --ignore adds names.

Datasets stored as float32 since #20 (the per-rack matrices /racks/*, the GPU power histogram
/gpu_power/gpu_seconds and, since its eleventh part, the facility traces but for time, time_s,
it_energy_kwh and energy_kwh; --float32 replaces the list) compared with a float64 reference are
identical when their values are the reference's rounded to float32 (round to nearest, numpy's
astype): they are reported as "float64 -> float32, values equal to float32 rounding" and not
counted as differences. Any other change of dtype is a difference.

Exit status: 0 identical, 1 differences found, 2 usage or build error.
"""

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Names (attribute or object, matched against the last path component) that differ between two
# builds by design: run time, the build's identity (`source` is the CF attribute naming the
# program and its revision), when and where it ran.
VOLATILE = ["wall_s", "git_revision", "git_dirty", "joule_version", "source", "provenance*",
            "created*", "host*"]
# Datasets written as float32 since #20 (app/run.cpp, docs/output-format.md): full paths.
FLOAT32 = ["racks/*", "gpu_power/gpu_seconds",
           # the facility traces since #20's eleventh part (not time, time_s and the two
           # cumulative energies, which stay float64); fnmatch's * crosses "/"
           "facility/*_w", "facility/pue", "facility/*_c", "facility/carbon_gco2_per_kwh",
           "facility/price_usd_per_mwh", "facility/water_l", "facility/battery_soc"]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def resolve(spec, cache):
    """A joule binary for SPEC: the path itself, or a build of git revision SPEC."""
    if os.path.isfile(spec) and os.access(spec, os.X_OK):
        return os.path.abspath(spec)
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--verify", spec + "^{commit}"],
                             check=True, capture_output=True, text=True).stdout.strip()
    except subprocess.CalledProcessError:
        sys.exit(f"check-identical: '{spec}' is neither an executable nor a git revision")
    tree = os.path.join(cache, rev[:12])
    binary = os.path.join(tree, "build", "joule")
    if os.path.exists(binary):
        return binary
    if not os.path.isdir(tree):
        sh(["git", "-C", ROOT, "worktree", "add", "--detach", tree, rev],
           stdout=subprocess.DEVNULL)
    launcher = []
    if shutil.which("ccache"):
        launcher = ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
    print(f"building {spec} ({rev[:12]}) in {tree} ...", file=sys.stderr)
    sh(["cmake", "-S", tree, "-B", os.path.join(tree, "build"), "-G", "Ninja",
        "-DCMAKE_BUILD_TYPE=Release", "-DJOULE_BUILD_KERNELS=OFF"] + launcher,
       stdout=subprocess.DEVNULL)
    sh(["cmake", "--build", os.path.join(tree, "build"), "-j2", "--target", "joule"],
       stdout=subprocess.DEVNULL)
    return binary


def shipped(sweeps):
    """Scenario files (and sweep files when asked) under scenarios/, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, "scenarios")):
        dirnames[:] = sorted(d for d in dirnames if d not in ("data", "traces"))
        for f in sorted(filenames):
            if not f.endswith(".yaml"):
                continue
            path = os.path.join(dirpath, f)
            with open(path) as fh:
                text = fh.read()
            is_sweep = "\naxes:" in "\n" + text
            if is_sweep and not sweeps:
                continue
            out.append((path, is_sweep))
    return out


def volatile(name, extra):
    last = name.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(last, p) for p in VOLATILE + extra)


def show(v):
    if isinstance(v, bytes):
        v = v.decode(errors="replace")
    s = repr(v)
    return s if len(s) <= 80 else s[:77] + "..."


def plain(v, f):
    """An attribute value with every object reference replaced by the path it points to.

    Dimension scales (DIMENSION_LIST, REFERENCE_LIST) hold HDF5 object references: file
    addresses, which never compare equal across two files even when they name the same object.
    """
    if isinstance(v, h5py.Reference):
        return f[v].name if v else None
    if isinstance(v, np.void):
        v = v.item()
    if isinstance(v, (np.ndarray, tuple, list)):
        return [plain(x, f) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def compare_attrs(where, a, b, extra, diffs):
    for key in sorted(set(a.attrs) | set(b.attrs)):
        if volatile(key, extra):
            continue
        if key not in b.attrs:
            diffs.append(f"{where}@{key}: only in A ({show(a.attrs[key])})")
        elif key not in a.attrs:
            diffs.append(f"{where}@{key}: only in B ({show(b.attrs[key])})")
        else:
            va, vb = np.asarray(a.attrs[key]), np.asarray(b.attrs[key])
            if va.dtype != vb.dtype or va.shape != vb.shape or va.tobytes() != vb.tobytes():
                if va.dtype.kind in "OV" or vb.dtype.kind in "OV":
                    if plain(va, a.file) == plain(vb, b.file):
                        continue
                diffs.append(f"{where}@{key}: A {show(a.attrs[key])} != B {show(b.attrs[key])}")


def rounded_to_float32(oa, ob, name, float32):
    """True when one of the datasets is float64 and the other float32, NAME is one of the
    float32 datasets, and the float32 values are the float64 ones rounded to float32."""
    if not any(fnmatch.fnmatch(name, p) for p in float32) or oa.shape != ob.shape:
        return False
    kinds = {oa.dtype.str.lstrip("<>="), ob.dtype.str.lstrip("<>=")}
    if kinds != {"f8", "f4"}:
        return False
    wide, narrow = (oa, ob) if oa.dtype.itemsize == 8 else (ob, oa)
    return np.asarray(wide[()]).astype(np.float32).tobytes() == \
        np.asarray(narrow[()], dtype=np.float32).tobytes()


def compare_h5(pa, pb, extra, float32=(), notes=None):
    diffs = []
    with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
        names_a, names_b = set(), set()
        fa.visit(names_a.add)
        fb.visit(names_b.add)
        compare_attrs("/", fa, fb, extra, diffs)
        for name in sorted(names_a | names_b):
            if volatile(name, extra):
                continue
            if name not in names_b:
                diffs.append(f"/{name}: only in A")
                continue
            if name not in names_a:
                diffs.append(f"/{name}: only in B")
                continue
            oa, ob = fa[name], fb[name]
            compare_attrs("/" + name, oa, ob, extra, diffs)
            if isinstance(oa, h5py.Group) != isinstance(ob, h5py.Group):
                diffs.append(f"/{name}: group in one, dataset in the other")
                continue
            if isinstance(oa, h5py.Group):
                continue
            if oa.dtype != ob.dtype or oa.shape != ob.shape:
                if rounded_to_float32(oa, ob, name, float32):
                    if notes is not None:
                        notes.append(f"/{name}: {oa.dtype} -> {ob.dtype}, values equal to "
                                     "float32 rounding")
                    continue
                diffs.append(f"/{name}: A {oa.dtype}{oa.shape} != B {ob.dtype}{ob.shape}")
                continue
            da, db = oa[()], ob[()]
            if oa.dtype.kind == "O":
                if np.asarray(da).tolist() != np.asarray(db).tolist():
                    diffs.append(f"/{name}: strings differ")
                continue
            ba, bb = np.asarray(da), np.asarray(db)
            if ba.tobytes() != bb.tobytes():
                flat_a, flat_b = ba.reshape(-1), bb.reshape(-1)
                first = next(i for i in range(flat_a.size)
                             if flat_a[i].tobytes() != flat_b[i].tobytes())
                count = sum(flat_a[i].tobytes() != flat_b[i].tobytes()
                            for i in range(flat_a.size))
                diffs.append(f"/{name}: {count} of {flat_a.size} elements differ, first at "
                             f"[{first}]: A {show(flat_a[first])} != B {show(flat_b[first])}")
    return diffs


def run(binary, scenario, is_sweep, out, duration, sets=()):
    if is_sweep:
        cmd = [binary, "sweep", scenario, "-o", out, "-j", "1", "--force", "--quiet"]
    else:
        cmd = [binary, "run", scenario, "-o", out, "--force", "--quiet"]
        if duration:
            cmd += ["--set", "duration=" + duration]
        for s in sets:
            cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stderr.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", help="joule binary or git revision (the reference)")
    ap.add_argument("b", nargs="?", default=os.path.join(ROOT, "build", "joule"),
                    help="joule binary or git revision (default ./build/joule)")
    ap.add_argument("--duration", default="6 h",
                    help="simulated time of each scenario run ('' = as the file says)")
    ap.add_argument("--set", action="append", default=[], dest="sets",
                    help="another scenario override for both runs (repeatable)")
    ap.add_argument("--sweeps", action="store_true", help="also run the sweep files (slower)")
    ap.add_argument("--only", default="", help="substring a scenario path must contain")
    ap.add_argument("--ignore", action="append", default=[],
                    help="another attribute/object name pattern to ignore")
    ap.add_argument("--keep", help="folder to keep the outputs in (default: temporary)")
    ap.add_argument("--float32", action="append", default=None,
                    help="dataset path pattern stored as float32, compared with a float64 "
                         "reference after rounding (repeatable; default: "
                         + ", ".join(FLOAT32) + ")")
    args = ap.parse_args()

    cache = "/tmp/joule-identical"
    os.makedirs(cache, exist_ok=True)
    bin_a, bin_b = resolve(args.a, cache), resolve(args.b, cache)
    work = args.keep or tempfile.mkdtemp(prefix="joule-identical-")
    os.makedirs(work, exist_ok=True)

    total = 0
    for scenario, is_sweep in shipped(args.sweeps):
        rel = os.path.relpath(scenario, ROOT)
        if args.only not in rel:
            continue
        tag = rel.replace("/", "_")[:-5]
        outs = []
        for side, binary in (("A", bin_a), ("B", bin_b)):
            out = os.path.join(work, f"{tag}.{side}" + ("" if is_sweep else ".h5"))
            rc, err = run(binary, scenario, is_sweep, out, args.duration, args.sets)
            outs.append((rc, err, out))
        (rca, erra, oa), (rcb, errb, ob) = outs
        if rca != 0 or rcb != 0:
            if rca == rcb and erra.replace(bin_a, "") == errb.replace(bin_b, ""):
                print(f"{rel}: not run by either build (exit {rca}: "
                      f"{erra.splitlines()[0] if erra else ''})")
            else:
                total += 1
                print(f"{rel}: DIFFERS: exit A {rca} ({erra[:200]}), B {rcb} ({errb[:200]})")
            continue
        pairs = [(oa, ob)]
        if is_sweep:
            pairs = [(os.path.join(oa, f), os.path.join(ob, f))
                     for f in sorted(os.listdir(oa)) if f.endswith(".h5")]
            missing = sorted(set(os.listdir(ob)) ^ set(os.listdir(oa)))
            if missing:
                print(f"{rel}: files in one output only: {', '.join(missing)}")
                total += 1
        diffs, notes = [], []
        float32 = FLOAT32 if args.float32 is None else args.float32
        for pa, pb in pairs:
            if not os.path.exists(pb):
                continue
            prefix = os.path.basename(pa) + ":" if is_sweep else ""
            found = []
            diffs += [prefix + d for d in compare_h5(pa, pb, args.ignore, float32, found)]
            notes += [prefix + n for n in found]
        if diffs:
            total += len(diffs)
            print(f"{rel}: {len(diffs)} difference(s)")
            for d in diffs:
                print("  " + d)
        elif notes:
            print(f"{rel}: identical but for {len(notes)} dataset(s) now float32")
        else:
            print(f"{rel}: identical")
        for n in notes:
            print("  " + n)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print("identical" if total == 0 else f"{total} difference(s)")
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
