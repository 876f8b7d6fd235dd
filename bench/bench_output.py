#!/usr/bin/python3
"""Output cost per trace: what deflate costs and saves for each dataset of a Joule HDF5 file.

    bench/bench_output.py FILE.h5 [--codec libdeflate|zlib] [--levels 1,4,6]
                          [--float32-levels 0,1,2,3,4,6] [--float64-levels 1,4,6]
                          [--shapes 16x0,256x128 [--shape-levels 1,2,3,4] [--shapes-only]]

--codec: the compressor, libdeflate (default: the writer's, `libdeflate_zlib_compress` through
ctypes, one compressor per level reused) or zlib (`zlib.compress`, i.e. `compress2`, the
writer's before #20's seventh part). Both write a zlib stream that HDF5's deflate filter reads;
libdeflate has levels 0-12, zlib 0-9.

Table 1, per trace: every chunked float dataset of FILE (a run's output) is compressed the way
Joule's writer does (the codec's call on the same bytes, chunk by chunk with the dataset's own
chunk shape), in the dtype it is stored in: first with its own filters (shuffle or
not, its deflate level: "stored", e.g. sL4 = shuffle + level 4, L3 = level 3 alone), then
byte-shuffled and deflated at each of --levels: raw size, compressed size and the CPU time of
compression. For float64 datasets it also gives the float32 size at the first level and the
largest relative error of float32 against the float64 values.

Table 2, the float32 format: the per-rack matrices (/racks/*) and the GPU power histogram
(/gpu_power/gpu_seconds) together, as float32, with and without the shuffle filter, at each of
--float32-levels: compressed size, CPU time and CPU milliseconds per MiB of raw data. This is
the measurement the writer's level for those datasets was chosen by (docs/reliability.md).

Table 3, the 1-D float32 traces (the facility's, float32 since #20's eleventh part) together,
with and without shuffle, at each of --float32-levels: the same columns. On a file written
before that, they are float64 and appear in Table 4 instead.

Table 4, the float64 traces (every float64 dataset of Table 1: the time coordinates, the
cumulative energies, and before #20's eleventh part every facility trace) together,
byte-shuffled as stored, at each of --float64-levels: the same columns.

Table 5 (--shapes ROWSxCOLUMNS,..., 0 columns = all): the float32 datasets of Table 2 again,
re-chunked in each shape (columns clipped to a dataset's width), without and with shuffle
(--shape-shuffle), at each of --shape-levels; and what a reader inflates of the widest of them in
that shape: one column's whole series and one row's every column (chunks, MiB). --shapes-only
prints Table 5 alone; --shape-rows FIRST:END measures a slice of the time rows.

The time is the process CPU time of shuffle + zlib alone, best of --repeat passes; HDF5's own
work on top of it (chunk index, I/O) is not counted.
"""
import argparse
import ctypes
import ctypes.util
import time
import zlib

import h5py
import numpy as np

FLOAT32_GROUPS = ("racks/", "gpu_power/gpu_seconds")


def shuffle(raw, itemsize):
    # HDF5's shuffle filter: byte k of every element, then byte k + 1, ...
    a = np.frombuffer(raw, dtype=np.uint8).reshape(-1, itemsize)
    return a.T.copy().tobytes()


def chunks_of(values, chunk_shape):
    """The dataset's chunks as bytes, row block by row block and, in a 2-D dataset, column block
    by column block within it; edge chunks padded with zeros to the full chunk shape (as HDF5
    stores them)."""
    rows = chunk_shape[0]
    cols = chunk_shape[1] if values.ndim == 2 else None
    out = []
    for start in range(0, values.shape[0], rows):
        for first in range(0, values.shape[1], cols) if cols else (None,):
            block = values[start:start + rows] if cols is None else \
                values[start:start + rows, first:first + cols]
            shape = (rows,) + ((cols,) if cols else block.shape[1:])
            if block.shape != shape:
                padded = np.zeros(shape, dtype=block.dtype)
                padded[tuple(slice(0, n) for n in block.shape)] = block
                block = padded
            out.append(np.ascontiguousarray(block).tobytes())
    return out


class LibDeflate:
    """libdeflate_zlib_compress with one compressor per level, as the writer keeps them."""

    def __init__(self):
        name = ctypes.util.find_library("deflate")
        if not name:
            raise SystemExit("bench_output: libdeflate not found (Debian: libdeflate0)")
        lib = ctypes.CDLL(name)
        lib.libdeflate_alloc_compressor.restype = ctypes.c_void_p
        lib.libdeflate_alloc_compressor.argtypes = [ctypes.c_int]
        lib.libdeflate_zlib_compress_bound.restype = ctypes.c_size_t
        lib.libdeflate_zlib_compress_bound.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.libdeflate_zlib_compress.restype = ctypes.c_size_t
        lib.libdeflate_zlib_compress.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                                 ctypes.c_void_p, ctypes.c_size_t]
        self.lib = lib
        self.compressors = {}
        self.out = ctypes.create_string_buffer(1)

    def __call__(self, data, level):
        c = self.compressors.get(level)
        if c is None:
            c = self.compressors[level] = self.lib.libdeflate_alloc_compressor(level)
            if not c:
                raise SystemExit(f"bench_output: libdeflate has no level {level} (0-12)")
        bound = self.lib.libdeflate_zlib_compress_bound(c, len(data))
        if len(self.out) < bound:
            self.out = ctypes.create_string_buffer(bound)
        n = self.lib.libdeflate_zlib_compress(c, data, len(data), self.out, bound)
        if n == 0:
            raise SystemExit("bench_output: libdeflate_zlib_compress failed")
        return n


CODEC = None  # set in main: a function (bytes, level) -> compressed size


def deflate(chunks, itemsize, level, use_shuffle, repeat):
    best, size = None, 0
    for _ in range(repeat):
        start = time.process_time()
        size = 0
        for raw in chunks:
            data = shuffle(raw, itemsize) if use_shuffle else raw
            size += CODEC(data, level)
        cpu = time.process_time() - start
        best = cpu if best is None else min(best, cpu)
    return size, best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--levels", default="1,4,6")
    ap.add_argument("--float32-levels", default="0,1,2,3,4,6")
    ap.add_argument("--float64-levels", default="1,4,6")
    ap.add_argument("--shapes", default="",
                    help="chunk shapes ROWSxCOLUMNS for Table 5, e.g. 16x0,64x512 (0: all columns)")
    ap.add_argument("--shape-levels", default="1,2,3,4")
    ap.add_argument("--shape-rows", default="",
                    help="FIRST:END: Table 5 on these time rows only (a long run's sample)")
    ap.add_argument("--shape-shuffle", choices=("both", "off", "on"), default="both",
                    help="Table 5's filters: without shuffle, with it, or both")
    ap.add_argument("--shapes-only", action="store_true", help="Table 5 alone")
    ap.add_argument("--codec", choices=("libdeflate", "zlib"), default="libdeflate")
    ap.add_argument("--repeat", type=int, default=3, help="passes per measurement (best kept)")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    levels32 = [int(x) for x in args.float32_levels.split(",")]
    levels64 = [int(x) for x in args.float64_levels.split(",")]
    global CODEC
    CODEC = LibDeflate() if args.codec == "libdeflate" else lambda d, lv: len(zlib.compress(d, lv))
    print(f"codec: {args.codec}")
    rows = []
    with h5py.File(args.file, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.chunks and obj.dtype.kind == "f":
                level = obj.compression_opts if obj.compression == "gzip" else 0
                rows.append((name, obj[()], obj.chunks, (bool(obj.shuffle), int(level))))
        f.visititems(visit)

    if args.shapes_only:
        picked = [(n, v.astype(np.float32), c) for n, v, c, _ in rows
                  if any(n.startswith(g) for g in FLOAT32_GROUPS) and v.ndim == 2]
        by_shape(picked, args, args.repeat)
        return
    mib = 2.0 ** 20
    head = f"{'trace':38s} {'dtype':>7s} {'raw MiB':>8s} {'stored':>8s} {'MiB':>6s} {'ms':>6s}"
    for lv in levels:
        head += f" {'L' + str(lv) + ' MiB':>8s} {'L' + str(lv) + ' ms':>8s}"
    head += f" {'f32 L' + str(levels[0]) + ' MiB':>12s} {'f32 rel err':>11s}"
    print(head)
    total = np.zeros((len(levels), 2))
    stored_total = np.zeros(2)
    total_raw = 0
    for name, v, chunk, (use_shuffle, level) in sorted(rows, key=lambda r: -r[1].nbytes):
        line = f"{name[:38]:38s} {v.dtype.name:>7s} {v.nbytes / mib:8.2f}"
        total_raw += v.nbytes
        chunks = chunks_of(v, chunk)
        size, cpu = deflate(chunks, v.itemsize, level, use_shuffle, args.repeat)
        stored_total += (size, cpu)
        label = ("s" if use_shuffle else "") + f"L{level}"
        line += f" {label:>8s} {size / mib:6.2f} {cpu * 1e3:6.1f}"
        for k, lv in enumerate(levels):
            size, cpu = deflate(chunks, v.itemsize, lv, True, args.repeat)
            total[k] += (size, cpu)
            line += f" {size / mib:8.2f} {cpu * 1e3:8.1f}"
        if v.dtype == np.float64:
            v32 = v.astype(np.float32)
            size32, _ = deflate(chunks_of(v32, chunk), 4, levels[0], True, 1)
            finite = np.isfinite(v) & (v != 0)
            err = np.max(np.abs(v32[finite] / v[finite] - 1)) if finite.any() else 0.0
            line += f" {size32 / mib:12.2f} {err:11.1e}"
        if v.nbytes >= 2**16:
            print(line)
    line = f"{'total (all traces)':38s} {'':>7s} {total_raw / mib:8.2f} {'':>8s} " \
        f"{stored_total[0] / mib:6.2f} {stored_total[1] * 1e3:6.1f}"
    for k in range(len(levels)):
        line += f" {total[k][0] / mib:8.2f} {total[k][1] * 1e3:8.1f}"
    print(line)

    # Table 2: the float32 datasets together, shuffle on and off, level by level.
    picked = [(n, v.astype(np.float32), c) for n, v, c, _ in rows
              if any(n.startswith(g) for g in FLOAT32_GROUPS) and v.ndim == 2]
    if picked:
        by_level(picked, 4, (True, False), levels32, args.repeat, "float32 datasets")
    # Table 3: the 1-D float32 traces (the facility's) together, shuffle on and off.
    traces = [(n, v, c) for n, v, c, _ in rows if v.dtype == np.float32 and v.ndim == 1]
    if traces:
        by_level(traces, 4, (True, False), levels32, args.repeat, "float32 traces")
    # Table 4: the float64 traces together, shuffled as stored, level by level.
    wide = [(n, v, c) for n, v, c, _ in rows if v.dtype == np.float64]
    if wide:
        by_level(wide, 8, (True,), levels64, args.repeat, "float64 datasets")
    # Table 5: the float32 matrices again, chunked in other shapes.
    if picked and args.shapes:
        by_shape(picked, args, args.repeat)


def by_level(picked, itemsize, shuffles, levels, repeat, what):
    mib = 2.0 ** 20
    raw = sum(v.nbytes for _, v, _ in picked)
    chunked = [chunks_of(v, c) for _, v, c in picked]
    print()
    names = ", ".join(n for n, _, _ in picked)
    print(f"{what} ({names if len(picked) <= 6 else str(len(picked)) + ' of them'}): "
          f"{raw / mib:.2f} MiB raw")
    print(f"{'filters':14s} {'MiB':>8s} {'ratio':>6s} {'CPU ms':>8s} {'ms/MiB raw':>11s}")
    for use_shuffle in shuffles:
        for lv in levels:
            size = cpu = 0.0
            for chunks in chunked:
                s, c = deflate(chunks, itemsize, lv, use_shuffle, repeat)
                size += s
                cpu += c
            label = ("shuffle" if use_shuffle else "no shuffle") + f" L{lv}"
            print(f"{label:14s} {size / mib:8.2f} {raw / max(size, 1):6.1f} {cpu * 1e3:8.1f} "
                  f"{cpu * 1e3 / (raw / mib):11.2f}")


def by_shape(picked, args, repeat):
    """The float32 datasets in chunks of ROWS x COLUMNS (COLUMNS clipped to the dataset's width,
    0 = all), with and without shuffle, at each level; then what a reader inflates from the
    widest of them (one column's whole series, one row's every column) in that shape."""
    shapes = [tuple(int(x) for x in s.split("x")) for s in args.shapes.split(",")]
    levels = [int(x) for x in args.shape_levels.split(",")]
    if args.shape_rows:
        first, end = (int(x) for x in args.shape_rows.split(":"))
        picked = [(n, v[first:end], c) for n, v, c in picked]
    mib = 2.0 ** 20
    raw = sum(v.nbytes for _, v, _ in picked)
    wide_name, wide, _ = max(picked, key=lambda p: (p[1].shape[1], p[0] == "racks/power_w"))
    steps, width = wide.shape
    print()
    print(f"float32 datasets by chunk shape ({raw / mib:.2f} MiB raw; reads of {wide_name}, "
          f"{steps} x {width}: one column's series, one row's all columns)")
    print(f"{'chunk':>12s} {'values':>7s} {'filters':>14s} {'MiB':>8s} {'ratio':>6s} "
          f"{'CPU ms':>8s} {'ms/MiB':>7s} {'col chunks':>10s} {'col MiB':>8s} "
          f"{'row chunks':>10s} {'row MiB':>8s}")
    for rows, cols in shapes:
        chunked = [chunks_of(v, (rows, min(cols, v.shape[1]) if cols else v.shape[1]))
                   for _, v, _ in picked]
        c = min(cols, width) if cols else width
        n_row_blocks, n_col_blocks = -(-steps // rows), -(-width // c)
        chunk_mib = rows * c * 4 / mib
        reads = (f"{n_row_blocks:10d} {n_row_blocks * chunk_mib:8.2f} "
                 f"{n_col_blocks:10d} {n_col_blocks * chunk_mib:8.2f}")
        for use_shuffle in {"both": (False, True), "off": (False,), "on": (True,)}[
                args.shape_shuffle]:
            for lv in levels:
                size = cpu = 0.0
                for chunks in chunked:
                    s, t = deflate(chunks, 4, lv, use_shuffle, repeat)
                    size += s
                    cpu += t
                label = ("shuffle" if use_shuffle else "no shuffle") + f" L{lv}"
                print(f"{str(rows) + 'x' + str(c):>12s} {rows * c:7d} {label:>14s} "
                      f"{size / mib:8.2f} {raw / max(size, 1):6.1f} {cpu * 1e3:8.1f} "
                      f"{cpu * 1e3 / (raw / mib):7.2f} {reads}")


if __name__ == "__main__":
    main()
