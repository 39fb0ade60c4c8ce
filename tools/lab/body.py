"""anny body: build (cached), pose with :mod:`tools.lab.posing`, clothing segmentation.

Heavy dependencies (torch, anny) live here only. anny's first model build takes
about 2 minutes; its cache goes to ``$ANNY_CACHE_DIR`` (default
``~/.cache/hipcheck-lab/anny``), never into the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from tools.lab.posing import PoseSpec, Skeleton, bone_world_rotations

os.environ.setdefault("ANNY_CACHE_DIR", str(Path.home() / ".cache" / "hipcheck-lab" / "anny"))

import torch

torch.set_num_threads(1)

# ground-truth joints: name -> anny bone whose head is the joint centre
JOINT_BONES: dict[str, str] = {
    "left_hip": "upperleg01.L",
    "right_hip": "upperleg01.R",
    "left_knee": "lowerleg01.L",
    "right_knee": "lowerleg01.R",
    "left_ankle": "foot.L",
    "right_ankle": "foot.R",
    "left_shoulder": "upperarm01.L",
    "right_shoulder": "upperarm01.R",
    "left_elbow": "lowerarm01.L",
    "right_elbow": "lowerarm01.R",
    "left_wrist": "wrist.L",
    "right_wrist": "wrist.R",
    "left_ball": "toe3-1.L",
    "right_ball": "toe3-1.R",
    "pelvis": "root",
    "neck": "neck01",
    "head": "head",
}

MATERIALS = ("skin", "shirt", "shorts", "waistband", "shoes", "hair")


@dataclass(frozen=True)
class BodyShape:
    """anny phenotype in [0, 1] (0.5 = average). gender: 0 male … 1 female (anny's anchors)."""

    gender: float = 0.5
    age: float = 0.5
    muscle: float = 0.5
    weight: float = 0.5
    height: float = 0.5
    proportions: float = 0.5

    def kwargs(self) -> dict[str, float]:
        return {k: float(getattr(self, k)) for k in ("gender", "age", "muscle", "weight", "height", "proportions")}


@dataclass(frozen=True)
class PosedFrame:
    """One posed body: vertices (V, 3) and joint centres (name → (3,)), world metres, floor z = 0."""

    vertices: NDArray[np.float64]
    joints: dict[str, NDArray[np.float64]]


class Body:
    """An anny body of one shape, posable frame by frame (world frame, floor at z = 0)."""

    def __init__(self, model: object, shape: BodyShape) -> None:
        self.model = model
        self.shape = shape
        with torch.no_grad():
            out = model(phenotype_kwargs=shape.kwargs())  # type: ignore[operator]
        self.rest_poses = out["rest_bone_poses"][0].double().numpy()
        self.rest_vertices = out["rest_vertices"][0].double().numpy()
        self.labels = tuple(model.bone_labels)  # type: ignore[attr-defined]
        parents = list(model.bone_parents)  # type: ignore[attr-defined]
        self.faces = model.get_triangular_faces().numpy()  # type: ignore[attr-defined]
        self.vertex_bone_weights = model.vertex_bone_weights.numpy()  # type: ignore[attr-defined]
        self.vertex_bone_indices = model.vertex_bone_indices.numpy()  # type: ignore[attr-defined]
        # Rest geometry relative to the root bone's head: posing places the root at ``PoseSpec.pelvis_xyz``,
        # so every offset must be measured from it (the root head is not at the origin for most shapes).
        root = self.rest_poses[0, :3, 3].copy()
        self.rest_vertices = self.rest_vertices - root
        heads = {lab: self.rest_poses[i, :3, 3] - root for i, lab in enumerate(self.labels)}
        par = {lab: (self.labels[parents[i]] if i > 0 else "") for i, lab in enumerate(self.labels)}
        assert all(i == 0 or parents[i] < i for i in range(len(parents))), "anny bones not parent-first"
        sole_z = float(self.rest_vertices[:, 2].min())
        ball = {s: heads[f"toe3-1.{s}"] - heads[f"foot.{s}"] for s in ("L", "R")}
        ball = {s: np.array([v[0], v[1], sole_z - heads[f"foot.{s}"][2] + 0.0]) for s, v in ball.items()}
        self.skeleton = Skeleton(heads=heads, parents=par, labels=self.labels, sole_z=sole_z, ball_offset=ball)
        self.height_m = float(self.rest_vertices[:, 2].max() - self.rest_vertices[:, 2].min())

    def pose(self, specs: list[PoseSpec]) -> list[PosedFrame]:
        """Pose the body for each spec (batched through anny)."""
        deltas = np.zeros((len(specs), len(self.labels), 4, 4))
        for b, spec in enumerate(specs):
            g = bone_world_rotations(self.skeleton, spec)
            for i, lab in enumerate(self.labels):
                deltas[b, i, :3, :3] = g[lab] @ self.rest_poses[i, :3, :3]
                deltas[b, i, 3, 3] = 1.0
            deltas[b, 0, :3, 3] = np.asarray(spec.pelvis_xyz) + np.array([0, 0, self.skeleton.sole_z])
        with torch.no_grad():
            out = self.model(  # type: ignore[operator]
                pose_parameters=torch.from_numpy(deltas).float(),
                phenotype_kwargs={k: torch.full((len(specs),), v) for k, v in self.shape.kwargs().items()},
                pose_parameterization="world-orient",
            )
        verts = out["vertices"].double().numpy()
        heads = out["bone_poses"][:, :, :3, 3].double().numpy()
        shift = np.array([0.0, 0.0, -self.skeleton.sole_z])
        frames = []
        for b in range(len(specs)):
            joints = {n: heads[b, self.labels.index(bone)] + shift for n, bone in JOINT_BONES.items()}
            frames.append(PosedFrame(vertices=verts[b] + shift, joints=joints))
        return frames


def load_model() -> object:
    """Build (or load from the on-disk cache) the anny full-body model on CPU."""
    import anny

    return anny.Anny().to(dtype=torch.float32, device="cpu")


def _bone_set(labels: tuple[str, ...], prefixes: tuple[str, ...]) -> NDArray[np.bool_]:
    return np.array([lab.startswith(prefixes) for lab in labels])


def clothing_texture(
    body: Body, colors: dict[str, tuple[float, float, float]], shirt_hem_m: float = 0.0
) -> tuple[NDArray[np.float64], NDArray[np.uint8]]:
    """Texture coordinates (V, 2) and a small colour texture dressing the body.

    Colours are looked up by each vertex's rest height (u, linear across a
    triangle, so clothing edges are straight iso-height lines on the skin) in one
    texture row per region (arms, body, head; v): a short-sleeve shirt, shorts
    with a waistband, shoes and hair. ``colors`` maps each name of
    :data:`MATERIALS` to linear RGB in [0, 1]; ``shirt_hem_m`` > 0 lets the shirt
    reach that far below the waistline, over the waistband.
    """
    v = body.rest_vertices
    h = body.skeleton.heads
    dom = body.vertex_bone_indices[np.arange(len(v)), body.vertex_bone_weights.argmax(1)]
    is_arm = _bone_set(body.labels, ("upperarm", "lowerarm", "wrist", "finger", "metacarpal"))[dom]
    is_head = _bone_set(body.labels, ("head", "eye", "neck02", "neck03"))[dom]
    z0, z1 = float(v[:, 2].min()) - 0.01, float(v[:, 2].max()) + 0.05
    width = 1024
    zs = z0 + (np.arange(width) + 0.5) / width * (z1 - z0)
    hip_z = 0.5 * (h["upperleg01.L"][2] + h["upperleg01.R"][2])
    knee_z = 0.5 * (h["lowerleg01.L"][2] + h["lowerleg01.R"][2])
    ankle_z = 0.5 * (h["foot.L"][2] + h["foot.R"][2])
    waist_z = hip_z + 0.09
    rows = {name: np.full(width, MATERIALS.index("skin")) for name in ("arm", "body", "head")}
    rows["arm"][zs > 0.5 * (h["upperarm01.L"][2] + h["lowerarm01.L"][2])] = MATERIALS.index("shirt")
    body_row = rows["body"]
    body_row[(zs > waist_z) & (zs < h["neck01"][2] + 0.01)] = MATERIALS.index("shirt")
    body_row[(zs <= waist_z) & (zs > waist_z - 0.035)] = MATERIALS.index("waistband")
    body_row[(zs <= waist_z - 0.035) & (zs > knee_z + 0.45 * (hip_z - knee_z))] = MATERIALS.index("shorts")
    body_row[(zs <= waist_z) & (zs > waist_z - shirt_hem_m)] = MATERIALS.index("shirt")  # a long shirt over it
    body_row[zs < ankle_z + 0.035] = MATERIALS.index("shoes")
    rows["head"][zs > h["head"][2] + 0.085] = MATERIALS.index("hair")
    palette = np.array([colors[m] for m in MATERIALS])
    texture = np.zeros((12, width, 3), dtype=np.uint8)
    for r, name in enumerate(("arm", "body", "head")):
        texture[4 * r : 4 * r + 4] = np.round(255 * palette[rows[name]])[None]
    u_z = v[:, 2].copy()
    u_z[is_head] += 0.6 * (v[is_head, 1] - h["head"][1])  # hairline lower at the back of the head
    u = (u_z - z0) / (z1 - z0)
    row = np.where(is_arm, 0, np.where(is_head, 2, 1))
    tex_v = 1.0 - (4 * row + 2) / 12.0  # OpenGL: v = 0 is the last texture row
    return np.stack([u, tex_v], axis=1), texture
