#!/usr/bin/env python3
"""Generates the image-classification sample: six classes of simple shapes (circle, cross,
ring, square, star, triangle) drawn on varied backgrounds (gradients, stripes,
checkerboards, soft blobs, speckle), 64 images each, 96x96 RGB PNG.

Deterministic: the same seed gives the same bytes. Standard library only (a dev-time
tool; factory itself never runs Python).

    python3 generate_sample.py            # writes images/<class>/<class>_NNN.png here
    python3 generate_sample.py --seed 7 --per-class 100 --out /tmp/shapes
"""

import argparse
import math
import os
import random
import struct
import zlib

SIZE = 96
CLASSES = ["circle", "cross", "ring", "square", "star", "triangle"]
SUBSAMPLES = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)]  # 2x2 anti-aliasing


# ---------------------------------------------------------------- PNG writing


def png_bytes(pixels, width, height):
    """An 8-bit RGB PNG of `pixels` (rows of (r, g, b) tuples); each row gets the filter
    (none, sub, up, average, paeth) with the smallest sum of absolute values."""

    def paeth(a, b, c):
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        if pa <= pb and pa <= pc:
            return a
        return b if pb <= pc else c

    raw = bytearray()
    previous = bytes(width * 3)
    for row in pixels:
        line = bytes(v for pixel in row for v in pixel)
        candidates = []
        for kind in range(5):
            out = bytearray(len(line))
            for i, x in enumerate(line):
                a = line[i - 3] if i >= 3 else 0
                b = previous[i]
                c = previous[i - 3] if i >= 3 else 0
                predictor = (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]
                out[i] = (x - predictor) & 0xFF
            cost = sum(v if v < 128 else 256 - v for v in out)
            candidates.append((cost, kind, out))
        _, kind, out = min(candidates, key=lambda c: (c[0], c[1]))
        raw.append(kind)
        raw += out
        previous = line

    def chunk(tag, data):
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")


# ---------------------------------------------------------------- colours


def random_colour(rng):
    """A random colour from HSV with moderate-to-high saturation and value."""
    h, s, v = rng.random(), rng.uniform(0.25, 1.0), rng.uniform(0.3, 1.0)
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    r, g, b = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return (r * 255, g * 255, b * 255)


def distance(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))


def mix(a, b, t):
    return tuple(x + (y - x) * t for x, y in zip(a, b))


# ---------------------------------------------------------------- backgrounds


def background(rng):
    """A function (x, y) -> colour, and the colours it uses (to keep the shape distinct)."""
    first, second = random_colour(rng), random_colour(rng)
    kind = rng.choice(["gradient", "stripes", "checker", "blobs", "speckle"])
    angle = rng.uniform(0, math.pi)
    ca, sa = math.cos(angle), math.sin(angle)
    if kind == "gradient":
        return (lambda x, y: mix(first, second, min(1, max(0, 0.5 + ((x - SIZE / 2) * ca + (y - SIZE / 2) * sa) / SIZE)))), [first, second]
    if kind == "stripes":
        period = rng.uniform(8, 24)
        return (lambda x, y: mix(first, second, 0.5 + 0.5 * math.sin(2 * math.pi * (x * ca + y * sa) / period))), [first, second]
    if kind == "checker":
        cell = rng.randint(6, 16)
        return (lambda x, y: first if (int(x // cell) + int(y // cell)) % 2 == 0 else second), [first, second]
    if kind == "blobs":
        centres = [(rng.uniform(0, SIZE), rng.uniform(0, SIZE), rng.uniform(10, 30)) for _ in range(4)]

        def blobs(x, y):
            t = sum(math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r)) for cx, cy, r in centres)
            return mix(first, second, min(1.0, t))

        return blobs, [first, second]
    # speckle: a flat colour with coarse 4x4 noise cells (compresses better than pixel noise)
    cells = {}

    def speckle(x, y):
        key = (int(x) // 4, int(y) // 4)
        if key not in cells:
            cells[key] = rng.uniform(-0.35, 0.35)
        return mix(first, second, 0.5 + cells[key])

    return speckle, [first, second]


# ---------------------------------------------------------------- shapes


def shape_test(name, rng):
    """A function (dx, dy) -> inside?, in a frame centred on the shape with radius 1."""
    rotation = rng.uniform(0, 2 * math.pi)

    def polar(dx, dy):
        return math.hypot(dx, dy), (math.atan2(dy, dx) - rotation) % (2 * math.pi)

    def regular(n):
        sector = 2 * math.pi / n

        def inside(dx, dy):
            r, theta = polar(dx, dy)
            local = theta % sector - sector / 2
            return r * math.cos(local) <= math.cos(math.pi / n)

        return inside

    if name == "circle":
        return lambda dx, dy: dx * dx + dy * dy <= 1
    if name == "ring":
        inner = rng.uniform(0.45, 0.7)
        return lambda dx, dy: inner * inner <= dx * dx + dy * dy <= 1
    if name == "square":
        return regular(4)
    if name == "triangle":
        return regular(3)
    if name == "star":
        points = rng.choice([5, 5, 6])
        inner = rng.uniform(0.38, 0.5)
        sector = 2 * math.pi / points

        def star(dx, dy):
            r, theta = polar(dx, dy)
            # The boundary between an outer tip (angle 0) and an inner corner (angle sector/2).
            local = abs(theta % sector - sector / 2)  # 0 at an inner corner, sector/2 at a tip
            t = 1 - local / (sector / 2)  # 1 at the inner corner, 0 at the tip
            ax, ay = 1.0, 0.0  # the tip
            bx, by = inner * math.cos(sector / 2), inner * math.sin(sector / 2)  # the inner corner
            # Radius of the edge tip->corner in the direction of this angle.
            phi = (1 - t) * 0 + t * (sector / 2)
            dxe, dye = bx - ax, by - ay
            denominator = math.cos(phi) * dye - math.sin(phi) * dxe
            edge = (ax * dye - ay * dxe) / denominator if denominator != 0 else 1
            return r <= edge

        return star
    if name == "cross":
        width = rng.uniform(0.28, 0.42)

        def cross(dx, dy):
            c, s = math.cos(rotation), math.sin(rotation)
            u, v = dx * c + dy * s, -dx * s + dy * c
            return (abs(u) <= width and abs(v) <= 1) or (abs(v) <= width and abs(u) <= 1)

        return cross
    raise ValueError(name)


def draw(name, rng):
    paint, used = background(rng)
    colour = random_colour(rng)
    for _ in range(50):  # a shape colour that stands out from both background colours
        if min(distance(colour, u) for u in used) > 90:
            break
        colour = random_colour(rng)
    shade = mix(colour, (0, 0, 0), rng.uniform(0, 0.35))  # a gentle light-to-dark fill
    radius = rng.uniform(14, 38)
    margin = radius * 0.7
    cx, cy = rng.uniform(margin, SIZE - margin), rng.uniform(margin, SIZE - margin)
    inside = shape_test(name, rng)
    rows = []
    for y in range(SIZE):
        row = []
        for x in range(SIZE):
            base = paint(x + 0.5, y + 0.5)
            if abs(x + 0.5 - cx) > radius + 1 or abs(y + 0.5 - cy) > radius + 1:
                row.append(tuple(int(round(max(0, min(255, v)))) for v in base))
                continue
            hits = sum(inside((x + sx - cx) / radius, (y + sy - cy) / radius) for sx, sy in SUBSAMPLES)
            fill = mix(colour, shade, min(1, max(0, (y - cy + radius) / (2 * radius))))
            pixel = mix(base, fill, hits / len(SUBSAMPLES))
            row.append(tuple(int(round(max(0, min(255, v)))) for v in pixel))
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--per-class", type=int, default=64)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "images"))
    arguments = parser.parse_args()
    for class_index, name in enumerate(CLASSES):
        folder = os.path.join(arguments.out, name)
        os.makedirs(folder, exist_ok=True)
        for index in range(arguments.per_class):
            rng = random.Random(arguments.seed * 1_000_003 + class_index * 10_007 + index)
            with open(os.path.join(folder, "%s_%03d.png" % (name, index)), "wb") as file:
                file.write(png_bytes(draw(name, rng), SIZE, SIZE))


if __name__ == "__main__":
    main()
