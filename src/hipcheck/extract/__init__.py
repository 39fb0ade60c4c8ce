"""Video → :class:`~hipcheck.landmarks.PoseSeries` with its image cues, and the ``.npz`` cache.

::

    video ─▶ pose on the frames and on the mirrored frames, averaged (mirror-exact, no left/right bias)
          ─▶ the visible waistline in every frame (belt / waistband / shirt–shorts edge)
          ─▶ PoseSeries (xy_px, xyz_world_m, visibility, waist_px, ...) ─▶ pose.npz

The waistline tilts with the pelvis where the hip landmarks (joint centres)
under-read a pelvic drop; see :func:`find_waistline` for the method.
"""

from hipcheck.extract._extract import estimate_pose_file, load_or_estimate_pose, measure_waistline
from hipcheck.extract._waistline import WaistParams, drop_waistline_outliers, find_waistline, waistline_series

__all__ = [
    "WaistParams",
    "drop_waistline_outliers",
    "estimate_pose_file",
    "find_waistline",
    "load_or_estimate_pose",
    "measure_waistline",
    "waistline_series",
]
