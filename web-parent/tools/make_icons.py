#!/usr/bin/env python3
"""Writes the parent app's PWA icons (web-parent/static/icons/*.png).

Run once from the repository root: `python3 web-parent/tools/make_icons.py`.
The PNGs are committed; this script only documents how they were made.
Plain zlib, no imaging library: a rounded teal tile with a white "house"
(the room) holding a QR-like 3x3 block. The maskable variants keep every
mark inside the central 80 % safe zone and fill the whole square.
"""
import os
import struct
import zlib

TEAL = (0x1F, 0x5F, 0x7A)
WHITE = (0xFF, 0xFF, 0xFF)
SUN = (0xF2, 0xA9, 0x00)


def png(path, size, pixel):
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            row.extend(pixel(x / size, y / size))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", header))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def mark(u, v):
    """The mark in a unit square (0..1): a house outline with a QR block."""
    # Roof: a triangle from (0.15, 0.45) to (0.5, 0.12) to (0.85, 0.45).
    if 0.12 <= v <= 0.45 and abs(u - 0.5) <= (v - 0.12) / 0.33 * 0.35:
        return WHITE
    # Walls.
    if 0.45 <= v <= 0.88 and 0.22 <= u <= 0.78:
        # QR block inside: 3x3 cells with a pattern.
        if 0.32 <= u < 0.68 and 0.52 <= v < 0.82:
            cx = int((u - 0.32) / 0.12)
            cy = int((v - 0.52) / 0.10)
            on = (cx, cy) in {(0, 0), (2, 0), (1, 1), (0, 2), (2, 2), (1, 2)}
            return TEAL if on else WHITE
        return WHITE
    # A sun at the top left.
    if (u - 0.2) ** 2 + (v - 0.18) ** 2 <= 0.06 ** 2:
        return SUN
    return None


def icon(maskable):
    def pixel(x, y):
        if maskable:
            # Full bleed; the mark shrunk into the 80 % safe zone.
            u, v = (x - 0.5) / 0.7 + 0.5, (y - 0.5) / 0.7 + 0.5
            m = mark(u, v) if 0 <= u <= 1 and 0 <= v <= 1 else None
            return (*(m or TEAL), 255)
        # Rounded tile with transparent corners.
        r = 0.18
        cx = min(max(x, r), 1 - r)
        cy = min(max(y, r), 1 - r)
        if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
            return (0, 0, 0, 0)
        return (*(mark(x, y) or TEAL), 255)

    return pixel


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "static", "icons")
    os.makedirs(out, exist_ok=True)
    for size in (192, 512):
        png(os.path.join(out, f"icon-{size}.png"), size, icon(False))
        png(os.path.join(out, f"maskable-{size}.png"), size, icon(True))
    png(os.path.join(out, "apple-touch-icon.png"), 180, icon(True))


if __name__ == "__main__":
    main()
