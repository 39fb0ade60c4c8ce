"""The corpus of bad inputs through ``hipcheck analyze`` (in-process, tiny files made at test time).

Done when: 0 tracebacks, 0 exit-0 on a bad input, 0 leftover temporary files, every
exit code in the README's table, one ``hipcheck: error:`` line per failure, and no
``report.json`` after a failed run.
"""

from __future__ import annotations

import pytest

from corpus import NPZ_CASES, VIDEO_CASES, is_valid_report, leftovers
from hipcheck.cli import main
from hipcheck.errors import EXIT_CODES

CASES = VIDEO_CASES + NPZ_CASES


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("case", "build", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_ends_in_one_line_and_a_documented_code(tmp_path, capsys, case, build, expected) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    path = build(inputs)
    out = tmp_path / "out"
    code, _, err = _run(capsys, "analyze", str(path), "-o", str(out), "--no-html")
    assert code in expected, f"{case}: exit {code}, stderr {err!r}"
    assert code in EXIT_CODES and code != 1, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("hipcheck: error:")]
    if code == 0:
        assert is_valid_report(out / "report.json")
        assert not errors
    else:
        assert len(errors) == 1, err
        assert path.name in errors[0] or str(out) in errors[0], errors[0]
        assert not (out / "report.json").exists()
    assert leftovers(out) == [] and leftovers(inputs) == []
