"""The README's error table and privacy paragraph match the code and the tests that check them."""

from __future__ import annotations

import re

import pytest

import hipcheck.errors as errors
from hipcheck.errors import EXIT_CODES, HipcheckError
from support import REPO

README = (REPO / "README.md").read_text()


def _section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n#", start + len(title))
    return README[start : end if end > 0 else None]


def test_the_readme_table_lists_exactly_the_exit_codes() -> None:
    rows = re.findall(r"^\| (\d+) \|", _section("### Errors and exit codes"), flags=re.M)
    assert sorted(int(r) for r in rows) == sorted(EXIT_CODES)


def test_every_error_class_has_a_documented_code() -> None:
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, HipcheckError)]
    assert len(classes) >= 12
    for cls in classes:
        if cls is not HipcheckError:
            assert cls.exit_code in EXIT_CODES and cls.exit_code not in (0, 1, 130), cls


def test_the_privacy_paragraph_names_what_the_tests_check() -> None:
    from hipcheck.io import ALLOW_ENV_VAR

    text = " ".join(_section("### Privacy").split())
    assert "strace -f -e trace=connect" in text and "non-loopback" in text
    assert ALLOW_ENV_VAR in text and "#6291" in text
    assert (REPO / "tests" / "integration" / "test_no_network.py").is_file()


def test_a_video_over_the_duration_cap_is_refused(tmp_path, make_video, monkeypatch) -> None:
    import hipcheck.io._video as video
    from hipcheck.io import open_source

    path = make_video(n_frames=30, fps=10.0)
    monkeypatch.setattr(video, "MAX_DURATION_S", 2.0)
    with pytest.raises(errors.TooLargeError, match="over hipcheck's limit"):
        open_source(path)


def test_every_failure_code_has_an_http_status() -> None:
    from hipcheck.errors import HTTP_STATUS, OutputBusyError, http_status

    assert set(HTTP_STATUS) == set(EXIT_CODES) - {0}
    assert http_status(OutputBusyError("x")) == 409 and http_status(RuntimeError()) == 500
