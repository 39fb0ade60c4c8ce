"""Landmarks of a video file: pose estimation with flip averaging, the waistline, a ``.npz`` cache.

``estimate_pose_file`` runs the pose model on the frames and (by default) on
the horizontally flipped frames, averages the two
(:func:`~hipcheck.landmarks.average_with_mirror`) and measures the visible
waistline in every frame (:mod:`hipcheck.extract._waistline`).

How it runs (see :mod:`hipcheck.extract._stream`): the file is decoded once,
by a decoder thread that feeds two pose workers (frames, mirrored frames),
each with its own landmarker created in its own thread and run sequentially
in VIDEO mode, so tracking is exactly that of one pass over the clip; the
calling thread averages each frame's two poses as they arrive and finds the
waistline on the frame and on its mirror image. Memory: a few frames in
flight plus the output arrays, whatever the clip's length.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from hipcheck import io
from hipcheck.errors import InputNotFoundError, InvalidDataError
from hipcheck.extract._chunks import chunk_seam, run_single_pass_chunked
from hipcheck.extract._stream import run_passes
from hipcheck.extract._waistline import waistline_series
from hipcheck.landmarks import PoseSeries, mirror_points_px, mirror_waist_px, nanmean2
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
    source_sha = io.sha256_file(source)
    key = (source_sha, model_sha, stride, flip_average)
    cached = _read_cache(cache_path, key)
    if cached is not None:
        return cached
    series = estimate_pose_file(
        source, model_path=model, stride=stride, flip_average=flip_average, progress=progress, source_sha256=source_sha
    )
    series.save_npz(cache_path)
    return series


def estimate_pose_file(
    source: str | Path | int,
    *,
    model_path: str | Path | None = None,
    stride: int = 1,
    flip_average: bool = True,
    progress: ProgressFn | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    max_people: int = 2,
    segmentation: bool = True,
    source_sha256: str | None = None,
) -> PoseSeries:
    """Pose and waistline of a video file (or image, image folder, camera) in one decode.

    With ``flip_average`` the frames are also run horizontally flipped (a second
    landmarker, at the same time on another core) and the two results averaged
    (:func:`~hipcheck.landmarks.average_with_mirror`), which makes the result
    mirror-equivariant and cancels left/right bias of the pose model; the
    waistline is then also found on the flipped frames and averaged
    (:func:`measure_waistline` describes the result). Without it one pass runs
    (less exact: the model's left/right bias stays); on a video of at least
    ``MIN_CHUNKED_S`` it runs as two halves on two cores, and the result is still
    that of the pass from the start (:mod:`hipcheck.extract._chunks` says how).

    Args:
        source: what :func:`hipcheck.io.open_source` opens.
        model_path: a ``.task`` bundle, or None for the bundled model.
        stride: keep every ``stride``-th frame.
        flip_average: also run the mirrored frames and average.
        progress: ``progress(frames_done, total_or_None)``, called from the calling thread
            as each frame has both its poses and its waistline.
        start_s: keep frames with ``t_s >= start_s`` (seconds).
        end_s: keep frames with ``t_s < end_s`` (seconds).
        max_people: people the model may return per frame (the subject is chosen among them).
        segmentation: also record the pelvis mask (``pelvis_mask``, ``pelvis_box_px``): about 20 %
            more model time per pass; its hip contour is the pelvic-drop line when no waistline is
            seen (a one-colour outfit, a long shirt), so it is on by default.
        source_sha256: the file's SHA-256 when the caller already has it (else hashed here).

    Raises:
        HipcheckError subclasses of :func:`hipcheck.io.open_source` and
        :func:`hipcheck.io.estimate_pose`; KeyboardInterrupt stops every worker first.
    """
    with io.open_source(source, stride=stride, start_s=start_s, end_s=end_s) as frames:
        if source_sha256 is None and frames.info.kind == "video":
            source_sha256 = io.sha256_file(Path(frames.info.source))  # once, not once per pass
        options: dict[str, Any] = {
            "model_path": model_path, "max_people": max_people, "segmentation": segmentation, "stride": stride,
            "source_sha256": source_sha256,
        }  # fmt: skip
        seam = None if flip_average or max_people < 2 else chunk_seam(frames, start_s, end_s)
        if seam is not None:  # the single pass on two cores, same result (see _chunks)

            def reopen(t_s: float) -> AbstractContextManager[io.FrameSource]:
                return io.open_source(source, stride=stride, start_s=t_s, end_s=end_s)

            result = run_single_pass_chunked(frames, reopen, seam, options, progress)
        else:
            result = run_passes(frames, flip=flip_average, progress=progress, **options)
    series = result.series
    waist = result.waist_px
    if flip_average:
        assert result.waist_flipped_px is not None
        back = mirror_waist_px(result.waist_flipped_px, series.resolution_wh[0])  # no copy of the whole series
        waist = nanmean2(waist, back)
    return series.replace(waist_px=waist)


def measure_waistline(source: Path, series: PoseSeries, *, stride: int = 1, flip_average: bool = True) -> PoseSeries:
    """``series`` with ``waist_px``: the visible waistline in every frame
    (:func:`hipcheck.extract.waistline_series`), placed by the series' own
    landmarks; with ``flip_average`` also on the flipped frames (with the
    mirrored landmarks), mirrored back and averaged, so it stays mirror-equivariant.

    (:func:`estimate_pose_file` does this while it estimates the pose; this
    decodes ``source`` again, for a series made without it.)
    """
    rows = series.frame_index
    assert rows is not None  # always set by PoseSeries validation
    with io.open_source(source, stride=stride) as frames:
        waist = waistline_series(frames, series.xy_px, rows)
    if flip_average:
        width = series.resolution_wh[0]
        with io.open_source(source, stride=stride) as frames:
            flipped = waistline_series(io.Mirrored(frames), mirror_points_px(series.xy_px, width), rows)
        waist = nanmean2(waist, mirror_waist_px(flipped, width))
    return series.replace(waist_px=waist)


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
