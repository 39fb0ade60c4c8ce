"""The live capture loop without MediaPipe: a generated clip, a fake estimator, a scripted view."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from hipcheck.io import VideoSink, open_source
from hipcheck.lab import make_pose
from hipcheck.live import LiveConfig, Phase, PoseWorker, run_session

FPS = 20.0
N = 80  # 4 s


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "synthetic.mp4"
    with VideoSink(path, FPS, (320, 240)) as sink:
        for i in range(N):
            img = np.full((240, 320, 3), 40 + i, np.uint8)
            img[100:140, (i * 3) % 280 : (i * 3) % 280 + 40] = 250
            sink.write(img)
    return path


class FakePose:
    def __init__(self, xy, vis, world):
        self.xy_px, self.visibility, self.xyz_world_m = xy, vis, world


class FakeEstimator:
    """Returns a synthetic squatting body (one rep per second), picked by the frame time."""

    def __init__(self) -> None:
        t = np.arange(N) / FPS
        self.series = make_pose(
            n_frames=N, fps=FPS, resolution_wh=(320, 240), squat_depth=0.5 * (1 - np.cos(2 * np.pi * t))
        )
        self.calls = 0
        self.closed = False

    def process(self, image_bgr, t_s):
        self.calls += 1
        i = min(round(t_s * FPS), N - 1)
        return FakePose(self.series.xy_px[i], self.series.visibility[i], self.series.xyz_world_m[i])

    def close(self):
        self.closed = True


class ScriptedView:
    def __init__(self, keys: dict[int, str]) -> None:
        self.keys, self.shown, self.statuses, self.closed = keys, 0, [], False

    def show(self, image_bgr, pose, status, readouts):
        assert image_bgr.shape == (240, 320, 3)
        self.shown += 1
        self.statuses.append(status.phase)
        return self.keys.get(self.shown)

    def close(self):
        self.closed = True


def _config(clip: Path, out: Path, **kw) -> LiveConfig:
    return LiveConfig(source=str(clip), out_dir=out, protocol="squat", analysis=False, **kw)


def test_loop_records_every_frame_and_quits_on_q(clip, tmp_path):
    est = FakeEstimator()
    view = ScriptedView({1: "space", 50: "q"})  # start at once, quit at frame 50
    res = run_session(_config(clip, tmp_path, time_scale=0.2), view=view, estimator_factory=lambda: est)
    assert res.end_reason == "quit" and view.shown == 50 and view.closed and est.closed
    assert Phase.COUNTDOWN in view.statuses
    n = sum(1 for _ in open_source(res.recording))
    assert n == res.stats["frames_recorded"] == 50
    log = json.loads(res.session_log.read_text())
    assert log["end_reason"] == "quit"
    assert [s["key"] for s in log["steps"]] == [r.key for r in res.steps]
    assert log["steps"][-1]["status"] == "quit"
    assert 0 < est.calls <= 50


def test_loop_headless_runs_to_the_end_of_the_source(clip, tmp_path):
    est = FakeEstimator()
    res = run_session(_config(clip, tmp_path, time_scale=0.2, framing_timeout_s=0.5), estimator_factory=lambda: est)
    assert res.end_reason in ("source_ended", "completed")
    assert res.stats["frames_captured"] == N
    assert res.steps and res.steps[0].key == "quiet_stance"
    assert res.report_html is None and res.report_json is None  # analysis off


def test_stop_event_interrupts(clip, tmp_path):
    stop = threading.Event()

    class StopAt(ScriptedView):
        def show(self, image_bgr, pose, status, readouts):
            if self.shown == 10:
                stop.set()
            return super().show(image_bgr, pose, status, readouts)

    res = run_session(_config(clip, tmp_path), view=StopAt({}), stop=stop, estimator_factory=FakeEstimator)
    assert res.end_reason == "interrupted" and res.stats["frames_captured"] == 11
    assert json.loads(res.session_log.read_text())["end_reason"] == "interrupted"


def test_pose_worker_latest_frame_wins_and_surfaces_errors():
    gate = threading.Event()

    class Slow:
        seen: list[float] = []  # noqa: RUF012

        def process(self, image_bgr, t_s):
            gate.wait(5)
            self.seen.append(t_s)
            return None

        def close(self):
            pass

    w = PoseWorker(Slow())
    img = np.zeros((4, 4, 3), np.uint8)
    for i in range(5):
        w.submit(img, float(i), 0.0)
    gate.set()
    w.wait_idle()
    r = w.take()
    assert r is not None and r.t_s == 4.0 and w.take() is None
    assert Slow.seen[-1] == 4.0 and w.dropped >= 3
    w.close()

    class Broken:
        def process(self, image_bgr, t_s):
            raise ValueError("boom")

        def close(self):
            pass

    b = PoseWorker(Broken())
    b.submit(img, 0.0, 0.0)
    b.wait_idle()
    with pytest.raises(ValueError, match="boom"):
        b.take()
    b.close()


def test_an_existing_recording_is_never_overwritten(clip, tmp_path):
    from hipcheck.errors import UsageError

    (tmp_path / "recording.avi").write_bytes(b"precious")
    with pytest.raises(UsageError, match="already holds a live session"):
        run_session(_config(clip, tmp_path), estimator_factory=FakeEstimator)
    assert (tmp_path / "recording.avi").read_bytes() == b"precious"
