"""Joule analysis: KPI tables, plots, comparisons and published-run reproductions from Joule's
HDF5 output (docs/output-format.md). Reads only Joule's files (runs, sweep summaries); depends
only on Debian packages: python3-h5py, -numpy, -matplotlib, -pandas (with -tabulate), -yaml."""

__all__ = ["runfile", "kpi", "plots", "compare", "reproduce", "report"]
