"""Headless rendering (pyrender + OSMesa) of a posed body in a simple room, and the camera model.

``PYOPENGL_PLATFORM=osmesa`` is set here before OpenGL is imported; import this
module before anything else that imports OpenGL.

Camera model (also used for the ground truth): pinhole, no distortion,
``x_px = cx + f * X_c / -Z_c``, ``y_px = cy - f * Y_c / -Z_c`` with camera
axes in OpenGL convention (X right, Y up, looking down −Z); pixel coordinates
have their origin at the top-left corner of the image, x right, y down,
``cx = width / 2``, ``cy = height / 2``.
"""

from __future__ import annotations

import os

os.environ["PYOPENGL_PLATFORM"] = "osmesa"

import numpy as np
import pyrender
import trimesh
from numpy.typing import NDArray
from tools.lab.posing import rot_z
from tools.lab.scenarios import CameraSpec, Look

ROOM_HALF_M = 4.0
ROOM_HEIGHT_M = 2.8


def focal_px(cam: CameraSpec) -> float:
    """Focal length in pixels from the vertical field of view."""
    return 0.5 * cam.height / float(np.tan(np.radians(cam.vfov_deg) / 2))


def camera_pose(cam: CameraSpec, level: bool = False) -> NDArray[np.float64]:
    """Camera-to-world 4x4 (OpenGL axes) for ``cam``; ``level=True`` ignores the roll."""
    pos = rot_z(cam.yaw_deg) @ np.array([0.0, -cam.distance_m, 0.0])
    pos[2] = cam.height_m
    target = np.array([0.0, 0.0, cam.aim_height_m])
    z = pos - target
    z /= np.linalg.norm(z)
    x = np.cross([0.0, 0.0, 1.0], z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    rot = np.stack([x, y, z], axis=1)
    if not level:
        r = np.radians(cam.roll_deg)
        rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1.0]])
        rot = rot @ rz
    pose = np.eye(4)
    pose[:3, :3] = rot
    pose[:3, 3] = pos
    return pose


def project(cam: CameraSpec, xyz: NDArray[np.float64], level: bool = False) -> NDArray[np.float64]:
    """World points (..., 3) → pixel coordinates (..., 2), x right, y down."""
    pose = camera_pose(cam, level)
    pc = (np.asarray(xyz) - pose[:3, 3]) @ pose[:3, :3]
    f = focal_px(cam)
    depth = -pc[..., 2]
    u = cam.width / 2 + f * pc[..., 0] / depth
    v = cam.height / 2 - f * pc[..., 1] / depth
    return np.stack([u, v], axis=-1)


def _material(rgb: tuple[float, float, float], rough: float = 0.85) -> pyrender.MetallicRoughnessMaterial:
    return pyrender.MetallicRoughnessMaterial(
        baseColorFactor=[*rgb, 1.0], metallicFactor=0.0, roughnessFactor=rough, doubleSided=True
    )


def _box(
    extents: tuple[float, float, float], center: tuple[float, float, float], rgb: tuple[float, ...]
) -> pyrender.Mesh:
    box = trimesh.creation.box(extents=extents)
    box.apply_translation(center)
    return pyrender.Mesh.from_trimesh(box, material=_material(rgb), smooth=False)  # type: ignore[arg-type]


def room_meshes(look: Look) -> list[pyrender.Mesh]:
    """Floor, four walls (slightly different tints) and a skirting board."""
    h, r = ROOM_HALF_M, ROOM_HEIGHT_M
    w = np.array(look.walls)
    tints = [w, w * np.array([0.95, 0.97, 1.02]), w * np.array([1.02, 0.98, 0.92]), w * 0.93]
    meshes = [_box((2 * h, 2 * h, 0.02), (0, 0, -0.01), look.floor)]
    meshes.append(_box((2 * h, 0.02, r), (0, h, r / 2), tuple(np.clip(tints[0], 0, 1))))
    meshes.append(_box((2 * h, 0.02, r), (0, -h, r / 2), tuple(np.clip(tints[1], 0, 1))))
    meshes.append(_box((0.02, 2 * h, r), (h, 0, r / 2), tuple(np.clip(tints[2], 0, 1))))
    meshes.append(_box((0.02, 2 * h, r), (-h, 0, r / 2), tuple(np.clip(tints[3], 0, 1))))
    meshes.append(_box((2 * h, 0.03, 0.10), (0, h - 0.02, 0.05), (0.9, 0.9, 0.88)))
    meshes.append(_box((1.2, 0.04, 0.8), (1.6, h - 0.03, 1.5), (0.35, 0.45, 0.40)))  # a picture on the back wall
    return meshes


def vertex_normals(vertices: NDArray[np.float64], faces: NDArray[np.int64]) -> NDArray[np.float64]:
    """Area-weighted unit vertex normals of a triangle mesh."""
    tri = vertices[faces]
    fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    vn = np.zeros_like(vertices)
    for k in range(3):
        np.add.at(vn, faces[:, k], fn)
    return vn / np.maximum(np.linalg.norm(vn, axis=1, keepdims=True), 1e-12)


class Renderer:
    """Renders frames of one body with fixed materials, camera and room."""

    def __init__(
        self,
        cam: CameraSpec,
        look: Look,
        faces: NDArray[np.int64],
        texcoords: NDArray[np.float64],
        texture: NDArray[np.uint8],
    ) -> None:
        self.cam = cam
        self.scene = pyrender.Scene(bg_color=[0.7, 0.7, 0.7, 1.0], ambient_light=[0.35, 0.35, 0.35])
        for mesh in room_meshes(look):
            self.scene.add(mesh)
        f = focal_px(cam)
        camera = pyrender.IntrinsicsCamera(fx=f, fy=f, cx=cam.width / 2, cy=cam.height / 2, znear=0.05, zfar=30.0)
        pose = camera_pose(cam)
        self.scene.add(camera, pose=pose)
        key = np.eye(4)
        key[:3, :3] = camera_pose(CameraSpec(yaw_deg=cam.yaw_deg + 25, height_m=2.4, aim_height_m=0.8))[:3, :3]
        self.scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=2.6), pose=key)
        fill = pyrender.PointLight(color=np.ones(3), intensity=6.0)
        self.scene.add(fill, pose=np.array([[1, 0, 0, -1.5], [0, 1, 0, -2.0], [0, 0, 1, 2.3], [0, 0, 0, 1.0]]))
        self.faces = faces
        self.texcoords = texcoords
        tex = pyrender.Texture(
            source=texture, source_channels="RGB", sampler=pyrender.Sampler(magFilter=9728, minFilter=9728)
        )  # GL_NEAREST
        self.body_material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=[1.0, 1.0, 1.0, 1.0], baseColorTexture=tex, metallicFactor=0.0, roughnessFactor=0.8
        )
        self.body_nodes: list[pyrender.Node] = []
        self.renderer = pyrender.OffscreenRenderer(cam.width, cam.height)

    def render(self, vertices: NDArray[np.float64]) -> NDArray[np.uint8]:
        """RGB image (H, W, 3) of the body with these vertices (world metres)."""
        for node in self.body_nodes:
            self.scene.remove_node(node)
        prim = pyrender.Primitive(
            positions=vertices.astype(np.float32),
            normals=vertex_normals(vertices, self.faces).astype(np.float32),
            texcoord_0=self.texcoords.astype(np.float32),
            indices=self.faces,
            material=self.body_material,
        )
        self.body_nodes = [self.scene.add(pyrender.Mesh([prim]))]
        color, _ = self.renderer.render(self.scene)
        return np.ascontiguousarray(color[:, :, :3])

    def close(self) -> None:
        self.renderer.delete()
