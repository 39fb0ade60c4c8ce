"""Property: whatever a ``.npz`` holds, loading it gives a valid PoseSeries or one InvalidDataError
line, and a loaded series either analyses or fails with a documented code (never a traceback).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from hipcheck.errors import EXIT_CODES, HipcheckError, InvalidDataError  # noqa: E402
from hipcheck.landmarks import N_LANDMARKS, NPZ_FORMAT, PoseSeries  # noqa: E402

KEYS = ("xy_px", "z", "visibility", "presence", "xyz_world_m", "t_s", "resolution_wh", "frame_index",
        "pelvis_mask", "pelvis_box_px", "waist_px", "provenance", "format")  # fmt: skip
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN arithmetic on random values
SHAPES = {"xy_px": (N_LANDMARKS, 2), "z": (N_LANDMARKS,), "visibility": (N_LANDMARKS,),
          "presence": (N_LANDMARKS,), "xyz_world_m": (N_LANDMARKS, 3), "t_s": (), "frame_index": (),
          "pelvis_box_px": (4,), "waist_px": (2, 2), "pelvis_mask": (4, 4)}  # fmt: skip

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
dtypes = st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_, np.complex128, np.str_])


@st.composite
def member(draw: st.DrawFn, key: str, t: int) -> np.ndarray:
    """Mostly the right shape with random values; sometimes a scalar, a wrong shape or a wrong type."""
    kind = draw(st.sampled_from(["right", "right", "right", "scalar", "shape", "dtype"]))
    if key == "resolution_wh":
        shape: tuple[int, ...] = (2,)
    elif key == "format":
        return np.array(draw(st.sampled_from([NPZ_FORMAT, NPZ_FORMAT, "hipcheck.pose/2", ""])))
    elif key == "provenance":
        doc = draw(st.one_of(
            st.just({}), st.dictionaries(st.sampled_from(["fps", "stride", "extra", "source_path", "decode"]),
                                         st.one_of(st.none(), st.integers(-3, 3), floats, st.text(max_size=3),
                                                   st.lists(st.integers(), max_size=2))),
            st.lists(st.integers(), max_size=2), st.integers()))  # fmt: skip
        return np.array(json.dumps(doc))
    else:
        shape = (t, *SHAPES[key])
    if kind == "scalar":
        return np.array(draw(floats))
    if kind == "shape":
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    dtype = draw(dtypes) if kind == "dtype" else (np.uint8 if key == "pelvis_mask" else np.float64)
    if key == "t_s" and kind == "right":
        steps = draw(hnp.arrays(np.float64, (t,), elements=st.floats(0.001, 1.0)))
        return np.cumsum(steps)
    if key == "resolution_wh" and kind == "right":
        return np.array(draw(st.tuples(st.integers(-2, 70000), st.integers(-2, 70000))))
    if key == "frame_index" and kind == "right":
        return np.arange(t) * draw(st.integers(-1, 3))
    if dtype is np.str_:
        return np.array(["x"] * int(np.prod(shape))).reshape(shape)
    elements = floats if np.dtype(dtype).kind in "fc" else None
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def npz_contents(draw: st.DrawFn) -> dict[str, np.ndarray]:
    t = draw(st.integers(0, 6))
    keys = draw(st.sets(st.sampled_from(KEYS), min_size=len(KEYS) - 2)) if draw(st.booleans()) else set(KEYS)
    return {k: draw(member(k, t)) for k in sorted(keys)}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])  # fmt: skip
@given(contents=npz_contents())
def test_any_npz_loads_validly_or_fails_in_one_line(tmp_path: Path, contents: dict[str, np.ndarray]) -> None:
    path = tmp_path / "random.npz"
    np.savez(path, **contents)
    try:
        series = PoseSeries.load_npz(path)
    except InvalidDataError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
        return
    assert len(series) > 0
    for arr in (series.xy_px, series.z, series.visibility, series.presence, series.xyz_world_m, series.t_s):
        assert not np.isinf(arr).any()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
@given(scale=st.floats(-1e6, 1e6), nan_fraction=st.floats(0, 1), n=st.integers(1, 90), seed=st.integers(0, 99))
def test_a_loaded_series_analyses_or_fails_with_a_documented_code(tmp_path, scale, nan_fraction, n, seed) -> None:
    from hipcheck.jobs import Job, run_job
    from support import make_pose

    pose = make_pose(n)
    rng = np.random.default_rng(seed)
    xy = pose.xy_px * (1 + scale * 1e-6) + rng.normal(0, abs(scale) * 1e-4 + 1e-9, pose.xy_px.shape)
    xy[rng.random(xy.shape[:2]) < nan_fraction] = np.nan
    path = pose.replace(xy_px=xy).save_npz(tmp_path / "p.npz")
    try:
        result = run_job(Job(path, tmp_path / "out", html=False))
    except HipcheckError as exc:  # pragma: no cover - run_job returns errors as data
        pytest.fail(f"run_job raised {exc!r}")
    assert result.status == "done" or (result.exit_code in EXIT_CODES and result.exit_code not in (0, 1))
