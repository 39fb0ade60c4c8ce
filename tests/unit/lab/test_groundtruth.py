"""Ground-truth loader and the committed rendered samples (no rendering here)."""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hipcheck.analysis import geometry
from hipcheck.errors import InputNotFoundError, InvalidDataError
from hipcheck.lab import (
    METRIC_NAMES,
    SCHEMA,
    GroundTruth,
    compute_metrics,
    find_samples,
    load_ground_truth,
    phase_pelvic_drop_deg,
)
from support import SAMPLES

PAIRS = find_samples(SAMPLES) if SAMPLES.is_dir() else []
GTS = {gt.name + ("@heldout" if gt.split == "heldout" else ""): gt for gt in (load_ground_truth(p) for _, p in PAIRS)}


def _gt_ids() -> list[str]:
    return sorted(GTS)


# ----------------------------------------------------------------------------- metric formulas, known answers
# The truth is measured with hipcheck's own metric functions (hipcheck.analysis.geometry) on the true joints.


def pelvic_obliquity_deg(left, right):
    return geometry.pelvic_obliquity_deg(left_hip_xy=left, right_hip_xy=right)


def knee_fppa_deg(hip, knee, ankle, other):
    return geometry.knee_fppa_deg(hip_xy=hip, knee_xy=knee, ankle_xy=ankle, contralateral_hip_xy=other)


def trunk_lean_deg(lh, rh, ls, rs):
    return geometry.trunk_lean_deg(left_hip_xy=lh, right_hip_xy=rh, left_shoulder_xy=ls, right_shoulder_xy=rs)


def _pts(*xy: tuple[float, float]) -> np.ndarray:
    return np.array([xy], dtype=float).reshape(len(xy), 2)


def test_obliquity_positive_when_left_hip_higher_front_and_back_view() -> None:
    d = math.radians(8.0)
    # front view: subject's left hip on the image right, 8° higher (smaller y)
    left, right = (
        _pts((300 + 50 * math.cos(d), 200 - 50 * math.sin(d))),
        _pts((300 - 50 * math.cos(d), 200 + 50 * math.sin(d))),
    )
    assert pelvic_obliquity_deg(left, right)[0] == pytest.approx(8.0)
    # back view: the same body seen from behind (x mirrored), still +8°
    mirror = np.array([-1.0, 1.0])
    assert pelvic_obliquity_deg(left * mirror, right * mirror)[0] == pytest.approx(8.0)


def test_knee_fppa_sign_is_valgus_toward_other_hip() -> None:
    # left leg in a front view: left hip at x=340, right hip at x=260 (medial = toward smaller x)
    hip, ankle, other = _pts((340, 200)), _pts((340, 400)), _pts((260, 200))
    k = 100 * math.tan(math.radians(6.0))
    valgus = knee_fppa_deg(hip, _pts((340 - k, 300)), ankle, other)[0]
    varus = knee_fppa_deg(hip, _pts((340 + k, 300)), ankle, other)[0]
    assert valgus == pytest.approx(12.0, abs=1e-9)
    assert varus == pytest.approx(-12.0, abs=1e-9)


def test_trunk_lean_positive_toward_subject_left() -> None:
    lh, rh = _pts((340, 300)), _pts((260, 300))  # front view: left is image right
    ls, rs = _pts((350, 100)), _pts((270, 100))  # shoulders shifted to image right
    assert trunk_lean_deg(lh, rh, ls, rs)[0] == pytest.approx(math.degrees(math.atan2(10, 200)))


def test_cpd_sign_by_stance_side() -> None:
    theta = np.array([1.0, 1.0, 9.0, -7.0, 3.0])
    phase = ["bipedal", "bipedal", "single_leg_left", "single_leg_right", "transition"]
    cpd = phase_pelvic_drop_deg(theta, phase, baseline_deg=1.0)
    np.testing.assert_allclose(cpd[2:4], [8.0, 8.0])
    assert np.isnan(cpd[[0, 1, 4]]).all()


# ----------------------------------------------------------------------------- loader validation


def _doc(n: int = 4) -> dict[str, Any]:
    names = [
        "left_hip",
        "right_hip",
        "left_knee",
        "right_knee",
        "left_ankle",
        "right_ankle",
        "left_shoulder",
        "right_shoulder",
    ]
    base = {
        "left_hip": (340, 300), "right_hip": (260, 300), "left_knee": (342, 400), "right_knee": (258, 400),
        "left_ankle": (340, 500), "right_ankle": (260, 500), "left_shoulder": (350, 100), "right_shoulder": (250, 100),
    }  # fmt: skip
    px = np.array([[base[j] for j in names]] * n, dtype=float)
    phase = ["bipedal"] * (n // 2) + ["single_leg_left"] * (n - n // 2)
    metrics, theta0 = compute_metrics({j: px[:, i] for i, j in enumerate(names)}, phase)
    return {
        "schema": SCHEMA, "name": "x", "video": "x.mp4", "split": "tune", "exercise": "single_leg_stance",
        "stance_side": "left", "weaker_side": "left", "fps": 30.0, "resolution_wh": [480, 640],
        "baseline_obliquity_deg": theta0, "joint_names": names,
        "frames": {
            "t_s": [i / 30 for i in range(n)], "phase": phase, "joints_px": px.tolist(),
            "joints_world_m": np.zeros((n, len(names), 3)).tolist(),
            "metrics": {k: [None if np.isnan(v) else float(v) for v in a] for k, a in metrics.items()},
        },
    }  # fmt: skip


def _write(tmp_path: Path, doc: Any, name: str = "x.gt.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def test_load_valid_document(tmp_path: Path) -> None:
    gt = load_ground_truth(_write(tmp_path, _doc()))
    assert isinstance(gt, GroundTruth)
    assert gt.n_frames == 4 and gt.joints_px.shape == (4, 8, 2) and gt.resolution_wh == (480, 640)
    assert np.isnan(gt.metrics["contralateral_pelvic_drop_deg"][0])
    assert gt.metrics["contralateral_pelvic_drop_deg"][3] == pytest.approx(0.0)
    assert gt.video_path == tmp_path / "x.mp4"
    np.testing.assert_array_equal(gt.joint_px("right_knee"), np.tile([258.0, 400.0], (4, 1)))


def _set(doc: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    *parents, last = dotted.split(".")
    target = doc
    for p in parents:
        target = target[p]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return doc


BAD_DOCS = [
    ("schema", "hipcheck-groundtruth/0", "schema"),
    ("fps", KeyError, "missing key 'fps'"),
    ("weaker_side", "both", "weaker_side"),
    ("split", "train", "split"),
    ("stance_side", "up", "stance_side"),
    ("resolution_wh", [480], "resolution_wh"),
    ("frames.t_s", [0.0, 0.1, 0.1, 0.2], "strictly increasing"),
    ("frames.phase", ["bipedal"] * 3, "phase has 3 entries"),
    ("frames.joints_px", [[[0, 0, 0]] * 8] * 4, "joints_px: expected shape (T, 8, 2)"),
    ("frames.metrics.knee_fppa_left_deg", KeyError, "knee_fppa_left_deg"),
    ("frames.metrics.trunk_lean_deg", [0.0] * 3, "trunk_lean_deg has 3 entries"),
    ("frames.metrics.trunk_lean_deg", ["a"] * 4, "not numeric"),
    ("joint_names", ["left_hip"], "joint_names lacks"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_DOCS, ids=[f"{k}-{m}" for k, _, m in BAD_DOCS])
def test_load_rejects_bad_documents(tmp_path: Path, key: str, value: Any, message: str) -> None:
    path = _write(tmp_path, _set(_doc(), key, value))
    with pytest.raises(InvalidDataError, match=re.escape(message)) as err:
        load_ground_truth(path)
    assert str(path) in str(err.value)


def test_load_rejects_non_json_and_missing(tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError, match="not JSON"):
        load_ground_truth(_write(tmp_path, "{not json"))
    with pytest.raises(InvalidDataError, match="not an object"):
        load_ground_truth(_write(tmp_path, "[1, 2]"))
    with pytest.raises(InputNotFoundError):
        load_ground_truth(tmp_path / "absent.gt.json")


def test_find_samples_pairs_and_errors(tmp_path: Path) -> None:
    (tmp_path / "heldout").mkdir()
    _write(tmp_path, _doc(), "a.gt.json")
    (tmp_path / "x.mp4").write_bytes(b"")
    _write(tmp_path / "heldout", _set(_doc(), "split", "heldout"), "b.gt.json")
    (tmp_path / "heldout" / "x.mp4").write_bytes(b"")
    pairs = find_samples(tmp_path)
    assert [g.name for _, g in pairs] == ["a.gt.json", "b.gt.json"]
    assert [g.parent.name for _, g in find_samples(tmp_path, split="heldout")] == ["heldout"]
    (tmp_path / "x.mp4").unlink()
    with pytest.raises(InputNotFoundError, match=r"x\.mp4"):
        find_samples(tmp_path)
    with pytest.raises(InputNotFoundError):
        find_samples(tmp_path / "nope")


# ----------------------------------------------------------------------------- the committed samples


def test_samples_exist_in_both_splits() -> None:
    splits = {gt.split for gt in GTS.values()}
    assert splits == {"tune", "heldout"}, f"samples/ holds splits {splits}"


@pytest.mark.parametrize("key", _gt_ids())
def test_sample_metrics_recompute_from_joint_projections(key: str) -> None:
    gt = GTS[key]
    metrics, theta0 = compute_metrics(gt.joints_px_dict(), gt.phase)
    assert set(metrics) == set(METRIC_NAMES)
    if not math.isnan(gt.baseline_obliquity_deg):
        assert theta0 == pytest.approx(gt.baseline_obliquity_deg, abs=1e-3)
    for name, values in metrics.items():
        np.testing.assert_allclose(gt.metrics[name], values, atol=2e-3, equal_nan=True, err_msg=name)


@pytest.mark.parametrize("key", _gt_ids())
def test_sample_frames_match_video_metadata(key: str) -> None:
    gt = GTS[key]
    assert gt.video_path.is_file()
    np.testing.assert_allclose(np.diff(gt.t_s), 1.0 / gt.fps, atol=1e-5)
    w, h = gt.resolution_wh
    hips = gt.joints_px[:, [gt.joint_names.index("left_hip"), gt.joint_names.index("right_ankle")]]
    assert (
        (hips[..., 0] > 0).all() and (hips[..., 0] < w).all() and (hips[..., 1] > 0).all() and (hips[..., 1] < h).all()
    )


def _late_single_leg(gt: GroundTruth) -> np.ndarray:
    cpd = gt.metrics["contralateral_pelvic_drop_deg"]
    idx = np.flatnonzero(np.isfinite(cpd))
    return cpd[idx[-10:]]


SLS = [k for k in _gt_ids() if GTS[k].exercise == "single_leg_stance"]
BILATERAL = [k for k in _gt_ids() if GTS[k].exercise in ("squat", "lunge")]


@pytest.mark.parametrize("key", SLS)
def test_sls_cpd_sign_matches_intended_weaker_side(key: str) -> None:
    gt = GTS[key]
    assert gt.stance_side in ("left", "right")
    assert gt.phase_mask(f"single_leg_{gt.stance_side}").sum() > 15
    late = _late_single_leg(gt)
    drop = float(gt.scenario["motion"]["drop_deg"])
    if gt.weaker_side == "none":
        assert np.all(late < 1.0), f"{key}: a clip without a weaker side shows a drop {late.max():.2f}°"
    else:
        assert gt.weaker_side == gt.stance_side
        assert np.all(late > 2.0), f"{key}: weaker {gt.weaker_side} but CPD only {late.min():.2f}°"
    assert np.mean(late) == pytest.approx(drop, abs=max(1.5, 0.2 * abs(drop)))


@pytest.mark.parametrize("key", BILATERAL)
def test_bilateral_fppa_difference_matches_intended_weaker_side(key: str) -> None:
    gt = GTS[key]

    def peak(side: str) -> float:  # over the frames where that leg bears weight (a lunge's front leg)
        other = "right" if side == "left" else "left"
        loaded = ~np.isin(np.asarray(gt.phase), ("bipedal", "transition", f"lunge_{other}"))
        # the body's own frontal plane (3D truth): a yawed camera makes the projection one-sided
        return float(np.max(gt.metrics_3d[f"knee_fppa_{side}_deg"][loaded]))

    left, right = peak("left"), peak("right")
    if gt.weaker_side == "none":
        assert abs(left - right) < 3.0
    else:
        weak, strong = (left, right) if gt.weaker_side == "left" else (right, left)
        assert weak > strong + 5.0, f"{key}: peak FPPA weak side {weak:.1f}° vs other {strong:.1f}°"


def test_readme_lists_every_sample_and_only_existing_files() -> None:
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`((?:heldout/)?[\w.-]+\.mp4)`", text))
    on_disk = {p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.mp4")}
    assert listed, "samples/README.md lists no clip"
    assert listed <= on_disk, f"listed but missing: {sorted(listed - on_disk)}"
    assert on_disk <= listed, f"not listed in samples/README.md: {sorted(on_disk - listed)}"
    assert "licence" in text.lower() or "license" in text.lower()
