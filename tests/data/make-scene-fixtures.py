#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the small models the scene view tests load: scene-parts.gltf (named
boxes in a hierarchy, buffer embedded), scene-parts.obj and scene-part.stl.
Run from this folder; the outputs are committed next to it."""

import base64
import json
import struct

FACES = [  # normal, two tangent axes
    ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    ((-1, 0, 0), (0, 0, 1), (0, 1, 0)),
    ((0, 1, 0), (0, 0, 1), (1, 0, 0)),
    ((0, -1, 0), (1, 0, 0), (0, 0, 1)),
    ((0, 0, 1), (1, 0, 0), (0, 1, 0)),
    ((0, 0, -1), (0, 1, 0), (1, 0, 0)),
]


def box(size):
    """24 vertices (position, normal) and 36 indices of a centred box."""
    half = [s / 2 for s in size]
    vertices, indices = [], []
    for n, u, v in FACES:
        base = len(vertices)
        for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
            p = [n[i] * half[i] + su * u[i] * half[i] + sv * v[i] * half[i] for i in range(3)]
            vertices.append((p, n))
        indices += [base, base + 1, base + 2, base, base + 2, base + 3]
    return vertices, indices


# name, parent, translation, box size (None: a grouping node), colour
PARTS = [
    ("rig", None, (0, 0, 0), None, None),
    ("base", "rig", (0, -0.15, 0), (4.0, 0.3, 2.0), (0.60, 0.60, 0.60)),
    ("left", "rig", (-1.2, 0.5, 0), (1.0, 1.0, 1.0), (0.55, 0.58, 0.62)),
    ("right", "rig", (1.2, 0, 0), None, None),
    ("cap", "right", (0, 0.5, 0), (1.0, 1.0, 1.0), (0.62, 0.62, 0.60)),
]


def write_gltf(path):
    blob = bytearray()
    gltf = {"asset": {"version": "2.0", "generator": "make-scene-fixtures.py"},
            "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [], "meshes": [],
            "materials": [], "accessors": [], "bufferViews": []}
    index_of = {}
    for name, parent, translation, size, colour in PARTS:
        node = {"name": name}
        if any(translation):
            node["translation"] = list(translation)
        if size is not None:
            vertices, indices = box(size)
            vertex_offset = len(blob)
            for p, n in vertices:
                blob += struct.pack("<6f", *p, *n)
            index_offset = len(blob)
            for i in indices:
                blob += struct.pack("<H", i)
            while len(blob) % 4:
                blob += b"\0"
            views = len(gltf["bufferViews"])
            gltf["bufferViews"] += [
                {"buffer": 0, "byteOffset": vertex_offset, "byteLength": 24 * len(vertices),
                 "byteStride": 24, "target": 34962},
                {"buffer": 0, "byteOffset": index_offset, "byteLength": 2 * len(indices),
                 "target": 34963},
            ]
            accessors = len(gltf["accessors"])
            lo = [min(p[i] for p, _ in vertices) for i in range(3)]
            hi = [max(p[i] for p, _ in vertices) for i in range(3)]
            gltf["accessors"] += [
                {"bufferView": views, "byteOffset": 0, "componentType": 5126,
                 "count": len(vertices), "type": "VEC3", "min": lo, "max": hi},
                {"bufferView": views, "byteOffset": 12, "componentType": 5126,
                 "count": len(vertices), "type": "VEC3"},
                {"bufferView": views + 1, "componentType": 5123,
                 "count": len(indices), "type": "SCALAR"},
            ]
            gltf["materials"].append({"name": name, "pbrMetallicRoughness": {
                "baseColorFactor": list(colour) + [1.0], "metallicFactor": 0.0}})
            gltf["meshes"].append({"name": name, "primitives": [{
                "attributes": {"POSITION": accessors, "NORMAL": accessors + 1},
                "indices": accessors + 2, "material": len(gltf["materials"]) - 1}]})
            node["mesh"] = len(gltf["meshes"]) - 1
        index_of[name] = len(gltf["nodes"])
        gltf["nodes"].append(node)
        if parent is not None:
            gltf["nodes"][index_of[parent]].setdefault("children", []).append(index_of[name])
    gltf["buffers"] = [{"byteLength": len(blob), "uri": "data:application/octet-stream;base64,"
                        + base64.b64encode(bytes(blob)).decode()}]
    with open(path, "w") as f:
        json.dump(gltf, f, indent=1)
        f.write("\n")


def write_obj(path):
    lines = ["# SPDX-License-Identifier: GPL-3.0-or-later", "# two named parts"]
    count = 0
    for name, offset, size in (("plate", (0, -0.1, 0), (3, 0.2, 2)), ("post", (0, 0.75, 0), (0.5, 1.5, 0.5))):
        vertices, indices = box(size)
        lines.append("o " + name)
        for p, _ in vertices:
            lines.append("v %g %g %g" % tuple(p[i] + offset[i] for i in range(3)))
        for p, n in vertices:
            lines.append("vn %g %g %g" % n)
        for t in range(0, len(indices), 3):
            a, b, c = (count + indices[t + k] + 1 for k in range(3))
            lines.append("f %d//%d %d//%d %d//%d" % (a, a, b, b, c, c))
        count += len(vertices)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_stl(path):
    vertices, indices = box((1, 2, 1))
    lines = ["solid column"]
    for t in range(0, len(indices), 3):
        n = vertices[indices[t]][1]
        lines.append("  facet normal %g %g %g" % n)
        lines.append("    outer loop")
        for k in range(3):
            lines.append("      vertex %g %g %g" % tuple(vertices[indices[t + k]][0]))
        lines.append("    endloop")
        lines.append("  endfacet")
    lines.append("endsolid column")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


write_gltf("scene-parts.gltf")
write_obj("scene-parts.obj")
write_stl("scene-part.stl")
