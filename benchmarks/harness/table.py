"""The plain-text tables the benchmarks print on stdout (the JSON report is the record)."""

from __future__ import annotations

from collections.abc import Sequence


def cell(value: object) -> str:
    """A figure as printed: ``-`` for none; two decimals below 10, one below 100, else none."""
    if value is None:
        return "-"
    if isinstance(value, float):
        digits = 2 if abs(value) < 10 else 1 if abs(value) < 100 else 0
        return f"{value:,.{digits}f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def print_table(
    header: Sequence[str], rows: Sequence[Sequence[object]], left: Sequence[int] = (0,)
) -> None:
    """Columns as wide as their widest cell; those in ``left`` left-aligned, the rest right."""
    text = [list(header), *([cell(v) for v in row] for row in rows)]
    widths = [max(len(line[i]) for line in text) for i in range(len(header))]
    for line in text:
        cells = (
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        )
        print("  ".join(cells).rstrip())
