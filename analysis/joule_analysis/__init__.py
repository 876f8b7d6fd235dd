"""Joule analysis: KPI tables, plots, comparisons and published-run reproductions from Joule's
HDF5 output (docs/output-format.md). Reads only HDF5 (and a sweep's summary CSV); depends only
on Debian's python3-h5py, python3-numpy and python3-matplotlib."""

__all__ = ["runfile", "kpi", "plots", "compare", "reproduce", "tables", "miniyaml"]
