"""Model resolution and checksum verification (no pose inference here)."""

from __future__ import annotations

import hashlib
import struct
import zipfile
from pathlib import Path

import pytest

from hipcheck import io as models
from hipcheck.errors import ModelError
from hipcheck.io import _models as model_files  # the module whose lookup of the bundled path is patched
from support import REPO


@pytest.fixture(autouse=True)
def _no_env_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(models.MODEL_ENV_VAR, raising=False)


def make_bundle(path: Path, members: tuple[str, ...] = models.BUNDLE_MEMBERS) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name in members:
            zf.writestr(name, b"not a real network")
    return path


def test_bundled_model_is_in_repo_and_verified() -> None:
    path, sha = models.resolve_model(None)
    assert path == REPO / "models" / "pose_landmarker_full.task"
    assert sha == models.DEFAULT_MODEL_SHA256
    assert hashlib.sha256(path.read_bytes()).hexdigest() == models.DEFAULT_MODEL_SHA256


def test_readme_records_the_pinned_sha() -> None:
    assert models.DEFAULT_MODEL_SHA256 in (REPO / "models" / "README.md").read_text()


def test_verify_sha256_ok_and_mismatch(tmp_path: Path) -> None:
    f = tmp_path / "m.task"
    f.write_bytes(b"hello")
    good = hashlib.sha256(b"hello").hexdigest()
    assert models.verify_sha256(f, good.upper()) == good
    with pytest.raises(ModelError, match=r"m\.task: model checksum mismatch") as exc:
        models.verify_sha256(f, "0" * 64)
    assert "\n" not in str(exc.value)


def test_verify_sha256_missing(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"nope\.task: model file not found"):
        models.verify_sha256(tmp_path / "nope.task", "0" * 64)


def test_default_model_wrong_bytes_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = make_bundle(tmp_path / "pose_landmarker_full.task")
    monkeypatch.setattr(model_files, "bundled_model_path", lambda: fake)
    with pytest.raises(ModelError, match="checksum mismatch"):
        models.resolve_model(None)


def test_default_model_missing_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_files, "bundled_model_path", lambda: tmp_path / "gone.task")
    with pytest.raises(ModelError, match=r"gone\.task: bundled pose model not found"):
        models.resolve_model(None)


def test_user_model_accepted_with_its_sha(tmp_path: Path) -> None:
    user = make_bundle(tmp_path / "heavy.task")
    path, sha = models.resolve_model(str(user))
    assert path == user
    assert sha == hashlib.sha256(user.read_bytes()).hexdigest()


def test_env_var_selects_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_bundle(tmp_path / "lite.task")
    monkeypatch.setenv(models.MODEL_ENV_VAR, str(user))
    assert models.default_model_path() == user
    assert models.resolve_model(None)[0] == user


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "model file not found"),
        (lambda p: (p.write_bytes(b"plain text"), p)[1], "not a zip file"),
        (lambda p: make_bundle(p, ("pose_detector.tflite",)), "missing pose_landmarks_detector.tflite"),
    ],
    ids=["missing", "not-zip", "not-pose-bundle"],
)
def test_bad_user_model(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path / "bad.task")
    with pytest.raises(ModelError, match=message) as exc:
        models.resolve_model(path)
    assert str(path) in str(exc.value)


def test_bundle_layout_is_the_documented_one() -> None:
    """Members in fixed order, stored, fixed timestamps, data 64-byte aligned (tools/build_pose_model.py)."""
    path = REPO / "models" / "pose_landmarker_full.task"
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == list(models.BUNDLE_MEMBERS)
    raw = path.read_bytes()
    for info in infos:
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0


def test_landmark_network_carries_normalisation_metadata() -> None:
    """The added TFLite metadata: RGB image input, mean 0, std 255 (pixels to [0, 1])."""
    schema = pytest.importorskip("mediapipe.tasks.metadata.schema_py_generated")
    mdfb = pytest.importorskip("mediapipe.tasks.metadata.metadata_schema_py_generated")
    with zipfile.ZipFile(REPO / "models" / "pose_landmarker_full.task") as zf:
        buf = zf.read("pose_landmarks_detector.tflite")
    model = schema.Model.GetRootAsModel(buf, 0)
    entries = {model.Metadata(i).Name(): model.Metadata(i).Buffer() for i in range(model.MetadataLength())}
    meta_buf = model.Buffers(entries[b"TFLITE_METADATA"]).DataAsNumpy().tobytes()
    meta = mdfb.ModelMetadataT.InitFromObj(mdfb.ModelMetadata.GetRootAsModelMetadata(meta_buf, 0))
    (image,) = meta.subgraphMetadata[0].inputTensorMetadata
    norm = image.processUnits[0].options
    assert list(norm.mean) == [0.0]
    assert list(norm.std) == [255.0]
    assert len(meta.subgraphMetadata[0].outputTensorMetadata) == 5


# ------------------------------------------------------------ models fetch
def test_fetch_verified_accepts_the_right_checksum(tmp_path: Path) -> None:
    fetch_verified = models.fetch_verified

    src = make_bundle(tmp_path / "remote.task")
    dest = tmp_path / "models" / "heavy.task"
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    assert fetch_verified(src.as_uri(), dest, sha) == dest
    assert dest.read_bytes() == src.read_bytes()
    assert not dest.with_name("heavy.task.part").exists()


def test_fetch_verified_rejects_a_wrong_checksum(tmp_path: Path) -> None:
    fetch_verified = models.fetch_verified

    src = make_bundle(tmp_path / "remote.task")
    dest = tmp_path / "heavy.task"
    with pytest.raises(ModelError, match=r"model checksum mismatch .*nothing saved"):
        fetch_verified(src.as_uri(), dest, "0" * 64)
    assert not dest.exists()
    assert not dest.with_name("heavy.task.part").exists()


def test_fetch_verified_download_failure(tmp_path: Path) -> None:
    fetch_verified = models.fetch_verified

    with pytest.raises(ModelError, match="download failed"):
        fetch_verified((tmp_path / "absent.task").as_uri(), tmp_path / "x.task", "0" * 64)


def test_fetch_without_any_checksum_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hipcheck.cli import main

    if models.OFFICIAL_MODELS["heavy"].sha256 is not None:
        pytest.skip("a SHA-256 is pinned")
    assert main(["models", "fetch", "heavy", "-o", str(tmp_path / "h.task")]) == 2
    assert "no SHA-256 is pinned" in capsys.readouterr().err
