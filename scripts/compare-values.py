#!/usr/bin/python3
"""How far apart two builds' outputs are: the largest relative difference of every numeric
dataset and attribute, for a change of last bits that is named (not for bit-identity: use
scripts/check-identical.py, whose --keep folder this reads).

    scripts/compare-values.py DIR            pairs DIR/*.A.h5 with DIR/*.B.h5
    scripts/compare-values.py A.h5 B.h5      one pair

For each pair: the datasets and attributes that differ, each with its largest relative
difference |a - b| / max(|a|, |b|) over its elements and where it is, the largest first (a
zero in one and not the other counts as 1). Datasets of another dtype or shape are listed as
such. Exit status 0.
"""

import fnmatch
import glob
import importlib.util
import os
import sys

import h5py
import numpy as np


# The names that differ between builds by design, as scripts/check-identical.py lists them.
_spec = importlib.util.spec_from_file_location(
    "check_identical", os.path.join(os.path.dirname(os.path.abspath(__file__)), "check-identical.py"))
_ci = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ci)


def volatile(name):
    return any(fnmatch.fnmatch(name.rsplit("/", 1)[-1], p) for p in _ci.VOLATILE)


def rel_diff(a, b):
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    if same.all():
        return 0.0, None
    scale = np.maximum(np.abs(a), np.abs(b))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(same, 0.0, np.abs(a - b) / np.where(scale > 0, scale, 1.0))
    r = np.nan_to_num(r, nan=1.0)
    i = int(np.argmax(r))
    return float(r[i]), (i, float(a[i]), float(b[i]))


def numeric(x):
    return np.asarray(x).dtype.kind in "fiu"


def compare(pa, pb):
    rows, other = [], []
    with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
        names = set()
        fa.visit(names.add)
        for name in sorted(names | {"."}):
            if name != "." and (name not in fb or volatile(name)):
                continue
            oa, ob = (fa, fb) if name == "." else (fa[name], fb[name])
            for key in oa.attrs:
                if volatile(key):
                    continue
                if key in ob.attrs and numeric(oa.attrs[key]) and numeric(ob.attrs[key]):
                    va, vb = np.asarray(oa.attrs[key]), np.asarray(ob.attrs[key])
                    if va.shape == vb.shape:
                        r, at = rel_diff(va, vb)
                        if r > 0:
                            rows.append((r, f"/{name}@{key}", at))
            if isinstance(oa, h5py.Dataset) and isinstance(ob, h5py.Dataset):
                if oa.dtype.kind not in "fiu":
                    continue
                if oa.shape != ob.shape or oa.dtype != ob.dtype:
                    other.append(f"/{name}: {oa.dtype}{oa.shape} vs {ob.dtype}{ob.shape}")
                    continue
                r, at = rel_diff(oa[()], ob[()])
                if r > 0:
                    rows.append((r, f"/{name}", at))
    return sorted(rows, key=lambda x: -x[0]), other


def main(argv):
    if len(argv) == 2 and os.path.isdir(argv[1]):
        pairs = [(a, a[:-5] + ".B.h5") for a in sorted(glob.glob(os.path.join(argv[1], "*.A.h5")))]
    elif len(argv) == 3:
        pairs = [(argv[1], argv[2])]
    else:
        print(__doc__)
        return 2
    overall = 0.0
    for pa, pb in pairs:
        if not os.path.exists(pb):
            continue
        rows, other = compare(pa, pb)
        label = os.path.basename(pa)[:-5]
        if not rows and not other:
            print(f"{label}: identical values")
            continue
        print(f"{label}: {len(rows)} differ, largest relative difference "
              f"{rows[0][0]:.3g}" if rows else f"{label}:")
        for r, where, at in rows[:12]:
            i, a, b = at
            print(f"  {r:.3g}  {where}[{i}]  {a!r} vs {b!r}")
        if len(rows) > 12:
            print(f"  ... {len(rows) - 12} more")
        for o in other:
            print("  " + o)
        if rows:
            overall = max(overall, rows[0][0])
    print(f"largest relative difference over all: {overall:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
