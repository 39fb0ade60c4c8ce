"""The data outputs: ``report.json`` (schema ``hipcheck.report/1``) and ``metrics.csv``.

Both are written atomically (a temporary file in the same folder, then a
rename). Missing values are ``null`` in JSON and empty cells in the CSV,
never 0.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from hipcheck import __version__
from hipcheck.io import write_json_atomic
from hipcheck.results import Assessment


def write_metrics_csv(assessment: Assessment, path: Path) -> Path:
    """One row per frame: ``t_s``, ``exercise``, ``phase``, then each metric column (empty = not measured)."""
    table = assessment.metrics
    names = sorted(table.columns)
    ex = list(assessment.labels.get("exercise", [""] * len(table.t_s)))
    ph = list(assessment.labels.get("phase", [""] * len(table.t_s)))
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["t_s", "exercise", "phase", *names])
        data = np.column_stack([table[n] for n in names]) if names else np.zeros((len(table.t_s), 0))
        for i, t in enumerate(table.t_s):
            cells = ["" if not math.isfinite(v) else f"{v:.4f}" for v in data[i]]
            w.writerow([f"{t:.4f}", ex[i], ph[i], *cells])
    tmp.replace(path)
    return path


def write_report_json(assessment: Assessment, path: Path) -> Path:
    """The ``report.json`` document (schema ``hipcheck.report/1``), stamped with this hipcheck version."""
    doc = assessment.to_dict()
    doc["provenance"] = {**doc["provenance"], "hipcheck_version": __version__}
    return write_json_atomic(path, doc)
