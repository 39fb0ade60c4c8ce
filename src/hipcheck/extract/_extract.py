"""Landmarks of a video file: pose estimation with flip averaging, the waistline, a ``.npz`` cache.

``estimate_pose_file`` runs the pose model on the frames and (by default) on
the horizontally flipped frames, averages the two
(:func:`~hipcheck.landmarks.average_with_mirror`) and measures the visible
waistline in every frame (:mod:`hipcheck.extract._waistline`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from hipcheck import io
from hipcheck.errors import InputNotFoundError, InvalidDataError
from hipcheck.extract._waistline import waistline_series
from hipcheck.landmarks import PoseSeries, average_with_mirror, nanmean2
from hipcheck.types import ProgressFn


def load_or_estimate_pose(
    source: Path,
    cache_path: Path,
    *,
    model_path: str | Path | None = None,
    stride: int = 1,
    flip_average: bool = True,
    progress: ProgressFn | None = None,
) -> PoseSeries:
    """The PoseSeries of ``source``: from ``cache_path`` when it was made from
    the same file bytes, model, stride and flip setting, else by running pose
    estimation (and saving it). A ``.npz`` source is loaded directly.
    """
    if not source.exists():
        raise InputNotFoundError(f"{source}: no such file")
    if source.suffix.lower() == ".npz":
        return PoseSeries.load_npz(source)
    model, model_sha = io.resolve_model(model_path)
    key = (io.sha256_file(source), model_sha, stride, flip_average)
    cached = _read_cache(cache_path, key)
    if cached is not None:
        return cached
    series = estimate_pose_file(source, model_path=model, stride=stride, flip_average=flip_average, progress=progress)
    series.save_npz(cache_path)
    return series


def estimate_pose_file(
    source: Path,
    *,
    model_path: str | Path | None = None,
    stride: int = 1,
    flip_average: bool = True,
    progress: ProgressFn | None = None,
) -> PoseSeries:
    """Pose of a video file; with ``flip_average`` the frames are also run
    horizontally flipped and the two results averaged
    (:func:`~hipcheck.landmarks.average_with_mirror`), which makes the result
    mirror-equivariant and cancels left/right bias of the pose model.
    """
    passes = 2 if flip_average else 1
    with io.open_source(source, stride=stride) as frames:
        series = io.estimate_pose(frames, model_path=model_path, stride=stride, progress=_scaled(progress, 0, passes))
    if flip_average:
        with io.open_source(source, stride=stride) as frames:
            flipped = io.estimate_pose(
                _Flipped(frames), model_path=model_path, stride=stride, progress=_scaled(progress, 1, passes)
            )
        series = average_with_mirror(series, flipped)
    return measure_waistline(source, series, stride=stride, flip_average=flip_average)


def measure_waistline(source: Path, series: PoseSeries, *, stride: int = 1, flip_average: bool = True) -> PoseSeries:
    """``series`` with ``waist_px``: the visible waistline in every frame
    (:func:`hipcheck.extract.waistline_series`), placed by the series' own
    landmarks; with ``flip_average`` also on the flipped frames (with the
    mirrored landmarks), mirrored back and averaged, so it stays mirror-equivariant.
    """
    rows = series.frame_index
    assert rows is not None  # always set by PoseSeries validation
    with io.open_source(source, stride=stride) as frames:
        waist = waistline_series(frames, series.xy_px, rows)
    if flip_average:
        mirrored = series.mirrored()
        with io.open_source(source, stride=stride) as frames:
            flipped = waistline_series(_Flipped(frames), mirrored.xy_px, rows)
        back = mirrored.replace(waist_px=flipped).mirrored().waist_px
        assert back is not None
        waist = nanmean2(waist, back)
    return series.replace(waist_px=waist)


class _Flipped:
    """A frame stream whose images are mirrored left-right (same times, info, stride)."""

    def __init__(self, frames: io.FrameStream) -> None:
        self.info = frames.info
        self.stride = frames.stride
        self.expected_frames = frames.expected_frames
        self._frames = frames

    def __iter__(self) -> Iterator[io.Frame]:
        for f in self._frames:
            yield dataclasses.replace(f, image=np.ascontiguousarray(f.image[:, ::-1]))


def _scaled(progress: ProgressFn | None, k: int, passes: int) -> ProgressFn | None:
    if progress is None:
        return None
    overall = progress

    def report(done: int, total: int | None) -> None:
        overall(done + k * (total or 0), None if total is None else total * passes)

    return report


def _read_cache(path: Path, key: tuple[str, str, int, bool]) -> PoseSeries | None:
    if not path.is_file():
        return None
    try:
        cached = PoseSeries.load_npz(path)
    except InvalidDataError:
        return None
    if cached.waist_px is None:  # made before the waistline was measured
        return None
    p = cached.provenance
    return cached if (p.source_sha256, p.model_sha256, p.stride, bool(p.extra.get("flip_average"))) == key else None
