#!/usr/bin/env python3
"""Generates the tiny image fixtures of FactoryIOTests (ImageDecodingTests).

PNGs are built by hand with the standard library (zlib + struct), so every colour type,
bit depth, palette/tRNS combination and Adam7 interlacing can be covered in a few hundred
bytes each. Pixel values follow formulas that the Swift tests recompute:

  sample(c, y, x) = (x * 4099 + y * 25013 + c * 9973 + 7) % 2**bit_depth
  palette index(y, x) = (x * 3 + y * 5) % palette_size
  palette[i] = ((i * 47) % 256, (i * 91 + 13) % 256, (i * 151 + 29) % 256)
  tRNS alpha[i] = (i * 97 + 11) % 256 for i < palette_size // 2 (the rest are opaque)
  grey/RGB tRNS key = the sample(s) of pixel (0, 0)

JPEGs are made with cjpeg from libjpeg-turbo-progs (apt-get install -y libjpeg-turbo-progs)
and their expected decodes with djpeg from the same library (*.expected.ppm / .pgm); the
CMYK JPEG is only a header (SOF with 4 components), enough for the decoder to refuse it.

Run from this folder: python3 make_fixtures.py
"""
import struct
import subprocess
import zlib

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def sample(c, y, x, depth):
    return (x * 4099 + y * 25013 + c * 9973 + 7) % (1 << depth)


def palette_entry(i):
    return ((i * 47) % 256, (i * 91 + 13) % 256, (i * 151 + 29) % 256)


def chunk(kind, payload):
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(values, depth):
    if depth == 8:
        return bytes(values)
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in values)
    out, accumulator, bits = bytearray(), 0, 0
    for v in values:
        accumulator = (accumulator << depth) | v
        bits += depth
        if bits == 8:
            out.append(accumulator)
            accumulator, bits = 0, 0
    if bits:
        out.append(accumulator << (8 - bits))
    return bytes(out)


def make_png(name, width, height, color_type, depth, trns=False, interlaced=False):
    channels = CHANNELS[color_type]
    palette_size = min(1 << depth, 200) if color_type == 3 else 0

    def pixel(y, x):
        if color_type == 3:
            return [(x * 3 + y * 5) % palette_size]
        return [sample(c, y, x, depth) for c in range(channels)]

    def image_rows(xs, ys):
        return b"".join(b"\x00" + pack_row([v for x in xs for v in pixel(y, x)], depth) for y in ys)

    if interlaced:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            xs, ys = list(range(x0, width, dx)), list(range(y0, height, dy))
            if xs and ys:
                raw += image_rows(xs, ys)
    else:
        raw = image_rows(range(width), range(height))
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlaced else 0))
    if color_type == 3:
        out += chunk(b"PLTE", b"".join(bytes(palette_entry(i)) for i in range(palette_size)))
    if trns:
        if color_type == 3:
            out += chunk(b"tRNS", bytes((i * 97 + 11) % 256 for i in range(palette_size // 2)))
        else:
            out += chunk(b"tRNS", b"".join(struct.pack(">H", v) for v in pixel(0, 0)))
    out += chunk(b"IDAT", zlib.compress(raw, 9))
    out += chunk(b"IEND", b"")
    with open(name + ".png", "wb") as f:
        f.write(out)


def make_pngs():
    for depth in (1, 2, 4, 8, 16):
        make_png(f"grey{depth}", 5, 3, 0, depth)
    make_png("grey8_trns", 5, 3, 0, 8, trns=True)
    make_png("greyalpha8", 5, 3, 4, 8)
    make_png("greyalpha16", 5, 3, 4, 16)
    make_png("rgb8", 5, 3, 2, 8)
    make_png("rgb8_trns", 5, 3, 2, 8, trns=True)
    make_png("rgb16", 5, 3, 2, 16)
    make_png("rgba8", 5, 3, 6, 8)
    make_png("rgba16", 5, 3, 6, 16)
    for depth in (1, 2, 4, 8):
        make_png(f"palette{depth}", 5, 3, 3, depth)
    make_png("palette4_trns", 5, 3, 3, 4, trns=True)
    make_png("palette8_trns", 5, 3, 3, 8, trns=True)
    make_png("rgb8_interlaced", 9, 7, 2, 8, interlaced=True)
    make_png("grey2_interlaced", 9, 7, 0, 2, interlaced=True)
    make_png("rgba16_interlaced", 9, 7, 6, 16, interlaced=True)


def make_jpegs():
    width, height = 16, 12
    colour = bytes(v for y in range(height) for x in range(width)
                   for v in ((x * 16) % 256, (y * 21) % 256, ((x + y) * 9) % 256))
    grey = bytes(((x * 13 + y * 7) * 3) % 256 for y in range(height) for x in range(width))
    with open("source_colour.ppm", "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (width, height) + colour)
    with open("source_grey.pgm", "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (width, height) + grey)
    subprocess.run(["cjpeg", "-quality", "90", "-outfile", "colour.jpg", "source_colour.ppm"], check=True)
    subprocess.run(["cjpeg", "-quality", "90", "-progressive", "-outfile", "colour_progressive.jpg",
                    "source_colour.ppm"], check=True)
    subprocess.run(["cjpeg", "-quality", "90", "-grayscale", "-outfile", "grey.jpg", "source_grey.pgm"], check=True)
    for name, flag in (("colour", "-ppm"), ("colour_progressive", "-ppm"), ("grey", "-pnm")):
        extension = "pgm" if name == "grey" else "ppm"
        subprocess.run(["djpeg", flag, "-outfile", f"{name}.expected.{extension}", f"{name}.jpg"], check=True)
    make_cmyk_header("colour.jpg", "cmyk_header.jpg")


def make_cmyk_header(source, name):
    """A JPEG whose SOF declares 4 components (CMYK), with the source's DQT/DHT tables."""
    data = open(source, "rb").read()
    position, tables = 2, b""
    while position < len(data):
        marker = data[position + 1]
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if marker in (0xDB, 0xC4):
            tables += data[position:position + 2 + length]
        if marker == 0xDA:
            break
        position += 2 + length
    components = b"".join(bytes([i + 1, 0x11, 0]) for i in range(4))
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 8 + 3 * 4, 8, 8, 8, 4) + components
    scan_components = b"".join(bytes([i + 1, 0x00]) for i in range(4))
    sos = b"\xff\xda" + struct.pack(">HB", 6 + 2 * 4, 4) + scan_components + b"\x00\x3f\x00"
    with open(name, "wb") as f:
        f.write(b"\xff\xd8" + tables + sof + sos + b"\x00" * 64 + b"\xff\xd9")


if __name__ == "__main__":
    make_pngs()
    make_jpegs()
