"""Rebuild ``models/pose_landmarker_full.task`` reproducibly from the PyPI mediapipe 0.10.21 wheel.

MediaPipe >= 1.0 ships no models, and its Tasks ``PoseLandmarker`` needs a
``.task`` bundle (a zip of ``pose_detector.tflite`` + ``pose_landmarks_detector.tflite``).
The legacy ``mediapipe==0.10.21`` wheel (Apache-2.0) still contains both networks:

- ``mediapipe/modules/pose_detection/pose_detection.tflite``  -> ``pose_detector.tflite``
  (taken byte for byte: it already carries TFLite metadata with an RGB image
  input normalised by mean 127.5, std 127.5, i.e. to [-1, 1], as the legacy
  ``pose_detection_cpu`` graph feeds it).
- ``mediapipe/modules/pose_landmark/pose_landmark_full.tflite`` -> ``pose_landmarks_detector.tflite``
  (no TFLITE_METADATA; the Tasks API refuses a float input without
  NormalizationOptions, so this script adds metadata: RGB image input
  normalised by mean 0, std 255, i.e. to [0, 1], as the legacy
  ``pose_landmark_cpu`` graph feeds it, plus names for the five outputs).

The metadata flatbuffer is written directly with the schema classes shipped
in mediapipe 1.2.x (``mediapipe.tasks.metadata``) and ``flatbuffers``; the
metadata writer of mediapipe 1.2.2 is not needed (it is broken there).
The zip uses fixed member order, timestamps (1980-01-01), permissions and no
compression, so the output is byte-identical on every run.

Usage (from the repository root, in the hipcheck environment)::

    python tools/build_pose_model.py                      # pip-downloads the wheel
    python tools/build_pose_model.py --wheel mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl
    python tools/build_pose_model.py --check              # rebuild to a temp file, compare with models/

The script verifies the wheel's SHA-256 before using it and prints the
output's SHA-256, which must equal ``EXPECTED_TASK_SHA256`` (also recorded in
``models/README.md`` and ``hipcheck.io.DEFAULT_MODEL_SHA256``).
"""

from __future__ import annotations

import argparse
import hashlib
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import flatbuffers
import numpy as np
from mediapipe.tasks.metadata import metadata_schema_py_generated as mdfb
from mediapipe.tasks.metadata import schema_py_generated as tflfb

WHEEL_NAME = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
WHEEL_SHA256 = "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"
DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKER_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
LICENSE_MEMBER = "mediapipe-0.10.21.dist-info/LICENSE"
EXPECTED_TASK_SHA256 = "30e6d41fd6cf89f726547ca52fe79490bd374e77ed98879919083ab6c2f6f021"

REPO = Path(__file__).resolve().parents[1]
OUT_TASK = REPO / "models" / "pose_landmarker_full.task"
OUT_LICENSE = REPO / "models" / "LICENSE-mediapipe"

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
BUFFER_ALIGN = 16  # tensor data alignment inside a .tflite
ZIP_ALIGN = 64  # member data alignment inside the .task zip
LANDMARK_OUTPUTS = (
    ("landmarks", "39 x (x, y, z, visibility, presence) (33 landmarks + 6 auxiliary), raw, in 256 px crop units."),
    ("pose_flag", "Score that a pose is present in the crop."),
    ("segmentation", "256 x 256 person segmentation logits."),
    ("heatmap", "64 x 64 x 39 landmark heatmaps."),
    ("world_landmarks", "39 x (x, y, z) world landmarks in metres, hip-centred."),
)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_wheel(dest: Path) -> Path:
    """``pip download`` the pinned wheel (no dependencies) into ``dest``."""
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
        "--implementation", "cp", "-d", str(dest), "mediapipe==0.10.21",
    ]  # fmt: skip
    subprocess.run(cmd, check=True)
    return dest / WHEEL_NAME


def read_wheel(wheel: Path) -> dict[str, bytes]:
    """The wheel members we need, after checking the wheel's SHA-256."""
    digest = sha256_bytes(wheel.read_bytes())
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: SHA-256 {digest} != pinned {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as zf:
        return {m: zf.read(m) for m in (DETECTOR_MEMBER, LANDMARKER_MEMBER, LICENSE_MEMBER)}


def _feature_tensor(name: str, description: str) -> mdfb.TensorMetadataT:
    t = mdfb.TensorMetadataT()
    t.name, t.description = name, description
    t.content = mdfb.ContentT()
    t.content.contentPropertiesType = mdfb.ContentProperties.FeatureProperties
    t.content.contentProperties = mdfb.FeaturePropertiesT()
    return t


def _image_tensor(mean: float, std: float) -> mdfb.TensorMetadataT:
    t = mdfb.TensorMetadataT()
    t.name, t.description = "image", "RGB image crop of the person, values (pixel - mean) / std."
    t.content = mdfb.ContentT()
    t.content.contentPropertiesType = mdfb.ContentProperties.ImageProperties
    props = mdfb.ImagePropertiesT()
    props.colorSpace = mdfb.ColorSpaceType.RGB
    t.content.contentProperties = props
    norm = mdfb.NormalizationOptionsT()
    norm.mean, norm.std = [mean], [std]
    unit = mdfb.ProcessUnitT()
    unit.optionsType = mdfb.ProcessUnitOptions.NormalizationOptions
    unit.options = norm
    t.processUnits = [unit]
    stats = mdfb.StatsT()
    stats.max, stats.min = [(255.0 - mean) / std], [(0.0 - mean) / std]
    t.stats = stats
    return t


def landmark_metadata() -> bytes:
    """The TFLITE_METADATA flatbuffer (identifier ``M001``) for the landmark model."""
    sub = mdfb.SubGraphMetadataT()
    sub.inputTensorMetadata = [_image_tensor(mean=0.0, std=255.0)]
    sub.outputTensorMetadata = [_feature_tensor(n, d) for n, d in LANDMARK_OUTPUTS]
    meta = mdfb.ModelMetadataT()
    meta.name = "BlazePose GHUM 3D landmark model (full)"
    meta.description = "Pose landmarks from a 256x256 RGB person crop; from the mediapipe 0.10.21 wheel."
    meta.version = "mediapipe-0.10.21"
    meta.license = "Apache License 2.0"
    meta.minParserVersion = "1.0.0"
    meta.subgraphMetadata = [sub]
    b = flatbuffers.Builder(0)
    b.Finish(meta.Pack(b), b"M001")
    return bytes(b.Output())


class _AlignedBuilder(flatbuffers.Builder):  # type: ignore[misc]
    """A Builder that starts byte vectors (tensor data) on 16-byte boundaries, like the TFLite
    converter, so TFLite can use weights in place instead of copying them.
    """

    def StartVector(self, elemSize: int, numElems: int, alignment: int) -> int:
        if elemSize == 1 and numElems >= BUFFER_ALIGN:
            alignment = max(alignment, BUFFER_ALIGN)
        return int(super().StartVector(elemSize, numElems, alignment))


def add_metadata(model: bytes, metadata: bytes) -> bytes:
    """``model`` (a .tflite flatbuffer) with a TFLITE_METADATA entry holding ``metadata``."""
    m = tflfb.ModelT.InitFromObj(tflfb.Model.GetRootAsModel(model, 0))
    if any(x.name == b"TFLITE_METADATA" for x in (m.metadata or [])):
        raise SystemExit("landmark model already has TFLITE_METADATA: unexpected wheel content")
    buf = tflfb.BufferT()
    buf.data = np.frombuffer(metadata, dtype=np.uint8)
    m.buffers.append(buf)
    entry = tflfb.MetadataT()
    entry.name, entry.buffer = "TFLITE_METADATA", len(m.buffers) - 1
    m.metadata = [*(m.metadata or []), entry]
    b = _AlignedBuilder(0)
    b.Finish(m.Pack(b), b"TFL3")
    return bytes(b.Output())


def zip_bundle(members: list[tuple[str, bytes]]) -> bytes:
    """A zip with fixed order, timestamps and permissions, members stored uncompressed, each
    member's data starting on a ``ZIP_ALIGN`` boundary (padding in an extra field, as zipalign does).
    """
    with tempfile.SpooledTemporaryFile() as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.create_system = 3
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_STORED
                data_at = tmp.tell() + 30 + len(name.encode()) + 4
                pad = -data_at % ZIP_ALIGN
                info.extra = struct.pack("<HH", 0xD935, pad) + bytes(pad)
                zf.writestr(info, data)
        tmp.seek(0)
        return tmp.read()


def build(wheel: Path) -> tuple[bytes, bytes]:
    """(task bundle bytes, licence text bytes) from the pinned wheel."""
    files = read_wheel(wheel)
    detector = files[DETECTOR_MEMBER]
    landmarker = add_metadata(files[LANDMARKER_MEMBER], landmark_metadata())
    bundle = zip_bundle([("pose_detector.tflite", detector), ("pose_landmarks_detector.tflite", landmarker)])
    for name in (DETECTOR_MEMBER, LANDMARKER_MEMBER):
        print(f"  {name}: sha256 {sha256_bytes(files[name])}")
    print(f"  pose_landmarks_detector.tflite (with metadata): sha256 {sha256_bytes(landmarker)}")
    return bundle, files[LICENSE_MEMBER]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", type=Path, help=f"local {WHEEL_NAME} (else pip-downloaded)")
    ap.add_argument("-o", "--output", type=Path, default=OUT_TASK)
    ap.add_argument("--check", action="store_true", help="build and compare with the committed model, write nothing")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        bundle, licence = build(wheel)
    digest = sha256_bytes(bundle)
    print(f"pose_landmarker_full.task: {len(bundle)} bytes, sha256 {digest}")
    if digest != EXPECTED_TASK_SHA256:
        print(f"WARNING: differs from EXPECTED_TASK_SHA256 {EXPECTED_TASK_SHA256}", file=sys.stderr)
    if args.check:
        same = args.output.is_file() and sha256_bytes(args.output.read_bytes()) == digest
        print("identical to" if same else "DIFFERS from", args.output)
        return 0 if same else 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(bundle)
    OUT_LICENSE.write_bytes(licence)
    print(f"wrote {args.output} and {OUT_LICENSE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
