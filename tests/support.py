"""Test support: repository paths, synthetic video frames, and builders of realistic fake Assessments.

Fixtures wrap the builders (``tests/conftest.py``: ``fake_assessment``,
``fake_pose``, ``make_video``); the helpers here are imported where a test
decodes what it wrote (``frame_code``) or needs a path.

Synthetic frames carry their own index as 8 black/white blocks along the
bottom quarter (bit 0 on the left) and a white square in the top-left corner,
so a test can tell which frame it got and whether it is upright.

The fake Assessment is a standard protocol at 30 fps: quiet stance (0–3 s), 5
squats (3–13 s), 5 single-leg squats on the left (13–20 s) and on the right
(20–27 s), a single-leg stand on the left (27–32 s) and on the right
(32–37 s). The weaker side's pelvis drops ``drop_weak`` degrees at the bottom
of each single-leg rep, the other side ``drop_strong``; the weaker knee shows
more valgus. Numbers are made up but in the ranges of DESIGN.md.
"""

from __future__ import annotations

import fractions
import functools
import itertools
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from numpy.typing import NDArray

from hipcheck.landmarks import (
    INDEX,
    L_ANKLE,
    L_FOOT,
    L_HEEL,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    N_LANDMARKS,
    NOSE,
    R_ANKLE,
    R_FOOT,
    R_HEEL,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    PoseSeries,
    Provenance,
)
from hipcheck.results import (
    Assessment,
    EvidenceRow,
    ExerciseResult,
    MetricTable,
    Rep,
    SideSummary,
    Verdict,
)

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
FIXTURES = REPO / "tests" / "fixtures" / "real"
SHARED_VIDEOS = REPO.parent / "shared" / "videos"
CATALOG = SHARED_VIDEOS / "CATALOG.tsv"


# ----------------------------------------------------------------------------- recorded and cached poses
FIXTURE_WARNINGS: dict[tuple[str, bool], list[str]] = {}
"""RuntimeWarnings the analysis of each fixture raised (filled by :func:`analysed_fixture`), so a test can
check them whichever test ran the analysis first."""


@functools.cache
def analysed_fixture(name: str, mirrored: bool = False) -> Assessment:
    """The analysis of ``tests/fixtures/real/<name>.npz`` (optionally mirrored), once per test session;
    its RuntimeWarnings are kept in :data:`FIXTURE_WARNINGS`.
    """
    from hipcheck.analysis import analyze_pose

    pose = PoseSeries.load_npz(FIXTURES / f"{name}.npz")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assessment = analyze_pose(pose.mirrored() if mirrored else pose)
    FIXTURE_WARNINGS[(name, mirrored)] = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    return assessment


def sample_videos() -> list[Path]:
    """Every committed rendered sample (``samples/*.mp4`` and ``samples/heldout/*.mp4``), sorted."""
    return sorted(SAMPLES.rglob("*.mp4"))


def sample_cache_key(video: Path) -> str:
    """The pose-cache file name ``hipcheck validate`` uses for a sample (tune and held-out share names)."""
    return "__".join(video.relative_to(SAMPLES).with_suffix("").parts) + ".pose.npz"


# ----------------------------------------------------------------------------- synthetic video frames
def synthetic_frame(index: int, size_wh: tuple[int, int] = (64, 48)) -> NDArray[np.uint8]:
    """An upright BGR test frame encoding ``index`` (0..255) and its orientation."""
    w, h = size_wh
    image = np.full((h, w, 3), 64, np.uint8)
    image[: h // 3, : w // 4] = 255  # orientation marker: top-left
    bit_w = w // 8
    for bit in range(8):
        if (index >> bit) & 1:
            image[h - h // 4 :, bit * bit_w : (bit + 1) * bit_w] = 255
        else:
            image[h - h // 4 :, bit * bit_w : (bit + 1) * bit_w] = 0
    return image


def frame_code(image: NDArray[np.uint8]) -> int:
    """The index encoded by :func:`synthetic_frame` (reads the bottom quarter)."""
    h, w = image.shape[:2]
    bit_w = w // 8
    strip = image[h - h // 4 + 2 : h - 2].mean(axis=(0, 2))
    return sum(1 << bit for bit in range(8) if strip[bit * bit_w + 2 : (bit + 1) * bit_w - 2].mean() > 128)


def marker_is_top_left(image: NDArray[np.uint8]) -> bool:
    """True if the white orientation square is in the top-left corner."""
    h, w = image.shape[:2]
    corners = [image[2 : h // 4, 2 : w // 5], image[2 : h // 4, -w // 5 : -2]]
    return bool(corners[0].mean() > 200 and corners[1].mean() < 120)


def first_frames(src: Path, dst: Path, n: int) -> Path:
    """The first ``n`` frames of the video ``src`` written to ``dst``: a short real clip for traced or timed runs."""
    from hipcheck.io import VideoSink, open_source

    with open_source(src) as frames, VideoSink(dst, frames.info.fps, frames.info.resolution_wh) as sink:
        for i, frame in enumerate(frames):
            if i >= n:
                break
            sink.write(frame.image)
    return dst


def write_with_pyav(
    path: Path, times_s: Sequence[float], size_wh: tuple[int, int], rotation_deg: int, faststart: bool
) -> None:
    av = pytest.importorskip("av")
    w, h = size_wh
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=30, options={"crf": "12", "tune": "zerolatency"})
        stored_w, stored_h = (h, w) if rotation_deg in (90, 270) else (w, h)
        stream.width, stream.height, stream.pix_fmt = stored_w, stored_h, "yuv420p"
        ms = fractions.Fraction(1, 1000)  # the muxer may change stream.time_base once writing starts
        stream.time_base = stream.codec_context.time_base = ms
        if rotation_deg:
            stream.set_display_rotation(-rotation_deg)  # PyAV: counter-clockwise; ours: clockwise
        for i, t_s in enumerate(times_s):
            stored = np.ascontiguousarray(np.rot90(synthetic_frame(i, size_wh), k=rotation_deg // 90))
            frame = av.VideoFrame.from_ndarray(stored, format="bgr24")
            frame.pts, frame.time_base = round(t_s * 1000), ms
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


# ----------------------------------------------------------------------------- fake assessments


FPS = 30.0
PHASES = (
    ("standing", None, 0.0, 3.0, 0),
    ("squat", None, 3.0, 13.0, 5),
    ("single_leg_squat", "left", 13.0, 20.0, 5),
    ("single_leg_squat", "right", 20.0, 27.0, 5),
    ("single_leg_stance", "left", 27.0, 32.0, 1),
    ("single_leg_stance", "right", 32.0, 37.0, 1),
)


def _reps_of(exercise: str, side: str | None, t0: float, t1: float, n: int) -> list[tuple[float, float, float]]:
    if n == 0:
        return []
    edges = np.linspace(t0 + 0.3, t1 - 0.3, n + 1)
    return [(float(a), float((a + b) / 2), float(b)) for a, b in itertools.pairwise(edges)]


def _bump(t: np.ndarray, a: float, b: float) -> np.ndarray:
    """0 outside [a, b], a smooth sin² hump peaking at the middle."""
    x = np.clip((t - a) / (b - a), 0, 1)
    return np.sin(np.pi * x) ** 2


def _sided_values(weaker: str, drop_weak: float, drop_strong: float, fppa_weak: float, fppa_strong: float):
    drop = {"left": drop_weak, "right": drop_strong}
    fppa = {"left": fppa_weak, "right": fppa_strong}
    if weaker == "right":
        drop = {"left": drop_strong, "right": drop_weak}
        fppa = {"left": fppa_strong, "right": fppa_weak}
    if weaker in ("none", "insufficient"):
        drop = {"left": drop_strong, "right": drop_strong}
        fppa = {"left": fppa_strong, "right": fppa_strong}
    return drop, fppa


COLUMNS = (
    "pelvic_obliquity_deg", "pelvic_drop_deg_left", "pelvic_drop_deg_right", "knee_fppa_deg_left",
    "knee_fppa_deg_right", "trunk_lean_deg", "trunk_lean_ipsi_deg_left", "trunk_lean_ipsi_deg_right",
    "hip_sway_left", "hip_sway_right", "lateral_pelvic_shift", "knee_ankle_separation_ratio",
)  # fmt: skip


def _rep_peaks(side, weaker, drop, fppa, rng) -> dict[str, float]:
    if side is None:
        return {
            "knee_fppa_deg_left": fppa["left"] * 0.6 + float(rng.normal(0, 1)),
            "knee_fppa_deg_right": fppa["right"] * 0.6 + float(rng.normal(0, 1)),
            "lateral_pelvic_shift": 0.02 + float(rng.normal(0, 0.02)),
        }
    return {
        f"pelvic_drop_deg_{side}": drop[side] + float(rng.normal(0, 0.8)),
        f"knee_fppa_deg_{side}": fppa[side] + float(rng.normal(0, 1.5)),
        f"trunk_lean_deg_{side}": (4.0 if side == weaker else 2.0) + float(rng.normal(0, 0.5)),
    }


def _fill_columns(cols, t, sel, exercise, side, shape, weaker, drop, fppa, rng) -> None:
    n = t.size
    cols["pelvic_obliquity_deg"][sel] = 0.5 + rng.normal(0, 0.4, sel.sum())
    cols["trunk_lean_deg"][sel] = rng.normal(0, 0.5, sel.sum())
    if side is not None:
        cols[f"pelvic_drop_deg_{side}"][sel] = (drop[side] * shape + rng.normal(0, 0.5, n))[sel]
        cols[f"knee_fppa_deg_{side}"][sel] = (2 + (fppa[side] - 2) * shape + rng.normal(0, 0.8, n))[sel]
        lean = (4.0 if side == weaker else 2.0) * shape + rng.normal(0, 0.5, n)
        cols[f"trunk_lean_ipsi_deg_{side}"][sel] = lean[sel]
        cols["trunk_lean_deg"][sel] = ((1 if side == "left" else -1) * lean)[sel]
        cols[f"hip_sway_{side}"][sel] = rng.normal(0, 0.09 if side == weaker else 0.04, n)[sel]
    elif exercise == "squat":
        for s in ("left", "right"):
            cols[f"knee_fppa_deg_{s}"][sel] = (2 + fppa[s] * 0.6 * shape + rng.normal(0, 0.8, n))[sel]
        cols["knee_ankle_separation_ratio"][sel] = (1.2 - 0.15 * shape + rng.normal(0, 0.02, n))[sel]
        cols["lateral_pelvic_shift"][sel] = rng.normal(0.02, 0.02, sel.sum())


def make_assessment(
    weaker: Literal["left", "right", "none", "insufficient"] = "left",
    *,
    drop_weak: float = 9.0,
    drop_strong: float = 3.0,
    fppa_weak: float = 16.0,
    fppa_strong: float = 7.0,
    seed: int = 0,
) -> Assessment:
    """A complete Assessment whose verdict is ``weaker``.

    For ``none`` both sides get ``drop_strong`` / ``fppa_strong``; for
    ``insufficient`` the clip is a side view with nothing measured.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(int(37 * FPS)) / FPS
    drop, fppa = _sided_values(weaker, drop_weak, drop_strong, fppa_weak, fppa_strong)
    cols = {k: np.full(t.size, np.nan) for k in COLUMNS}
    ex_label = ["unknown"] * t.size
    phase_label = ["stand"] * t.size
    exercises: list[ExerciseResult] = []
    for exercise, side, t0, t1, nrep in PHASES:
        sel = (t >= t0) & (t < t1)
        for i in np.flatnonzero(sel):
            ex_label[i] = exercise
        reps = []
        shape = np.zeros(t.size)
        for k, (a, b, c) in enumerate(_reps_of(exercise, side, t0, t1, nrep)):
            shape += _bump(t, a, c) if exercise != "single_leg_stance" else ((t >= a) & (t <= c)).astype(float)
            for i in np.flatnonzero((t >= a) & (t <= c)):
                phase_label[i] = "down" if t[i] < b else "up"
            reps.append(Rep(k + 1, exercise, a, b, c, side, _rep_peaks(side, weaker, drop, fppa, rng)))
        _fill_columns(cols, t, sel, exercise, side, shape, weaker, drop, fppa, rng)
        summary = _summary(exercise, side, reps, weaker)
        exercises.append(ExerciseResult(exercise, t0, t1 - 1 / FPS, reps, summary, side))
    if weaker == "insufficient":
        cols = {k: np.full(t.size, np.nan) for k in cols}
        exercises = []
    return Assessment(
        verdict=_verdict(weaker, drop),
        view="side" if weaker == "insufficient" else "front",
        roll_deg=0.7,
        exercises=exercises,
        evidence=[] if weaker == "insufficient" else _evidence(drop, fppa, weaker),
        metrics=MetricTable(t, cols),
        labels={"exercise": ex_label, "phase": phase_label},
        not_measured=_not_measured(weaker),
        provenance=PROVENANCE,
        measurement_error={
            "pelvic_drop_deg": "2D contralateral pelvic drop SDD ≈ 2.7° (Dingenen 2018)",
            "knee_fppa_deg": "2D FPPA SEM 2.7–3.0°, SDD 7.5–8.9° single trial (Munro 2012)",
        },
    )


PROVENANCE = {
    "hipcheck_version": "0.1.0",
    "model_path": "models/pose_landmarker_full.task",
    "model_sha256": "a" * 64,
    "source_path": "clip.mp4",
    "source_sha256": "b" * 64,
    "fps": FPS,
    "resolution_wh": [640, 480],
}


def _summary(exercise: str, side: str | None, reps: list[Rep], weaker: str) -> dict[str, dict[str, SideSummary]]:
    out: dict[str, dict[str, SideSummary]] = {}
    sides = [side] if side else ["left", "right"]
    for s in sides:
        for metric in ("pelvic_drop_deg", "knee_fppa_deg", "trunk_lean_deg"):
            vals = [r.peaks[f"{metric}_{s}"] for r in reps if f"{metric}_{s}" in r.peaks]
            if vals:
                out.setdefault(metric, {})[s] = SideSummary(
                    float(np.median(vals)), float(np.std(vals)), len(vals), vals
                )
    if exercise == "single_leg_stance" and side:
        weak = side == weaker
        out["balance_hold_s"] = {side: SideSummary(3.1 if weak else 5.0, 0.0, 1, [3.1 if weak else 5.0])}
        out["balance_sway"] = {side: SideSummary(0.09 if weak else 0.04, 0.01, 1, [0.09 if weak else 0.04])}
    return out


def _evidence(drop: dict[str, float], fppa: dict[str, float], weaker: str) -> list[EvidenceRow]:
    def row(metric: str, ex: str, left: float, right: float, thr: float, ref: str, src: str) -> EvidenceRow:
        diff = left - right
        finding = abs(diff) >= thr
        band = "green" if abs(diff) < thr else ("amber" if abs(diff) < 2 * thr else "red")
        ws = None if not finding else ("left" if diff > 0 else "right")
        si = 100 * diff / ((left + right) / 2) if left + right else math.nan
        return EvidenceRow(metric, ex, left, right, diff, thr / 2, "deg", ref, src, band, finding, ws, si)  # type: ignore[arg-type]

    return [
        row("pelvic_drop_deg", "single_leg_squat", drop["left"], drop["right"], 2.7,
            "controls 7.4 ± 3.8° vs patellofemoral pain 10.3 ± 4.7° (3D)", "Nakagawa et al. 2012, JOSPT 42:491"),
        row("knee_fppa_deg", "single_leg_squat", fppa["left"], fppa["right"], 7.5,
            "healthy women 8.4 ± 5.1° (patellofemoral pain 16.8 ± 5.4°)", "Herrington 2014, Knee 21:514"),
        row("trunk_lean_deg", "single_leg_squat", 4.0 if weaker == "left" else 2.0,
            4.0 if weaker == "right" else 2.0, 4.0, "ipsilateral trunk lean controls 6.7° vs PFP 9.3°",
            "Nakagawa et al. 2012, JOSPT 42:491"),
        EvidenceRow("lateral_pelvic_shift", "squat", 0.02, math.nan, 0.02, 0.01, "hip widths", "", "", "green",
                    note="whole-body signed value (+ = toward / higher on the subject's left); n = 5"),
    ]  # fmt: skip


def _verdict(weaker: str, drop: dict[str, float]) -> Verdict:
    if weaker in ("left", "right"):
        other = "right" if weaker == "left" else "left"
        return Verdict(weaker, 0.8, (  # type: ignore[arg-type]
            f"Your pelvis dropped {drop[weaker]:.0f}° when standing on the {weaker} leg vs {drop[other]:.0f}° on the "
            f"{other}.",
            f"Your {weaker} knee moved further inward in single-leg squats.",
        ), 2.5 if weaker == "left" else -2.5)  # fmt: skip
    if weaker == "none":
        return Verdict("none", 0.7, ("Left and right differ by less than the measurement error.",), 0.1)
    return Verdict("insufficient", 0.0, ("The camera saw you from the side: pelvic drop needs a front or back view.",))


def _not_measured(weaker: str) -> dict[str, str]:
    if weaker == "insufficient":
        return {"pelvic_drop_deg": "side view: needs front or back", "knee_fppa_deg": "side view: needs front or back"}
    return {"pelvic_rotation_deg": "no single-leg deadlift in the clip", "hip_height_asymmetry_cm": "no body height"}


# ------------------------------------------------------------------ pose
STICK = {
    NOSE: (0.0, -170.0), L_SHOULDER: (40.0, -130.0), R_SHOULDER: (-40.0, -130.0),
    INDEX["left_elbow"]: (55.0, -85.0), INDEX["right_elbow"]: (-55.0, -85.0),
    INDEX["left_wrist"]: (60.0, -45.0), INDEX["right_wrist"]: (-60.0, -45.0),
    L_HIP: (30.0, 0.0), R_HIP: (-30.0, 0.0), L_KNEE: (32.0, 80.0), R_KNEE: (-32.0, 80.0),
    L_ANKLE: (34.0, 160.0), R_ANKLE: (-34.0, 160.0), L_HEEL: (30.0, 170.0), R_HEEL: (-30.0, 170.0),
    L_FOOT: (45.0, 175.0), R_FOOT: (-45.0, 175.0),
}  # fmt: skip
"""Front view stick figure relative to the hip midpoint (px): the person's left on the image right."""


def make_pose(n_frames: int, resolution_wh: tuple[int, int] = (320, 240), fps: float = FPS) -> PoseSeries:
    """A front-view stick figure, centred and scaled to the frame, swaying a little in x."""
    w, h = resolution_wh
    scale = h / 420.0
    xy = np.full((n_frames, N_LANDMARKS, 2), np.nan)
    base = np.array([w / 2, h * 0.52])
    for i, (dx, dy) in STICK.items():
        xy[:, i] = base + scale * np.array([dx, dy])
    xy[:, :, 0] += (3 * np.sin(np.arange(n_frames) / 10.0))[:, None]
    vis = np.where(np.isfinite(xy[..., 0]), 0.99, np.nan)
    return PoseSeries(
        xy_px=xy, z=np.zeros((n_frames, N_LANDMARKS)), visibility=vis, presence=vis,
        xyz_world_m=np.zeros((n_frames, N_LANDMARKS, 3)), t_s=np.arange(n_frames) / fps,
        resolution_wh=(w, h), provenance=Provenance(fps=fps),
    )  # fmt: skip
