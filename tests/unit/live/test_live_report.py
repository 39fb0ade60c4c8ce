"""What ``hipcheck live`` prints at the end: the steps, the paths, and the verdict line last."""

from __future__ import annotations

from pathlib import Path

from hipcheck.cli._live import _report
from hipcheck.live import SessionResult, StepRecord
from hipcheck.render import verdict_line


def _result(steps: tuple[StepRecord, ...], **kw: object) -> SessionResult:
    base = {"out_dir": Path("o"), "recording": Path("o/recording.avi"), "session_log": Path("o/session.json"),
            "steps": steps, "end_reason": "source_ended", "warnings": (), "stats": {}}  # fmt: skip
    return SessionResult(**{**base, **kw})  # type: ignore[arg-type]


def test_a_session_without_steps_says_so_and_ends_with_a_verdict_line(capsys):
    assert _report(_result((), analysis_note="nothing was recorded"), open_report=False) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith("no step was run") and "source ended" in line for line in out)
    assert out[-1] == "Verdict: none (nothing was recorded)."


def test_the_verdict_line_is_printed_last(capsys, fake_assessment):
    a = fake_assessment("left")
    step = StepRecord("quiet_stance", "standing", None, "done", 1.0, 2.0, 7.0, reps=0, hold_s=5.0)
    _report(_result((step,), verdict=verdict_line(a), report_json=Path("o/analysis/report.json")), open_report=False)
    out = capsys.readouterr().out.strip().splitlines()
    assert "no step was run" not in "\n".join(out)
    assert out[-1].startswith("Verdict: Your left side looks weaker: your pelvis dropped 9.0°")
    assert out[-1].endswith("Confidence: high (80 %).")
