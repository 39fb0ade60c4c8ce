"""Pure parts of ``hipcheck live``: framing, protocol state machine, rep counter, readouts, drawing.

No camera, no MediaPipe: synthetic skeletons (hipcheck.lab.make_pose) and hand-made feature streams.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from hipcheck.lab import make_pose
from hipcheck.live import (
    FramingCheck,
    LiveFeatures,
    Phase,
    ProtocolMachine,
    ReadoutTracker,
    RepCounter,
    build_protocol,
    cfr_copies,
    check_framing,
    frame_angles_deg,
    live_features,
    mean_luma,
)
from hipcheck.metrics import band

GOOD = FramingCheck(True, ())
BAD = FramingCheck(False, ("Come closer",))


def _framing(**kw):
    p = make_pose(n_frames=1, **kw)
    return check_framing(p.xy_px[0], p.visibility[0], p.resolution_wh, luma=120.0)


# ---------------------------------------------------------------- framing


def test_framing_good_front_view():
    f = _framing()
    assert f.ok and f.messages == ()
    assert abs(f.roll_deg) < 1e-6
    assert 0.45 < f.height_frac < 0.92


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"view": "side"}, "Face the camera"),
        ({"roll_deg": 8.0}, "Level the camera"),
        ({"scale_px_per_m": 150.0}, "Come closer"),
        ({"translate_px": (0.0, 200.0)}, "Step back"),
        ({"translate_px": (700.0, 0.0)}, "Move to the middle"),
    ],
)
def test_framing_bad_inputs_name_the_problem(kw, message):
    f = _framing(**kw)
    assert not f.ok
    assert any(m.startswith(message) for m in f.messages), f.messages


def test_framing_roll_sign_follows_camera_convention():
    # camera convention: + = a true horizontal descends toward the image right
    assert _framing(roll_deg=8.0).roll_deg == pytest.approx(8.0, abs=0.2)
    assert _framing(roll_deg=-8.0).roll_deg == pytest.approx(-8.0, abs=0.2)


def test_framing_roll_ignores_a_lifted_foot():
    f = _framing(foot_lift={"left": 0.0, "right": 1.0})
    assert abs(f.roll_deg) < 1.0 and f.ok


@pytest.mark.parametrize(("yaw", "turn"), [(15.0, "right"), (-15.0, "left"), (5.0, None)])
def test_framing_asks_to_turn_square_to_the_camera(yaw, turn):
    p = make_pose(n_frames=1, yaw_deg=yaw)
    f = check_framing(p.xy_px[0], p.visibility[0], p.resolution_wh, luma=120.0, world_m=p.xyz_world_m[0])
    assert f.yaw_deg == pytest.approx(yaw, abs=0.1)
    if turn is None:
        assert f.ok, f.messages
    else:
        assert not f.ok and f.messages == (f"Turn a little to your {turn}, square to the camera",)


def test_framing_no_person_and_dark():
    f = check_framing(None, None, (640, 480), luma=20.0)
    assert not f.ok
    assert f.messages == ("Stand in front of the camera", "More light please")
    p = make_pose(n_frames=1)
    assert check_framing(p.xy_px[0], p.visibility[0], p.resolution_wh, luma=20.0).messages == ("More light please",)


def test_mean_luma_of_flat_images():
    assert mean_luma(np.full((48, 64, 3), 200, np.uint8)) == pytest.approx(200.0, abs=0.01)
    blue = np.zeros((48, 64, 3), np.uint8)
    blue[..., 0] = 255
    assert mean_luma(blue) == pytest.approx(0.114 * 255, abs=0.1)


def test_live_features_hip_height_and_lift():
    p = make_pose(n_frames=3, squat_depth=[0.0, 0.5, 1.0], foot_lift={"left": [0, 0, 0], "right": [0, 0, 0]})
    hh = [live_features(0.0, p.xy_px[i], p.visibility[i], p.resolution_wh, luma=100).hip_height_px for i in range(3)]
    assert hh[0] > hh[1] > hh[2] > 0
    p = make_pose(n_frames=1, foot_lift={"left": 0.0, "right": 1.0})
    f = live_features(0.0, p.xy_px[0], p.visibility[0], p.resolution_wh, luma=100)
    assert f.ankle_y_right_px < f.ankle_y_left_px - 50  # right foot lifted (y down)
    none = live_features(1.0, None, None, (640, 480), luma=100)
    assert not none.person and math.isnan(none.hip_height_px)


# ---------------------------------------------------------------- protocol


def test_build_protocol_full_order_and_scale():
    steps = build_protocol("full")
    assert [s.key for s in steps] == [
        "quiet_stance", "squat", "lunge_left", "lunge_right", "single_leg_left", "single_leg_right",
    ]  # fmt: skip
    assert steps[0].hold_s == 5.0 and steps[1].target_reps == 5 and steps[4].hold_s == 10.0
    half = build_protocol("full", time_scale=0.5, reps=3)
    assert half[0].hold_s == 2.5 and half[0].countdown_s == 1.5 and half[1].target_reps == 3
    assert [s.key for s in build_protocol("single-leg")] == ["quiet_stance", "single_leg_left", "single_leg_right"]
    with pytest.raises(ValueError, match="protocol"):
        build_protocol("jump")
    with pytest.raises(ValueError):
        build_protocol("full", time_scale=0.0)


def test_rep_counter_counts_sine_reps_with_hysteresis():
    c = RepCounter(down=0.2, up=0.08)
    t = np.arange(0, 10, 1 / 30)
    depth = 0.2 * (1 - np.cos(2 * np.pi * t / 2.0))  # 5 reps of 2 s, depth 0..0.4
    depth += 0.01 * np.sin(2 * np.pi * 7 * t)  # jitter
    for ti, d in zip(t, depth, strict=True):
        c.update(float(ti), float(d))
    assert c.count == 5
    bottoms = [b for b, _ in c.rep_times_s]
    assert np.allclose(bottoms, [1, 3, 5, 7, 9], atol=0.15)


def test_rep_counter_jitter_at_one_threshold_never_counts():
    c = RepCounter(down=0.2, up=0.08)
    for i in range(200):
        c.update(i / 30, 0.2 + (0.03 if i % 2 else -0.03))  # oscillates around "down" only
    assert c.count == 0
    assert not c.update(8.0, math.nan)
    with pytest.raises(ValueError):
        RepCounter(down=0.1, up=0.2)


def _feat(t, hip=300.0, la=600.0, ra=600.0, framing=GOOD, person=True):
    return LiveFeatures(t, person, hip, la, ra, framing)


class Driver:
    """Feeds a ProtocolMachine at 30 frames/s with a scripted body."""

    def __init__(self, machine: ProtocolMachine) -> None:
        self.m, self.t, self.done = machine, 0.0, []

    def run(self, seconds: float, **body) -> None:
        for _ in range(round(seconds * 30)):
            self.t += 1 / 30
            self.done += self.m.update(_feat(self.t, **body))

    def squats(self, n: int, period_s: float = 1.5, depth: float = 0.4) -> None:
        for _ in range(round(n * period_s * 30)):
            self.t += 1 / 30
            d = depth / 2 * (1 - math.cos(2 * math.pi * self.t / period_s))
            self.done += self.m.update(_feat(self.t, hip=300.0 * (1 - d)))


def test_full_protocol_runs_through_with_timings():
    steps = build_protocol("full", time_scale=0.2, reps=3)
    d = Driver(ProtocolMachine(steps))
    d.run(0.5, framing=BAD)
    assert d.m.phase is Phase.FRAMING
    d.run(1.2)  # good framing for > 1 s starts the countdown
    assert d.m.phase in (Phase.COUNTDOWN, Phase.ACTIVE)
    d.run(1.0)  # countdown 0.6 s + 0.4 s still standing
    d.run(1.0)  # hold 1 s → done
    assert [r.key for r in d.done] == ["quiet_stance"]
    for _ in range(3):  # squat, lunge left, lunge right: 3 reps each (+ countdown)
        d.run(0.7)
        d.squats(3)
        d.run(0.3)
    assert [r.status for r in d.done] == ["done"] * 4
    assert all(r.reps == 3 for r in d.done[1:])
    for lifted in ("right", "left"):  # stance left lifts the right foot, then the reverse
        d.run(0.7)
        d.run(2.2, **({"ra": 540.0} if lifted == "right" else {"la": 540.0}))
    assert d.m.done and d.m.end_reason == "completed"
    recs = d.done
    assert [r.key for r in recs][-2:] == ["single_leg_left", "single_leg_right"]
    assert all(r.status == "done" and r.hold_s >= 2.0 for r in recs[-2:])
    starts = [r.t_start_s for r in recs]
    assert all(a < b for a, b in itertools.pairwise(starts))
    assert all(r.t_countdown_s < r.t_start_s < r.t_end_s for r in recs)
    assert recs[0].t_start_s - recs[0].t_countdown_s == pytest.approx(0.6, abs=0.05)


def test_single_leg_wrong_foot_times_out():
    steps = build_protocol("single-leg", time_scale=0.2)  # hold 2 s, time-out 6 s
    d = Driver(ProtocolMachine(steps))
    d.m.press("space", 0.0)
    d.run(2.0)  # quiet stance done
    d.run(7.0, la=540.0)  # stands on the right leg while asked for the left
    assert d.done[1].key == "single_leg_left" and d.done[1].status == "timeout" and d.done[1].hold_s == 0.0


def test_touchdowns_are_counted():
    steps = build_protocol("single-leg", time_scale=1.0)
    d = Driver(ProtocolMachine(steps))
    d.m.press("space", 0.0)
    d.run(8.5)  # countdown 3 + hold 5
    d.run(3.0)  # countdown of single leg left
    for _ in range(3):
        d.run(1.0, ra=540.0)
        d.run(0.3)
    status = d.m.status(d.t)
    assert status.step.key == "single_leg_left"
    assert status.hold_s == pytest.approx(3.0, abs=0.1)
    assert d.m._run.touchdowns == 3


def test_framing_timeout_starts_with_a_warning():
    m = ProtocolMachine(build_protocol("squat"), framing_timeout_s=2.0)
    d = Driver(m)
    d.run(1.9, framing=BAD)
    assert m.phase is Phase.FRAMING
    d.run(0.2, framing=BAD)
    assert m.phase is Phase.COUNTDOWN
    assert "framing not confirmed" in m.warnings[0]


def test_pause_stops_the_clock_and_keys_skip_redo_quit():
    steps = build_protocol("full", time_scale=0.2, reps=2)
    d = Driver(ProtocolMachine(steps))
    d.m.press("space", d.t)
    d.run(0.7)  # countdown over, quiet stance active
    d.m.press("space", d.t)
    assert d.m.phase is Phase.PAUSED
    d.run(3.0)  # paused: no progress, no timeout
    assert d.done == [] and d.m.status(d.t).prompt.startswith("Paused")
    d.m.press("space", d.t)
    d.run(1.1)
    assert d.done[-1].key == "quiet_stance" and d.done[-1].paused_s == pytest.approx(3.0, abs=0.05)
    d.done += d.m.press("n", d.t)  # skip the squats (during their countdown)
    assert d.done[-1].key == "squat" and d.done[-1].status == "skipped"
    d.m.press("r", d.t)  # in the countdown of lunge_left: go back to the squats
    assert d.m.status(d.t).step.key == "squat"
    d.run(0.7)
    d.squats(2)
    assert d.done[-1].key == "squat" and d.done[-1].status == "done" and d.done[-1].attempt == 2
    d.done += d.m.press("q", d.t)
    assert d.m.done and d.m.end_reason == "quit"
    assert d.done[-1].key == "lunge_left" and d.done[-1].status == "quit"
    assert d.m.press("space", d.t) == [] and d.m.update(_feat(d.t + 1)) == []


def test_finish_closes_the_step_in_progress():
    m = ProtocolMachine(build_protocol("squat"))
    m.press("space", 0.0)
    out = m.finish(2.0, "source_ended")
    assert [(r.key, r.status, math.isnan(r.t_start_s)) for r in out] == [("quiet_stance", "source_ended", True)]
    assert m.done and m.finish(3.0, "again") == []


def test_no_person_gives_no_progress():
    d = Driver(ProtocolMachine(build_protocol("squat", time_scale=0.2)))
    d.m.press("space", 0.0)
    d.run(1.5, person=False, hip=math.nan)
    assert d.m.status(d.t).hold_s == 0.0


def test_synthetic_squat_video_counts_reps_end_to_end():
    t = np.arange(0, 12, 1 / 30)
    depth = np.clip(0.5 * (1 - np.cos(2 * np.pi * (t - 3) / 2.0)), 0, 1) * (t > 3)
    p = make_pose(n_frames=t.size, squat_depth=depth)
    m = ProtocolMachine(build_protocol("squat", time_scale=0.2, reps=4))
    done = []
    for i in range(t.size):
        done += m.update(live_features(float(p.t_s[i]), p.xy_px[i], p.visibility[i], p.resolution_wh, luma=120))
    assert [(r.key, r.status) for r in done] == [("quiet_stance", "done"), ("squat", "done")]
    assert done[1].reps == 4


# Hip height (px, lower ankle y − hip-midpoint y) that MediaPipe (full model) returns for every frame of
# ../shared/videos/squat_front_bodyweight_annotated_webcam_01.mp4 (20 fps, 640x480): a real, glitchy signal
# with tracking gaps (NaN) at the bottom of deep squats. Full reps bottom out near 4.7 s and 7.5 s.
NAN = math.nan
WEBCAM_HIP_HEIGHT_PX = [
    35, 47, NAN, NAN, 52, 161, 172, 146, 145, 139, 169, 186, 190, 177, 167, 158, 150, 142, 123, 122, 123, 101,
    101, 82, 81, 56, 49, 52, 48, 49, 48, 49, 48, 48, 51, 49, 49, 49, 48, 49, 57, 54, 64, 79, 96, 126, 146, NAN,
    138, 155, 154, 155, 162, 167, 185, 181, 205, 215, 214, 211, 208, 209, 209, 213, 183, 209, 211, 210, 211,
    211, 208, 148, 197, 188, 186, 181, 173, 166, 158, 151, 151, 131, 122, 98, 125, 59, 46, 60, 53, 53, 52, 53,
    53, 50, 56, 53, 51, 57, 53, 54, 51, 51, 54, 52, 69, 90, 35, 117, NAN, NAN, NAN, NAN, 151, 150, 150, 158,
    143, 200, 213, 212, 213, 213, 208, 209, 193, 144, 153, 146, 158, 201, 203, 206, 194, 191, 182, 184, 181,
    136, 154, 159, 139, 139, 56, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN,
    NAN, NAN, NAN, NAN, 45, 36, 35, 74, 93, 75, 136, 142, 125, 141, 156, 168, 185, 186, 197, 196, 209, 213, 213,
    212, 213, 213, 212, 212, 167, 205, 205, 209, 202, 205, 189, 189, NAN, NAN, NAN, NAN, 110, 88, NAN, NAN, NAN,
    NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 51, 78, 76, 87, 81,
    113, 112, 139, 128, NAN, 135, 131, 118, 180, 206, 202, 207
]  # fmt: skip


@pytest.mark.parametrize("every", [1, 2, 3, 4])
def test_reps_on_a_recorded_signal_survive_low_pose_rates(every):
    """The live pose worker may only get every 2nd–4th frame: the squat step must still count reps."""
    h = np.array(WEBCAM_HIP_HEIGHT_PX, dtype=float)
    t = np.arange(h.size) / 20.0
    m = ProtocolMachine(build_protocol("full", time_scale=0.1, reps=2), framing_timeout_s=2.0)
    for ti, hi in list(zip(t, h, strict=True))[::every]:
        m.update(LiveFeatures(float(ti), not math.isnan(hi), float(hi), 400.0, 400.0, BAD))
    squat = next(r for r in m.records if r.key == "squat")
    assert squat.reps == (2 if every <= 2 else 1)
    assert squat.rep_times_s[0][0] == pytest.approx(4.7, abs=0.6)


# ---------------------------------------------------------------- readouts


def test_frame_angles_known_answers():
    p = make_pose(n_frames=1, pelvic_obliquity_deg=6.0, knee_valgus_deg={"left": 12.0, "right": -4.0})
    assert frame_angles_deg(p.xy_px[0]) == pytest.approx((6.0, 12.0, -4.0), abs=1e-6)
    back = make_pose(n_frames=1, view="back", pelvic_obliquity_deg=6.0, knee_valgus_deg={"left": 12.0, "right": -4.0})
    assert frame_angles_deg(back.xy_px[0]) == pytest.approx((6.0, 12.0, -4.0), abs=1e-6)


def test_readouts_baseline_and_pelvic_drop_sign():
    n = 60
    stand = make_pose(n_frames=n, pelvic_obliquity_deg=1.5)
    tr = ReadoutTracker()
    for i in range(n):
        tr.update(i / 30, stand.xy_px[i], stand.visibility[i], baseline=True)
    assert tr.baseline_deg == pytest.approx(1.5, abs=1e-6)
    # standing on the right leg, the left hip drops 5° below baseline: θ = 1.5 − 5
    drop = make_pose(n_frames=n, pelvic_obliquity_deg=-3.5, foot_lift={"left": 1.0, "right": 0.0})
    r = None
    for i in range(n):
        r = tr.update(2 + i / 30, drop.xy_px[i], drop.visibility[i], stance="right")
    assert r.pelvic_drop_deg == pytest.approx(5.0, abs=0.05)
    assert r.obliquity_deg == pytest.approx(-3.5, abs=0.05)
    assert r.bands()["pelvic_drop_deg"] == "amber"
    hike = tr.update(5.0, stand.xy_px[0], stand.visibility[0], stance="left")  # θ = θ0: no drop
    assert hike.pelvic_drop_deg == pytest.approx(0.0, abs=1.0) and hike.stance == "left"


def test_readouts_missing_when_legs_not_visible():
    p = make_pose(n_frames=1)
    vis = p.visibility[0].copy()
    vis[25] = 0.1  # left knee
    r = ReadoutTracker().update(0.0, p.xy_px[0], vis)
    assert math.isnan(r.fppa_left_deg) and math.isnan(r.pelvic_drop_deg)
    assert ReadoutTracker().update(0.0, None, None).bands()["fppa_left_deg"] == "none"


def test_readouts_are_smoothed_causally():
    rng = np.random.default_rng(0)
    n = 120
    p = make_pose(n_frames=n, knee_valgus_deg={"left": 10.0, "right": 0.0})
    noisy = p.xy_px + rng.normal(0.0, 1.5, p.xy_px.shape)
    raw = np.array([frame_angles_deg(noisy[i])[1] for i in range(n)])
    tr = ReadoutTracker()
    out = np.array([tr.update(i / 30, noisy[i], p.visibility[i]).fppa_left_deg for i in range(n)])
    assert np.std(out[30:]) < 0.5 * np.std(raw[30:])
    assert np.mean(out[30:]) == pytest.approx(10.0, abs=1.0)
    # a step change is followed within a second
    q = make_pose(n_frames=30, knee_valgus_deg={"left": 20.0, "right": 0.0})
    last = [tr.update(4 + i / 30, q.xy_px[i], q.visibility[i]).fppa_left_deg for i in range(30)][-1]
    assert last == pytest.approx(20.0, abs=1.0)


def test_band_edges():
    assert [band(v, (4.0, 8.0)) for v in (0.0, -3.9, 4.0, 7.9, 8.0, -20.0)] == [
        "green", "green", "amber", "amber", "red", "red",
    ]  # fmt: skip
    assert band(math.nan, (4.0, 8.0)) == "none"
    assert band(-20.0, (4.0, 8.0), one_sided=True) == "green" and band(9.0, (4.0, 8.0), one_sided=True) == "red"


# ---------------------------------------------------------------- recorder timing


def test_cfr_copies_keeps_the_file_on_the_source_clock():
    fps, written, out = 10.0, 0, []
    for t in (0.0, 0.1, 0.2, 0.5, 0.52, 0.55, 0.7):
        c = cfr_copies(t, 0.0, fps, written)
        written += c
        out.append(c)
    assert out == [1, 1, 1, 3, 0, 1, 1]  # gap → repeats; early → dropped
    assert written == 8  # frames 0..0.7 s at 10 fps


# ---------------------------------------------------------------- drawing


def test_draw_live_frame_mirrors_and_draws_overlay():
    cv2 = pytest.importorskip("cv2")
    from hipcheck.live import draw_live_frame
    from hipcheck.render import LEFT_BGR

    p = make_pose(n_frames=1, resolution_wh=(640, 480))
    img = np.zeros((480, 640, 3), np.uint8)
    img[:, :100] = (0, 0, 200)  # red band on the image's left
    m = ProtocolMachine(build_protocol("full"))
    m.update(_feat(0.0, framing=BAD))

    class Pose:
        xy_px, visibility = p.xy_px[0], p.visibility[0]

    out = draw_live_frame(img, Pose(), m.status(0.0), ReadoutTracker().update(0.0, Pose.xy_px, Pose.visibility))
    assert out.shape == img.shape and img[:, 100:].max() == 0  # input untouched
    assert np.all(out[300, 560:] == (0, 0, 200))  # the band moved to the right (mirror)
    # the left thigh (hip 23 → knee 25) is on the image right in a front view: after mirroring, display left
    hip, knee = p.xy_px[0, 23], p.xy_px[0, 25]
    mid = ((hip + knee) / 2).round().astype(int)
    x_disp = 639 - mid[0]
    patch = out[mid[1] - 3 : mid[1] + 4, x_disp - 3 : x_disp + 4].reshape(-1, 3)
    assert any(np.abs(patch.astype(int) - LEFT_BGR).sum(axis=1) < 30)
    banner = out[:60]
    assert (banner > 240).all(axis=2).sum() > 200  # white prompt text
    assert cv2 is not None
    active = replace(m.status(0.0), phase=Phase.ACTIVE, step=build_protocol("full")[1], prompt="5 squats")
    out2 = draw_live_frame(img, None, active, ReadoutTracker().update(0.0, Pose.xy_px, Pose.visibility))
    assert out2.shape == img.shape and not np.array_equal(out2, out)


def test_quiet_stance_does_not_count_time_spent_squatting():
    steps = build_protocol("squat", time_scale=0.2, reps=3)
    squatting = Driver(ProtocolMachine(steps))
    squatting.run(1.2)  # framing good for > 1 s, then the countdown
    squatting.run(0.6)
    squatting.squats(8, period_s=1.5)  # 12 s of squats: the tops of the reps are not a quiet stance
    first = squatting.done[0]
    assert first.key == "quiet_stance" and first.status == "timeout" and first.hold_s < 0.5
    still = Driver(ProtocolMachine(build_protocol("squat", time_scale=0.2, reps=3)))
    still.run(1.2)
    still.run(0.6)
    still.run(1.5)  # standing still
    assert [(r.key, r.status) for r in still.done] == [("quiet_stance", "done")]
