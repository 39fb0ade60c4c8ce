"""Coverage-guided fuzzing of the container probe (Atheris), outside CI's default run.

What it checks: any bytes given to hipcheck as a video file either open (and
decode a few frames) or raise a :class:`hipcheck.errors.HipcheckError`; anything
else (a Python exception of another type, a hang, a crash) is a finding.

Run (a few minutes; ``pip install atheris`` first, it is not a hipcheck dependency)::

    python tools/fuzz_probe.py --seeds fuzz_corpus/      # write the seed corpus once
    python tools/fuzz_probe.py fuzz_corpus/ -max_total_time=300 -timeout=20 -rss_limit_mb=4096

libFuzzer writes each finding as ``crash-<sha1>`` (or ``timeout-``/``oom-``) in the
current folder; re-run one with ``python tools/fuzz_probe.py crash-<sha1>``. Each
finding becomes a corpus case: add its bytes (they are small) to ``VIDEO_CASES`` in
``tests/corpus.py`` with the exit code it must give, fix the probe, and the test
suite keeps it fixed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import closing
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".y4m")


def write_seeds(folder: Path) -> int:
    """The corpus generator's video cases (bad and good containers) as seed files."""
    sys.path[:0] = [str(REPO / "tests")]
    from corpus import VIDEO_CASES

    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (_, build, _) in enumerate(VIDEO_CASES):
            case_dir = Path(tmp) / str(i)
            case_dir.mkdir()
            try:
                path = build(case_dir)
            except Exception:  # a builder that needs something missing here (e.g. PyAV's aac)
                continue
            if path.is_file() and path.stat().st_size <= 1 << 20:
                (folder / f"seed_{i:02d}{path.suffix}").write_bytes(path.read_bytes())
                n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--seeds", type=Path, default=None)
    known, rest = parser.parse_known_args()
    if known.seeds is not None:
        print(f"{write_seeds(known.seeds)} seed files in {known.seeds}")
        return

    import atheris

    with atheris.instrument_imports():
        from hipcheck import io
        from hipcheck.errors import HipcheckError

    work = Path(tempfile.mkdtemp(prefix="hipcheck-fuzz-"))

    def one_input(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        suffix = SUFFIXES[fdp.ConsumeIntInRange(0, len(SUFFIXES) - 1)]
        path = work / f"input{suffix}"
        path.write_bytes(fdp.ConsumeBytes(fdp.remaining_bytes()))
        try:
            with io.open_source(path) as source, closing(source.lazy_frames()) as frames:
                for k, (_, _, load) in enumerate(frames):
                    load()
                    if k >= 3:
                        break
        except HipcheckError:
            pass

    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    atheris.Setup([sys.argv[0], *rest], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
