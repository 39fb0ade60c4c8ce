"""Ground-truth JSON for one scenario (joint projections + metrics), shared by render and check."""

from __future__ import annotations

import math
import platform
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tools.lab.body import JOINT_BONES, Body, PosedFrame
from tools.lab.render import camera_pose, focal_px, project
from tools.lab.scenarios import Scenario

from hipcheck.analysis.geometry import pelvic_obliquity_deg
from hipcheck.lab import SCHEMA, compute_metrics

PX_DECIMALS = 2
WORLD_DECIMALS = 4
METRIC_DECIMALS = 4


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("anny", "torch", "pyrender", "PyOpenGL", "trimesh", "numpy", "opencv-contrib-python"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def _nan_to_none(arr: NDArray[np.float64], decimals: int) -> list[Any]:
    return [None if not math.isfinite(v) else round(float(v), decimals) for v in np.ravel(arr)]


def loaded_frames(phase: Sequence[str], side: str) -> NDArray[np.bool_]:
    """(T,) active frames (not bipedal, not transition) where ``side``'s leg bears weight:
    not a single-leg stance's swing leg, not a lunge's back leg."""
    other = "right" if side == "left" else "left"
    return ~np.isin(np.asarray(phase), ["bipedal", "transition", f"single_leg_{other}", f"lunge_{other}"])


def _summary(metrics: dict[str, NDArray[np.float64]], phase: list[str]) -> dict[str, Any]:
    def peak(name: str, mask: NDArray[np.bool_] | None = None) -> float | None:
        arr = metrics[name] if mask is None else metrics[name][mask]
        arr = arr[np.isfinite(arr)]
        if arr.size == 0:
            return None
        return round(float(arr[np.argmax(np.abs(arr))]), 3)

    ph = np.asarray(phase)
    active = ~np.isin(ph, ["bipedal", "transition"])

    def loaded(side: str) -> NDArray[np.bool_] | None:
        mask = loaded_frames(phase, side)
        return mask if mask.any() else None

    return {
        "peak_contralateral_pelvic_drop_deg": peak("contralateral_pelvic_drop_deg"),
        "peak_knee_fppa_left_deg": peak("knee_fppa_left_deg", loaded("left")),
        "peak_knee_fppa_right_deg": peak("knee_fppa_right_deg", loaded("right")),
        "mean_pelvic_obliquity_deg": round(float(np.mean(metrics["pelvic_obliquity_deg"])), 3),
        "peak_trunk_lean_deg": peak("trunk_lean_deg", active if active.any() else None),
    }


def build_ground_truth(
    sc: Scenario, body: Body, times: list[float], frames: list[PosedFrame], phase: list[str]
) -> dict[str, Any]:
    """The ``.gt.json`` document of a rendered scenario."""
    names = list(JOINT_BONES)
    world = np.array([[f.joints[n] for n in names] for f in frames])
    px = np.round(project(sc.camera, world), PX_DECIMALS)
    level = project(sc.camera, world[:, [names.index("left_hip"), names.index("right_hip")]], level=True)
    metrics, theta0 = compute_metrics({n: px[:, i] for i, n in enumerate(names)}, phase)
    level_obl = pelvic_obliquity_deg(left_hip_xy=level[:, 0], right_hip_xy=level[:, 1])
    hip_z = world[:, [names.index("left_hip"), names.index("right_hip")], 2]
    cam = sc.camera
    f = focal_px(cam)
    return {
        "schema": SCHEMA,
        "name": sc.name,
        "video": f"{sc.name}.mp4",
        "split": sc.split,
        "exercise": sc.motion.kind,
        "stance_side": sc.stance_side,
        "weaker_side": sc.weaker_side,
        "fps": sc.fps,
        "resolution_wh": [cam.width, cam.height],
        "n_frames": len(times),
        "baseline_obliquity_deg": None if not math.isfinite(theta0) else round(theta0, METRIC_DECIMALS),
        "camera": {
            "model": "pinhole, no distortion; x_px = cx + f*Xc/-Zc, y_px = cy - f*Yc/-Zc (OpenGL camera axes)",
            "fx": f,
            "fy": f,
            "cx": cam.width / 2,
            "cy": cam.height / 2,
            "camera_to_world": np.round(camera_pose(cam), 9).tolist(),
            "distance_m": cam.distance_m,
            "height_m": cam.height_m,
            "yaw_deg": cam.yaw_deg,
            "roll_deg": cam.roll_deg,
            "aim_height_m": cam.aim_height_m,
            "vfov_deg": cam.vfov_deg,
        },
        "body": {"height_m": round(body.height_m, 4), "phenotype": body.shape.kwargs()},
        "scenario": sc.to_dict(),
        "world_frame": "metres; Z up, +X subject's left, -Y subject's front, floor z = 0 (anny axes)",
        "joint_names": names,
        "frames": {
            "t_s": [round(t, 6) for t in times],
            "phase": phase,
            "joints_px": px.tolist(),
            "joints_world_m": np.round(world, WORLD_DECIMALS).tolist(),
            "metrics": {k: _nan_to_none(v, METRIC_DECIMALS) for k, v in metrics.items()},
            "extra": {
                "pelvic_obliquity_level_camera_deg": _nan_to_none(level_obl, METRIC_DECIMALS),
                "hip_height_left_m": _nan_to_none(hip_z[:, 0], WORLD_DECIMALS),
                "hip_height_right_m": _nan_to_none(hip_z[:, 1], WORLD_DECIMALS),
            },
        },
        "summary": _summary(metrics, phase),
        "generator": {"tool": "tools/lab/render_samples.py", "versions": _versions()},
    }
