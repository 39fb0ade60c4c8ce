"""Render hipcheck's sample clips with known ground truth, or check the committed ones.

Usage (from the repository root, with the ``[lab]`` extra installed)::

    python -m tools.lab.render_samples --out samples/            # render every sample
    python -m tools.lab.render_samples --out samples/ --only sls_left_drop8_upright
    python -m tools.lab.render_samples --out samples/ --check    # re-pose, compare ground truth, no video
    python -m tools.lab.render_samples --list

Needs OSMesa (Debian: ``apt-get install libosmesa6``). anny's model cache goes
to ``$ANNY_CACHE_DIR`` (default ``~/.cache/hipcheck-lab/anny``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python tools/lab/render_samples.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.lab import catalog, sweep
from tools.lab import render as _render
from tools.lab.body import MATERIALS, Body, clothing_texture, load_model
from tools.lab.scenarios import Scenario, motion_frames
from tools.lab.truth import build_ground_truth, loaded_frames

CATALOGS = {"samples": catalog, "sweep": sweep}
"""The committed samples (``samples/``) and the condition sweep (rendered on demand, see tools/lab/sweep.py)."""
ALL, subdir = catalog.ALL, catalog.subdir

CHECK_TOL = {"px": 0.02, "world": 1e-4, "metric": 0.01}
FOURCC = "mp4v"


def _write_video(path: Path, frames_rgb: list[Any], fps: float) -> None:
    import cv2

    h, w = frames_rgb[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*FOURCC), fps, (w, h))
    if not writer.isOpened():
        raise RuntimeError(f"cannot open a video writer for {path}")
    for rgb in frames_rgb:
        writer.write(rgb[:, :, ::-1].copy())
    writer.release()


def _dump(doc: dict[str, Any], path: Path) -> None:
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def pose_scenario(model: object, sc: Scenario) -> tuple[Body, list[float], list[Any], list[str]]:
    body = Body(model, sc.body)
    times, specs, phases = motion_frames(body.skeleton, sc)
    frames = []
    for i in range(0, len(specs), 32):
        frames += body.pose(specs[i : i + 32])
    return body, times, frames, phases


def render_one(model: object, sc: Scenario, out_root: Path, png_every: int = 0) -> dict[str, Any]:
    """Render one scenario's clip and ground truth into ``out_root/<subdir>/``; returns timing info."""
    out_dir = out_root / subdir(sc)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    body, times, frames, phases = pose_scenario(model, sc)
    t1 = time.perf_counter()
    texcoords, texture = clothing_texture(body, {m: getattr(sc.look, m) for m in MATERIALS}, sc.look.shirt_hem_m)
    rnd = _render.Renderer(sc.camera, sc.look, body.faces, texcoords, texture)
    images = [rnd.render(f.vertices) for f in frames]
    rnd.close()
    t2 = time.perf_counter()
    _write_video(out_dir / f"{sc.name}.mp4", images, sc.fps)
    doc = build_ground_truth(sc, body, times, frames, phases)
    _dump(doc, out_dir / f"{sc.name}.gt.json")
    if png_every:
        import cv2

        for i in range(0, len(images), png_every):
            cv2.imwrite(str(out_dir / f"{sc.name}_{i:04d}.png"), images[i][:, :, ::-1])
    n = len(frames)
    return {
        "frames": n,
        "pose_ms": 1e3 * (t1 - t0) / n,
        "render_ms": 1e3 * (t2 - t1) / n,
        "total_s": time.perf_counter() - t0,
    }


def _compare_dicts(a: dict[str, Any], b: dict[str, Any], where: str, tol: float, errors: list[str]) -> None:
    for k in sorted(set(a) | set(b)):
        if k == "generator":
            continue
        if k not in a or k not in b:
            errors.append(f"{where}.{k}: present on one side only")
            continue
        sub_tol = CHECK_TOL["px"] if k == "joints_px" else CHECK_TOL["world"] if "world" in k else tol
        _compare(a[k], b[k], f"{where}.{k}", sub_tol, errors)


def _compare(a: Any, b: Any, where: str, tol: float, errors: list[str]) -> None:
    """Append to ``errors`` every difference between JSON values ``a`` and ``b`` beyond ``tol``."""
    if isinstance(a, dict) and isinstance(b, dict):
        _compare_dicts(a, b, where, tol, errors)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            errors.append(f"{where}: length {len(a)} != {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _compare(x, y, f"{where}[{i}]", tol, errors)
    elif isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        if not math.isclose(float(a), float(b), abs_tol=tol, rel_tol=1e-6):
            errors.append(f"{where}: {a} != {b}")
    elif a != b:
        errors.append(f"{where}: {a!r} != {b!r}")


def truth_only(model: object, sc: Scenario, out_root: Path) -> None:
    """Re-pose ``sc`` and (re)write its ground-truth JSON without rendering the video."""
    out_dir = out_root / subdir(sc)
    out_dir.mkdir(parents=True, exist_ok=True)
    body, times, frames, phases = pose_scenario(model, sc)
    _dump(build_ground_truth(sc, body, times, frames, phases), out_dir / f"{sc.name}.gt.json")


def check_one(model: object, sc: Scenario, out_root: Path) -> list[str]:
    """Re-pose ``sc`` (no rendering) and compare its ground truth with the committed JSON."""
    path = out_root / subdir(sc) / f"{sc.name}.gt.json"
    if not path.is_file():
        return [f"{path}: missing"]
    body, times, frames, phases = pose_scenario(model, sc)
    fresh = json.loads(json.dumps(build_ground_truth(sc, body, times, frames, phases)))
    stored = json.loads(path.read_text(encoding="utf-8"))
    errors: list[str] = []
    _compare(fresh, stored, sc.name, CHECK_TOL["metric"], errors)
    return errors


README_HEAD = """# hipcheck samples

Short clips rendered by hipcheck's own lab (`tools/lab`: a parametric
[anny](https://pypi.org/project/anny/) body posed with known joint angles and
rendered headless with pyrender), each with its exact ground truth in
`<name>.gt.json` (schema `hipcheck-groundtruth/1`, read it with
`hipcheck.lab.load_ground_truth`; `find_samples("samples")` lists the
pairs). They are the project's own renders. **Licence: the same as the
project (Apache-2.0).** This file is generated by
`python -m tools.lab.render_samples --readme`.

Regenerate every clip (needs the `[lab]` extra and OSMesa, see
`tools/lab/README.md`), and check that the committed ground truth matches:

    python -m tools.lab.render_samples --out samples/
    python -m tools.lab.render_samples --out samples/ --check

## Splits

- **tune** (`samples/*.mp4`): measures may be tuned on these.
- **heldout** (`samples/heldout/*.mp4`): other body shapes, camera placements
  (yaw, roll, height, distance) and drop / valgus sizes. Use them only to check
  a measure tuned on the other split; never tune on them.

## Ground truth (per frame, in each `.gt.json`)

Joint centres (hips, knees, ankles, shoulders, elbows, wrists, balls of the
feet, pelvis, neck, head) projected through the render camera (`joints_px`,
pixels, x right, y down) and in the world (`joints_world_m`), the phase label
(`bipedal`, `transition`, `single_leg_left`, `single_leg_right`, `squat`,
`lunge_left`, `lunge_right`: the front leg) and the DESIGN.md metrics computed from the projections: pelvic
obliquity (+ = left hip higher), contralateral pelvic drop relative to the
leading bipedal frames (single-leg frames only; + = swing-side hip lower),
knee FPPA per side (+ = valgus), hip-height difference (px, + = left higher),
trunk lean (+ = toward the subject's left), lateral pelvic shift, knee/ankle
separation ratio. Pelvic drop truth is the tilt of the hip-joint-centre line,
not of any skin landmark. In a lunge the back leg's FPPA is not meaningful
(the knee is folded behind), and at the bottom of a front-view lunge the
front thigh points at the camera, so its FPPA swings widely (hipcheck does not
report FPPA where the thigh is foreshortened below half its length).

## Clips

"drop" is the pelvis rotation the motion was built with; "true CPD" is the
image-plane value at the end of the clip (camera yaw foreshortens it). "FPPA
L/R" are the true values of largest magnitude during the active phase (stance
leg / front leg only).

| file | split | exercise | stance | weaker side | built with | true CPD (°) | FPPA L / R (°) | body, camera | frames |
|---|---|---|---|---|---|---|---|---|---|
"""


def _readme_row(sc: Scenario, out_root: Path) -> str:
    path = out_root / subdir(sc) / f"{sc.name}.gt.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    m, phase = doc["frames"]["metrics"], doc["frames"]["phase"]
    cpd = [v for v in m["contralateral_pelvic_drop_deg"] if v is not None]
    fppa = []
    for side in ("left", "right"):
        loaded = loaded_frames(phase, side)
        values = [v for v, on in zip(m[f"knee_fppa_{side}_deg"], loaded, strict=True) if on]
        fppa.append(f"{max(values, key=abs):.1f}" if values else "–")
    mo, cam = sc.motion, sc.camera
    built = {
        "single_leg_stance": f"drop {mo.drop_deg:g}°, trunk {mo.trunk}",
        "squat": f"valgus L {mo.valgus_left_deg:g}° / R {mo.valgus_right_deg:g}°, depth {mo.depth_m:g} m",
        "lunge": f"{mo.reps} reps a side, {mo.stance} first; front-knee valgus L {mo.valgus_left_deg:g}° / "
        f"R {mo.valgus_right_deg:g}°",
        "quiet_standing": f"pelvic tilt {mo.tilt_deg:g}° (left up)",
    }[mo.kind]
    rel = f"{subdir(sc)}/{sc.name}.mp4" if subdir(sc) else f"{sc.name}.mp4"
    cam_s = f"{doc['body']['height_m']:.2f} m tall; cam {cam.distance_m:g} m, h {cam.height_m:g} m"
    cam_s += f", yaw {cam.yaw_deg:g}°, roll {cam.roll_deg:g}°"
    cpd_s = f"{cpd[-1]:.1f}" if cpd else "–"
    return (
        f"| `{rel}` | {sc.split} | {mo.kind.replace('_', ' ')} | {sc.stance_side} | {sc.weaker_side} | {built} "
        f"| {cpd_s} "
        f"| {fppa[0]} / {fppa[1]} | {cam_s}, {cam.width}x{cam.height} | {doc['n_frames']} @ {sc.fps:g} fps |"
    )


def write_readme(out_root: Path) -> None:
    """(Re)write ``out_root/README.md`` from the catalogue and the ground-truth files."""
    rows = [_readme_row(sc, out_root) for sc in ALL]
    (out_root / "README.md").write_text(README_HEAD + "\n".join(rows) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("samples"), help="samples root (default: samples/)")
    ap.add_argument("--only", nargs="*", default=None, help="scenario names to process (default: all)")
    ap.add_argument("--check", action="store_true", help="compare re-posed ground truth with the committed JSON")
    ap.add_argument("--truth-only", action="store_true", help="write the ground-truth JSON only (no video)")
    ap.add_argument("--png-every", type=int, default=0, help="also write every N-th frame as PNG (debugging)")
    ap.add_argument("--list", action="store_true", help="list the scenarios and exit")
    ap.add_argument("--readme", action="store_true", help="rewrite <out>/README.md from the ground truth and exit")
    ap.add_argument(
        "--catalog",
        choices=sorted(CATALOGS),
        default="samples",
        help="which scenario set: the committed samples (default) or the condition sweep",
    )
    args = ap.parse_args(argv)
    global ALL, subdir
    ALL, subdir = CATALOGS[args.catalog].ALL, CATALOGS[args.catalog].subdir
    if args.readme:
        write_readme(args.out)
        return 0
    scenarios = [
        sc for sc in ALL if args.only is None or sc.name in args.only or f"{subdir(sc)}/{sc.name}" in args.only
    ]
    if args.list:
        for sc in ALL:
            print(f"{sc.split:8s} {subdir(sc) + '/' if subdir(sc) else ''}{sc.name}")
        return 0
    if not scenarios:
        print("no scenario matches --only", file=sys.stderr)
        return 2
    model = load_model()
    failed = 0
    for sc in scenarios:
        if args.check:
            errors = check_one(model, sc, args.out)
            failed += bool(errors)
            print(f"{'FAIL' if errors else 'ok  '} {sc.split:8s} {sc.name}", flush=True)
            for e in errors[:10]:
                print(f"     {e}")
        elif args.truth_only:
            truth_only(model, sc, args.out)
            print(f"{sc.split:8s} {sc.name}: ground truth written", flush=True)
        else:
            info = render_one(model, sc, args.out, args.png_every)
            print(f"{sc.split:8s} {sc.name}: {info['frames']} frames, pose {info['pose_ms']:.1f} ms/frame, "
                  f"render {info['render_ms']:.1f} ms/frame, {info['total_s']:.1f} s", flush=True)  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
