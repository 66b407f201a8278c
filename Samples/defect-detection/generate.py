#!/usr/bin/env python3
"""Generates the defect-detection sample: textured surfaces in the MVTec AD layout.

A development-time tool (Python standard library only; factory never runs it). Writes
`surface/` next to this file:

    surface/train/good/*.png                    good surfaces to learn from
    surface/test/good/*.png                     good surfaces to test on
    surface/test/<defect>/*.png                 scratch, hole, stain, crack
    surface/ground_truth/<defect>/*_mask.png    white where the defect is

Four texture kinds (brushed metal, woven fabric, wood grain, granite), each image with
its own random variation; every file is seeded by its path, so the output is the same on
every run and every machine. Run: python3 Samples/defect-detection/generate.py
"""

import math
import os
import random
import shutil
import struct
import zlib

SIZE = 128
TEXTURES = ["metal", "fabric", "wood", "granite"]
DEFECTS = ["scratch", "hole", "stain", "crack"]
TRAIN_PER_TEXTURE = 25
TEST_GOOD_PER_TEXTURE = 6
TEST_PER_DEFECT = 10


# ---------------------------------------------------------------- PNG writing

def write_png(path, pixels, channels):
    """Writes 8-bit grey (channels 1) or RGB (3) rows of floats in [0, 1] as PNG, 'up' filtered."""
    raw = bytearray()
    previous = bytes(SIZE * channels)
    for row in pixels:
        values = bytes(max(0, min(255, int(v * 255 + 0.5))) for v in row)
        raw.append(2)  # filter "up": each byte minus the byte above
        raw.extend((values[i] - previous[i]) & 0xFF for i in range(len(values)))
        previous = values
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    colour_type = 0 if channels == 1 else 2
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, colour_type, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)


# ---------------------------------------------------------------- noise helpers

def value_noise(rng, cells):
    """Smooth noise in [0, 1]: a random grid of cells x cells, bicubically (smoothstep) interpolated."""
    grid = [[rng.random() for _ in range(cells + 1)] for _ in range(cells + 1)]
    scale = cells / SIZE
    out = []
    for y in range(SIZE):
        gy = y * scale
        y0 = int(gy)
        ty = gy - y0
        ty = ty * ty * (3 - 2 * ty)
        row = []
        for x in range(SIZE):
            gx = x * scale
            x0 = int(gx)
            tx = gx - x0
            tx = tx * tx * (3 - 2 * tx)
            top = grid[y0][x0] * (1 - tx) + grid[y0][x0 + 1] * tx
            bottom = grid[y0 + 1][x0] * (1 - tx) + grid[y0 + 1][x0 + 1] * tx
            row.append(top * (1 - ty) + bottom * ty)
        out.append(row)
    return out


def clamp(v):
    return 0.0 if v < 0 else 1.0 if v > 1 else v


# ---------------------------------------------------------------- textures (RGB rows)

def metal(rng):
    base = 0.55 + rng.uniform(-0.05, 0.05)
    streak = [rng.gauss(0, 1) for _ in range(SIZE)]
    streak = [(streak[(y - 1) % SIZE] + 2 * streak[y] + streak[(y + 1) % SIZE]) / 4 for y in range(SIZE)]
    sheen = value_noise(rng, 2)
    image = []
    for y in range(SIZE):
        row = []
        for x in range(SIZE):
            v = base + 0.05 * streak[y] + 0.15 * (sheen[y][x] - 0.5) + rng.gauss(0, 0.012)
            row.append((clamp(v), clamp(v + 0.01), clamp(v + 0.03)))
        image.append(row)
    return image


def fabric(rng):
    period = 8
    hue = rng.choice([(0.25, 0.35, 0.6), (0.55, 0.25, 0.25), (0.3, 0.5, 0.3)])
    shift_x, shift_y = rng.randrange(period), rng.randrange(period)
    light = value_noise(rng, 2)
    image = []
    for y in range(SIZE):
        row = []
        for x in range(SIZE):
            cx, cy = (x + shift_x) // (period // 2), (y + shift_y) // (period // 2)
            over = (cx + cy) % 2
            fx, fy = ((x + shift_x) % (period // 2)) / (period // 2), ((y + shift_y) % (period // 2)) / (period // 2)
            thread = math.sin(math.pi * (fy if over else fx))
            v = 0.65 + 0.3 * thread + 0.2 * (light[y][x] - 0.5) + rng.gauss(0, 0.02)
            row.append(tuple(clamp(c * v * 1.3) for c in hue))
        image.append(row)
    return image


def wood(rng):
    warp = value_noise(rng, 3)
    fine = value_noise(rng, 16)
    frequency = rng.uniform(0.18, 0.26)
    phase = rng.uniform(0, 2 * math.pi)
    image = []
    for y in range(SIZE):
        row = []
        for x in range(SIZE):
            ring = math.sin(frequency * (x + 40 * warp[y][x]) + phase + 2 * fine[y][x])
            v = 0.55 + 0.12 * ring + 0.05 * (fine[y][x] - 0.5) + rng.gauss(0, 0.01)
            row.append((clamp(v * 1.05), clamp(v * 0.72), clamp(v * 0.42)))
        image.append(row)
    return image


def granite(rng):
    coarse = value_noise(rng, 8)
    medium = value_noise(rng, 24)
    tint = rng.uniform(-0.04, 0.04)
    image = []
    for y in range(SIZE):
        row = []
        for x in range(SIZE):
            v = 0.45 + 0.2 * (coarse[y][x] - 0.5) + 0.2 * (medium[y][x] - 0.5) + rng.gauss(0, 0.035)
            if rng.random() < 0.03:
                v += rng.choice([-0.2, 0.25])
            row.append((clamp(v + 0.06 + tint), clamp(v), clamp(v - 0.02)))
        image.append(row)
    return image


TEXTURE_MAKERS = {"metal": metal, "fabric": fabric, "wood": wood, "granite": granite}


# ---------------------------------------------------------------- defects (modify image, return mask)

def empty_mask():
    return [[0.0] * SIZE for _ in range(SIZE)]


def paint(image, mask, x, y, colour, alpha):
    if 0 <= x < SIZE and 0 <= y < SIZE:
        r, g, b = image[y][x]
        image[y][x] = tuple(clamp((1 - alpha) * c + alpha * t) for c, t in zip((r, g, b), colour))
        mask[y][x] = 1.0


def stroke(image, mask, points, width, colour, alpha):
    """Draws a polyline of the given width."""
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        steps = int(max(abs(x1 - x0), abs(y1 - y0)) * 2) + 1
        for s in range(steps + 1):
            t = s / steps
            cx, cy = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            for dy in range(-width, width + 1):
                for dx in range(-width, width + 1):
                    if dx * dx + dy * dy <= width * width + 0.5:
                        paint(image, mask, int(round(cx + dx)), int(round(cy + dy)), colour, alpha)


def scratch(rng, image):
    mask = empty_mask()
    length = rng.uniform(35, 80)
    angle = rng.uniform(0, math.pi)
    cx, cy = rng.uniform(30, 98), rng.uniform(30, 98)
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    bend = rng.uniform(-6, 6)
    points = [(cx - dx, cy - dy), (cx + bend * math.sin(angle), cy - bend * math.cos(angle)), (cx + dx, cy + dy)]
    colour = (0.95, 0.95, 0.92) if rng.random() < 0.5 else (0.12, 0.12, 0.12)
    stroke(image, mask, points, 1, colour, 0.85)
    return mask


def hole(rng, image):
    mask = empty_mask()
    radius = rng.uniform(4, 9)
    cx, cy = rng.uniform(20, 108), rng.uniform(20, 108)
    for y in range(SIZE):
        for x in range(SIZE):
            d = math.hypot(x - cx, y - cy)
            if d <= radius:
                depth = 1 - 0.5 * (d / radius) ** 2
                paint(image, mask, x, y, (0.03, 0.03, 0.03), 0.85 * depth + 0.1)
            elif d <= radius + 1.5:
                paint(image, mask, x, y, (0.9, 0.9, 0.9), 0.35)
    return mask


def stain(rng, image):
    mask = empty_mask()
    cx, cy = rng.uniform(25, 103), rng.uniform(25, 103)
    rx, ry = rng.uniform(8, 18), rng.uniform(6, 14)
    angle = rng.uniform(0, math.pi)
    wobble = [rng.uniform(0.75, 1.25) for _ in range(8)]
    colour = rng.choice([(0.45, 0.32, 0.08), (0.2, 0.22, 0.1), (0.6, 0.5, 0.1)])
    alpha = rng.uniform(0.45, 0.65)
    for y in range(SIZE):
        for x in range(SIZE):
            ox, oy = x - cx, y - cy
            u = (ox * math.cos(angle) + oy * math.sin(angle)) / rx
            v = (-ox * math.sin(angle) + oy * math.cos(angle)) / ry
            theta = math.atan2(v, u)
            k = (theta + math.pi) / (2 * math.pi) * 8
            i = int(k) % 8
            f = k - int(k)
            edge = wobble[i] * (1 - f) + wobble[(i + 1) % 8] * f
            if u * u + v * v <= edge * edge:
                paint(image, mask, x, y, colour, alpha)
    return mask


def crack(rng, image):
    mask = empty_mask()
    x, y = rng.uniform(25, 103), rng.uniform(25, 103)
    angle = rng.uniform(0, 2 * math.pi)
    points = [(x, y)]
    for _ in range(rng.randint(8, 14)):
        angle += rng.uniform(-0.7, 0.7)
        x = min(max(x + 6 * math.cos(angle), 2), SIZE - 3)
        y = min(max(y + 6 * math.sin(angle), 2), SIZE - 3)
        points.append((x, y))
    stroke(image, mask, points, 1, (0.05, 0.04, 0.04), 0.9)
    if rng.random() < 0.7:
        start = points[len(points) // 2]
        branch_angle = angle + rng.choice([-1, 1]) * rng.uniform(0.8, 1.4)
        branch = [start]
        bx, by = start
        for _ in range(rng.randint(3, 5)):
            branch_angle += rng.uniform(-0.5, 0.5)
            bx = min(max(bx + 5 * math.cos(branch_angle), 2), SIZE - 3)
            by = min(max(by + 5 * math.sin(branch_angle), 2), SIZE - 3)
            branch.append((bx, by))
        stroke(image, mask, branch, 0, (0.05, 0.04, 0.04), 0.85)
    return mask


DEFECT_MAKERS = {"scratch": scratch, "hole": hole, "stain": stain, "crack": crack}


# ---------------------------------------------------------------- the data set

def rgb_rows(image):
    return [[c for pixel in row for c in pixel] for row in image]


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "surface")
    if os.path.exists(root):
        shutil.rmtree(root)
    for split, count in (("train", TRAIN_PER_TEXTURE), ("test", TEST_GOOD_PER_TEXTURE)):
        for texture in TEXTURES:
            for index in range(count):
                name = f"{texture}_{index:03d}"
                rng = random.Random(f"{split}/good/{name}")
                image = TEXTURE_MAKERS[texture](rng)
                write_png(os.path.join(root, split, "good", name + ".png"), rgb_rows(image), 3)
    for defect in DEFECTS:
        for index in range(TEST_PER_DEFECT):
            texture = TEXTURES[index % len(TEXTURES)]
            name = f"{texture}_{index:03d}"
            rng = random.Random(f"test/{defect}/{name}")
            image = TEXTURE_MAKERS[texture](rng)
            mask = DEFECT_MAKERS[defect](rng, image)
            write_png(os.path.join(root, "test", defect, name + ".png"), rgb_rows(image), 3)
            write_png(os.path.join(root, "ground_truth", defect, name + "_mask.png"), mask, 1)
    print("wrote", root)


if __name__ == "__main__":
    main()
