"""The shape of the package: a light top-level API, one façade per stage, one metric registry."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hipcheck
from hipcheck.metrics import METRICS, metric_of_column
from support import FIXTURES, REPO

SRC = REPO / "src" / "hipcheck"
STAGES = ("io", "extract", "analysis", "analysis.geometry", "analysis.movement", "assessment", "render", "jobs",
          "live", "cli", "lab")  # fmt: skip
SHARED = ("types", "errors", "metrics", "landmarks", "results")


def test_import_hipcheck_loads_no_mediapipe_opencv_or_scipy() -> None:
    code = (
        "import hipcheck, sys; heavy = [m for m in ('mediapipe', 'cv2', 'scipy') if m in sys.modules]; "
        "print(' '.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == ""


def test_public_api_names_resolve_to_their_stage() -> None:
    from hipcheck.analysis import AnalysisOptions, analyze_pose
    from hipcheck.jobs import Job, JobResult, run_job
    from hipcheck.landmarks import PoseSeries

    assert hipcheck.analyze_pose is analyze_pose and hipcheck.AnalysisOptions is AnalysisOptions
    assert hipcheck.run_job is run_job and hipcheck.Job is Job and hipcheck.JobResult is JobResult
    assert hipcheck.PoseSeries is PoseSeries and hipcheck.METRICS is METRICS
    for name in hipcheck.__all__:
        assert getattr(hipcheck, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        _ = hipcheck.nonsense  # type: ignore[attr-defined]


@pytest.mark.parametrize("stage", STAGES + SHARED)
def test_every_exported_name_exists_and_is_documented(stage: str) -> None:
    module = importlib.import_module(f"hipcheck.{stage}")
    assert module.__doc__, f"hipcheck.{stage} has no docstring"
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"hipcheck.{stage}.{name} has no docstring"


def test_no_private_module_at_the_top_level() -> None:
    assert sorted(p.name for p in SRC.glob("_*.py") if p.name != "__init__.py") == []


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(n.module, [a.name for a in n.names]) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]


def _package_of(path: Path) -> str:
    """``hipcheck.io`` for ``src/hipcheck/io/_video.py`` and ``src/hipcheck/io/__init__.py``."""
    return ".".join(path.relative_to(SRC.parent).parts[:-1])


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_private_modules_are_reached_only_from_their_own_package(path: Path) -> None:
    """A stage is used through its façade: no ``hipcheck.<stage>._module`` import from outside the stage,
    and no private name imported from another package.
    """
    here = _package_of(path)
    for module, names in _imports(path):
        if not module.startswith("hipcheck"):
            continue
        parts = module.split(".")
        private = [i for i, p in enumerate(parts) if p.startswith("_")]
        if private:
            owner = ".".join(parts[: private[0]])
            assert here == owner or here.startswith(owner + "."), f"{path.name} imports {module}"
        else:
            assert not [n for n in names if n.startswith("_") and n != "__version__"] or here.startswith(module)


def test_every_metric_table_column_comes_from_the_registry() -> None:
    from hipcheck.analysis import analyze_pose
    from hipcheck.landmarks import PoseSeries

    a = analyze_pose(PoseSeries.load_npz(FIXTURES / "squat_front_bodyweight_armsup_01.npz"))
    unregistered = [c for c in a.metrics.columns if metric_of_column(c) is None]
    assert unregistered == []
    for column in a.metrics.columns:
        assert a.metrics.units[metric_of_column(column).name] == metric_of_column(column).unit  # type: ignore[union-attr]
    for row in a.evidence:
        assert row.unit == METRICS[row.metric].unit
    assert set(a.not_measured) <= set(METRICS)


def test_one_display_band_per_metric_everywhere() -> None:
    """The annotated video and the live window colour knee FPPA and pelvic drop by the same bands."""
    from hipcheck.live import Readouts
    from hipcheck.render import BAND_BGR, band_color

    for value in (-5.0, 0.0, 9.9, 10.0, 12.0, 14.9, 15.0, 20.0, float("nan")):
        want = METRICS["knee_fppa_deg"].band(value)
        assert Readouts(fppa_left_deg=value).bands()["fppa_left_deg"] == want
        assert band_color("knee_fppa_deg", value) == BAND_BGR[want]
        drop = METRICS["pelvic_drop_deg"].band(value)
        assert Readouts(pelvic_drop_deg=value, stance="left").bands()["pelvic_drop_deg"] == drop
        assert band_color("pelvic_drop_deg", value) == BAND_BGR[drop]


def test_mirroring_is_one_rule() -> None:
    from hipcheck.landmarks import mirror_x_px
    from hipcheck.live import mirror_points

    xy = np.array([[0.0, 5.0], [12.5, 1.0], [640.0, 2.0]])
    np.testing.assert_array_equal(mirror_points(xy, 640)[:, 0], mirror_x_px(xy[:, 0], 640))
    np.testing.assert_array_equal(mirror_x_px(np.array([0.0, 0.5, 640.0]), 640), [640.0, 639.5, 0.0])
