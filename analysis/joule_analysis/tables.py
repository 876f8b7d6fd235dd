"""Markdown and CSV tables (no dependencies)."""

import csv
import io


def markdown(header, rows, align=None):
    """A GitHub-flavoured markdown table; `align` is a string of 'l'/'r' per column
    (default: first column left, the rest right)."""
    cols = len(header)
    align = align or ("l" + "r" * (cols - 1))
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(cols)]

    def line(r):
        return "| " + " | ".join(
            (c.ljust(w) if a == "l" else c.rjust(w)) for c, w, a in zip(r, widths, align)) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else (":" + "-" * (w + 1))
                         for w, a in zip(widths, align)) + "|"
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]]) + "\n"


def to_csv(header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if c is None else (repr(c) if isinstance(c, float) else c) for c in r])
    return buf.getvalue()
