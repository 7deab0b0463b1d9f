#!/usr/bin/env python3
"""Writes static/favicon.ico from the logo mark of static/logo.svg (a blue rounded square with a white check), drawn
here with 4x4 supersampling so that no image library is needed. Run it again after changing the mark."""
import math, struct, zlib, pathlib

BLUE = (29, 78, 216)
CHECK = [(9, 16.5), (13.5, 21), (23, 11.5)]  # in the 32 x 32 box of logo.svg
STROKE = 3.2 / 2


def inside_rounded_square(x, y, r=8.0, size=32.0):
    cx = min(max(x, r), size - r)
    cy = min(max(y, r), size - r)
    return 0 <= x <= size and 0 <= y <= size and (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def near_check(x, y):
    for (ax, ay), (bx, by) in zip(CHECK, CHECK[1:]):
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        if math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= STROKE:
            return True
    return False


def pixels(size):
    rows = []
    scale = 32.0 / size
    for py in range(size):
        row = bytearray([0])  # PNG filter: none
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(4):
                for sx in range(4):
                    x, y = (px + (sx + 0.5) / 4) * scale, (py + (sy + 0.5) / 4) * scale
                    if not inside_rounded_square(x, y):
                        continue
                    colour = (255, 255, 255) if near_check(x, y) else BLUE
                    for i in range(3):
                        acc[i] += colour[i]
                    acc[3] += 255
            n = acc[3] // 255
            row += bytes([acc[0] // n if n else 0, acc[1] // n if n else 0, acc[2] // n if n else 0, acc[3] // 16])
        rows.append(bytes(row))
    return b"".join(rows)


def png(size):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels(size), 9)) + chunk(b"IEND", b"")


images = [(s, png(s)) for s in (16, 32, 48)]
out = struct.pack("<HHH", 0, 1, len(images))
offset = 6 + 16 * len(images)
for size, data in images:
    out += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(data), offset)
    offset += len(data)
out += b"".join(data for _, data in images)
root = pathlib.Path(__file__).resolve().parent.parent
(root / "static" / "favicon.ico").write_bytes(out)
