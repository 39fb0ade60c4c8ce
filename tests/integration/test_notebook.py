"""The quickstart notebook runs top to bottom (so it never rots)."""

from __future__ import annotations

import re

import pytest

from support import REPO

NOTEBOOK = REPO / "notebooks" / "quickstart.ipynb"


@pytest.mark.e2e
def test_quickstart_notebook_runs_top_to_bottom():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()
    outputs = "".join(
        o.get("text", "") for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
    )
    assert "verdict:" in outputs and "Verdict: " in outputs
    assert "xy_px (T, 33, 2)" in outputs
    assert not re.search(r"\b(nan|None|inf)\b", outputs), outputs  # the reader's text carries no raw values
    every = [o for cell in nb.cells for o in cell.get("outputs", [])]
    errors = [o for o in every if o.get("output_type") == "error"]
    assert not errors
    noise = [o.get("text", "") for o in every if o.get("name") == "stderr"]
    assert not noise, noise  # no MediaPipe / TFLite log lines in the cells
    assert any("image/png" in o.get("data", {}) for o in every)  # the plot cell shows its picture
