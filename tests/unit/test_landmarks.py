"""PoseSeries: validation, file round trips, mirroring and flip averaging."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from hipcheck.errors import InputNotFoundError, InvalidDataError
from hipcheck.landmarks import (
    L_HIP,
    L_KNEE,
    LANDMARK_NAMES,
    LEFT_RIGHT_PAIRS,
    R_HIP,
    R_KNEE,
    PoseSeries,
    Provenance,
    average_with_mirror,
    empty_rows,
)

T = 5


def _series(t: int = T, **over):
    rng = np.random.default_rng(1)
    rows = empty_rows(t)
    rows["xy_px"] = rng.uniform(100, 500, (t, 33, 2))
    rows["z"] = rng.normal(0, 10, (t, 33))
    rows["visibility"] = rng.uniform(0.5, 1, (t, 33))
    rows["presence"] = rng.uniform(0.5, 1, (t, 33))
    rows["xyz_world_m"] = rng.normal(0, 0.3, (t, 33, 3))
    kw = dict(rows, t_s=np.arange(t) / 30.0, resolution_wh=(640, 480))
    kw.update(over)
    return PoseSeries(**kw)


BAD_INPUTS = [
    ({"xy_px": np.zeros((T, 33, 3))}, r"xy_px: expected shape \(5, 33, 2\), got \(5, 33, 3\)"),
    ({"xy_px": np.zeros((T, 17, 2))}, r"xy_px: expected shape \(5, 33, 2\), got \(5, 17, 2\)"),
    ({"z": np.zeros((T + 1, 33))}, r"z: expected shape \(5, 33\), got \(6, 33\)"),
    ({"visibility": np.zeros(T)}, r"visibility: expected shape \(5, 33\), got \(5,\)"),
    ({"xyz_world_m": np.zeros((T, 33, 2))}, r"xyz_world_m: expected shape \(5, 33, 3\)"),
    ({"t_s": np.array([0.0, 0.1, 0.1, 0.2, 0.3])}, r"t_s: expected strictly increasing"),
    ({"t_s": np.array([0.0, 0.1, np.nan, 0.2, 0.3])}, r"t_s: expected finite"),
    ({"resolution_wh": (0, 480)}, r"resolution_wh: expected \(width, height\) > 0"),
    ({"frame_index": np.arange(T + 2)}, r"frame_index: expected shape \(5,\), got \(7,\)"),
    ({"pelvis_mask": np.zeros((T, 8, 8), np.uint8)}, r"expected both or neither"),
    (
        {"pelvis_mask": np.zeros((T, 8, 9), np.uint8), "pelvis_box_px": np.zeros((T, 4))},
        r"pelvis_mask: expected shape \(5, M, M\), got \(5, 8, 9\)",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_INPUTS)
def test_wrong_inputs_are_rejected_with_expected_got(change, message):
    with pytest.raises(ValueError, match=message):
        _series(**change)


def test_arrays_are_read_only_and_missing_is_nan():
    s = _series()
    with pytest.raises(ValueError):
        s.xy_px[0, 0, 0] = 1.0
    empty = empty_rows(3)
    assert np.isnan(empty["xy_px"]).all()


def test_left_right_pairs_cover_every_sided_landmark():
    names = [(LANDMARK_NAMES[a], LANDMARK_NAMES[b]) for a, b in LEFT_RIGHT_PAIRS]
    assert len(names) == 16
    assert all(a.replace("left", "right") == b for a, b in names)


def test_npz_round_trip_keeps_every_field(tmp_path):
    mask = np.random.default_rng(2).integers(0, 255, (T, 16, 16), dtype=np.uint8)
    prov = Provenance(source_path="clip.mp4", source_sha256="ab" * 32, model_sha256="cd" * 32, fps=30.0)
    s = _series(pelvis_mask=mask, pelvis_box_px=np.full((T, 4), 10.0), provenance=prov)
    xy = s.xy_px.copy()
    xy[2] = np.nan
    s = s.replace(xy_px=xy)
    back = PoseSeries.load_npz(s.save_npz(tmp_path / "p.npz"))
    np.testing.assert_array_equal(back.xy_px, s.xy_px)
    np.testing.assert_array_equal(back.pelvis_mask, mask)
    assert back.provenance == prov
    assert back.resolution_wh == (640, 480)
    assert not list(tmp_path.glob("*.part*"))


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(InputNotFoundError, match=r"missing\.npz"):
        PoseSeries.load_npz(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    with pytest.raises(InvalidDataError, match=r"bad\.npz"):
        PoseSeries.load_npz(bad)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(InvalidDataError, match=r"expected a hipcheck\.pose/1 pose file"):
        PoseSeries.load_npz(other)


def test_csv_has_one_row_per_frame_and_empty_cells_for_missing(tmp_path):
    s = _series()
    xy = s.xy_px.copy()
    xy[1, L_HIP] = np.nan
    path = s.replace(xy_px=xy).to_csv(tmp_path / "p.csv")
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == T
    assert rows[1]["left_hip_x_px"] == ""
    assert float(rows[0]["left_hip_x_px"]) == pytest.approx(s.xy_px[0, L_HIP, 0], abs=1e-4)


def test_mirrored_flips_x_and_swaps_sides_and_is_an_involution():
    s = _series()
    m = s.mirrored()
    assert m.xy_px[0, L_HIP, 0] == pytest.approx(640 - s.xy_px[0, R_HIP, 0])
    assert m.xy_px[0, L_KNEE, 1] == pytest.approx(s.xy_px[0, R_KNEE, 1])
    np.testing.assert_allclose(m.mirrored().xy_px, s.xy_px)


def test_flip_average_is_mirror_equivariant_and_cancels_a_labelled_bias():
    s = _series()

    # a model that reads the left-labelled hip 3 px higher than it is, in any picture
    def biased(p):
        xy = p.xy_px.copy()
        xy[:, L_HIP, 1] -= 3.0
        return p.replace(xy_px=xy)

    truth = s
    flipped_truth = s.mirrored()  # the same body seen in the flipped picture

    def hip_dy(p):
        return p.xy_px[:, R_HIP, 1] - p.xy_px[:, L_HIP, 1]

    avg = average_with_mirror(biased(truth), biased(flipped_truth))
    assert np.abs(hip_dy(biased(truth)) - hip_dy(truth)).min() == pytest.approx(3.0)
    np.testing.assert_allclose(hip_dy(avg), hip_dy(truth), atol=1e-9)  # the hip-line bias cancels
    # swapping the roles gives the mirrored result exactly
    avg_m = average_with_mirror(biased(flipped_truth), biased(truth))
    np.testing.assert_allclose(avg_m.xy_px, avg.mirrored().xy_px, atol=1e-9)
    assert avg.provenance.extra["flip_average"] is True


def test_flip_average_keeps_a_detection_found_in_one_pass_only():
    s = _series()
    xy = s.xy_px.copy()
    xy[3] = np.nan
    only_flipped = average_with_mirror(s.replace(xy_px=xy), s.mirrored())
    np.testing.assert_allclose(only_flipped.xy_px[3], s.xy_px[3])


def test_flip_average_rejects_mismatched_series():
    with pytest.raises(ValueError, match="flipped: expected 5 rows"):
        average_with_mirror(_series(), _series(t=4))


def test_loading_a_long_pose_file_makes_no_float64_copy_of_its_masks(tmp_path) -> None:
    """The value checks of load_npz read extremes in place: a (T, 64, 64) uint8 mask is not
    widened to float64 (8 bytes a pixel: 0.6 GB for a 10-minute clip)."""
    import tracemalloc

    t = 3000
    masks = np.full((t, 64, 64), 200, np.uint8)
    boxes = np.tile([10.0, 20.0, 74.0, 84.0], (t, 1))
    path = _series(t, pelvis_mask=masks, pelvis_box_px=boxes).save_npz(tmp_path / "long.npz")
    tracemalloc.start()
    try:
        loaded = PoseSeries.load_npz(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rows = ("xy_px", "z", "visibility", "presence", "xyz_world_m")
    data = masks.nbytes + sum(getattr(loaded, k).nbytes for k in rows)
    assert peak < 2.5 * data, f"peak {peak / 2**20:.0f} MiB for {data / 2**20:.0f} MiB of rows"
    np.testing.assert_array_equal(loaded.pelvis_mask, masks)
