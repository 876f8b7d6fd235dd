#!/usr/bin/python3
"""Output cost per trace: what deflate costs and saves for each dataset of a Joule HDF5 file.

    bench/bench_output.py FILE.h5 [--levels 0,1,4,6,9]

For every chunked dataset of FILE (a run's output), the stored values are byte-shuffled and
deflated the way Joule's writer does (HDF5's shuffle + deflate filters: the same zlib on the
same bytes, in 64 KiB pieces), at each level, as float64 and as float32. Prints per trace and
in total: raw size, compressed size and the CPU time of compression, and the largest relative
error of float32 against the float64 values. The time is the process CPU time of zlib alone;
HDF5's own work on top of it (chunk index, I/O) is not counted.
"""
import argparse
import time
import zlib

import h5py
import numpy as np

CHUNK = 64 * 1024


def shuffle(raw, itemsize):
    # HDF5's shuffle filter: byte k of every element, then byte k + 1, ...
    a = np.frombuffer(raw, dtype=np.uint8).reshape(-1, itemsize)
    return a.T.copy().tobytes()


def deflate(values, level):
    raw = values.tobytes()
    step = CHUNK - CHUNK % values.itemsize
    start = time.process_time()
    size = 0
    for i in range(0, len(raw), step):
        size += len(zlib.compress(shuffle(raw[i:i + step], values.itemsize), level))
    return size, time.process_time() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--levels", default="1,4,6,9")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    rows = []
    with h5py.File(args.file, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.chunks and obj.dtype == np.float64:
                rows.append((name, obj[()].ravel()))
        f.visititems(visit)
    head = f"{'trace':38s} {'raw MiB':>8s}"
    for lv in levels:
        head += f" {'L' + str(lv) + ' MiB':>8s} {'L' + str(lv) + ' ms':>8s}"
    head += f" {'f32 L' + str(levels[0]) + ' MiB':>12s} {'f32 rel err':>11s}"
    print(head)
    total = np.zeros((len(levels), 2))
    total_raw = 0
    f32_total = 0
    for name, v in sorted(rows, key=lambda r: -r[1].nbytes):
        line = f"{name[:38]:38s} {v.nbytes / 2**20:8.2f}"
        total_raw += v.nbytes
        for k, lv in enumerate(levels):
            size, cpu = deflate(v, lv)
            total[k] += (size, cpu)
            line += f" {size / 2**20:8.2f} {cpu * 1e3:8.1f}"
        v32 = v.astype(np.float32)
        size32, _ = deflate(v32, levels[0])
        f32_total += size32
        finite = np.isfinite(v) & (v != 0)
        err = np.max(np.abs(v32[finite] / v[finite] - 1)) if finite.any() else 0.0
        line += f" {size32 / 2**20:12.2f} {err:11.1e}"
        if v.nbytes >= 2**16:
            print(line)
    line = f"{'total (all traces)':38s} {total_raw / 2**20:8.2f}"
    for k in range(len(levels)):
        line += f" {total[k][0] / 2**20:8.2f} {total[k][1] * 1e3:8.1f}"
    line += f" {f32_total / 2**20:12.2f}"
    print(line)


if __name__ == "__main__":
    main()
