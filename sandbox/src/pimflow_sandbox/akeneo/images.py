"""Small, real media files for the sandbox catalog: PNG, baseline JPEG and PDF bytes.

No imaging library is a runtime dependency of pimflow, so the files are written by hand:
PNG with zlib + struct, JPEG with a tiny baseline encoder (8x8 DCT, the standard quantisation
and Huffman tables of ITU T.81 Annex K), PDF as a one-page document. Every file is derived
from a seed, so a catalog always serves the same bytes for the same media code.

A pure-Python JPEG encoder is slow (tens of milliseconds per image), so JPEGs come from a
small pool of encoded pictures and are made unique by a comment (COM) segment carrying the
seed: each media file still has its own bytes (and content hash), at no encoding cost.
"""

from __future__ import annotations

import hashlib
import math
import struct
import threading
import zlib

__all__ = ["jpeg_bytes", "media_bytes", "pdf_bytes", "png_bytes", "encode_jpeg", "encode_png"]

Pixels = list[list[tuple[int, int, int]]]


def _palette(seed: str) -> tuple[tuple[int, int, int], tuple[int, int, int], int]:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    first = (digest[0], digest[1], digest[2])
    second = (255 - digest[3], 255 - digest[4], 255 - digest[5])
    return first, second, digest[6]


def picture(seed: str, width: int, height: int) -> Pixels:
    """A diagonal two-colour gradient with a disc, different for every seed."""
    (r1, g1, b1), (r2, g2, b2), shape = _palette(seed)
    cx = width * (0.3 + (shape % 5) / 10)
    cy = height * (0.3 + (shape // 5 % 5) / 10)
    radius2 = (min(width, height) * 0.22) ** 2
    disc = (255 - (r1 + r2) // 2, 255 - (g1 + g2) // 2, 255 - (b1 + b2) // 2)
    span = max(1, width + height - 2)
    rows = []
    for y in range(height):
        row = []
        for x in range(width):
            if (x - cx) ** 2 + (y - cy) ** 2 <= radius2:
                row.append(disc)
                continue
            t = (x + y) / span
            row.append(
                (
                    int(r1 + (r2 - r1) * t),
                    int(g1 + (g2 - g1) * t),
                    int(b1 + (b2 - b1) * t),
                )
            )
        rows.append(row)
    return rows


# -- PNG -------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: Pixels, text: str | None = None) -> bytes:
    """8-bit RGB PNG, filter type 0 on every row."""
    height, width = len(pixels), len(pixels[0])
    raw = bytearray()
    for row in pixels:
        raw.append(0)
        for r, g, b in row:
            raw += bytes((r, g, b))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = [_png_chunk(b"IHDR", header)]
    if text:
        chunks.append(_png_chunk(b"tEXt", b"Comment\x00" + text.encode("latin-1", "replace")))
    chunks.append(_png_chunk(b"IDAT", zlib.compress(bytes(raw), 6)))
    chunks.append(_png_chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def png_bytes(seed: str, width: int = 64, height: int = 64) -> bytes:
    return encode_png(picture(seed, width, height), text=seed)


# -- JPEG (baseline, 4:4:4) ------------------------------------------------------------------

_ZIGZAG = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]  # fmt: skip

_LUMA_Q = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]  # fmt: skip

_CHROMA_Q = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
] + [99] * 32  # fmt: skip

_DC_LUMA = ([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], list(range(12)))
_DC_CHROMA = ([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], list(range(12)))
_AC_LUMA = (
    [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D],
    bytes.fromhex(
        "01020300041105122131410613516107227114328191a1082342b1c11552d1f0"
        "2433627282090a161718191a25262728292a3435363738393a434445464748494a"
        "535455565758595a636465666768696a737475767778797a838485868788898a"
        "92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7"
        "c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa"
    ),
)
_AC_CHROMA = (
    [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
    bytes.fromhex(
        "000102031104052131061241510761711322328108144291a1b1c109233352f0"
        "156272d10a162434e125f11718191a262728292a35363738393a434445464748494a"
        "535455565758595a636465666768696a737475767778797a82838485868788898a"
        "92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7"
        "c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa"
    ),
)


def _scaled_table(base: list[int], quality: int) -> list[int]:
    scale = 5000 // quality if quality < 50 else 200 - quality * 2
    return [min(255, max(1, (q * scale + 50) // 100)) for q in base]


def _huffman_codes(spec: tuple[list[int], bytes | list[int]]) -> dict[int, tuple[int, int]]:
    bits, values = spec
    codes: dict[int, tuple[int, int]] = {}
    code = 0
    index = 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[values[index]] = (code, length)
            code += 1
            index += 1
        code <<= 1
    return codes


_COS = [
    [(math.sqrt(0.5) if u == 0 else 1.0) * 0.5 * math.cos((2 * x + 1) * u * math.pi / 16) for x in range(8)]
    for u in range(8)
]  # fmt: skip


def _dct(block: list[float]) -> list[float]:
    """2-D DCT-II of an 8x8 block (row-major), separable: rows then columns."""
    cos = _COS
    tmp = [0.0] * 64
    for y in range(8):
        row = block[y * 8 : y * 8 + 8]
        for u in range(8):
            c = cos[u]
            tmp[y * 8 + u] = (
                row[0] * c[0] + row[1] * c[1] + row[2] * c[2] + row[3] * c[3]
                + row[4] * c[4] + row[5] * c[5] + row[6] * c[6] + row[7] * c[7]
            )  # fmt: skip
    out = [0.0] * 64
    for u in range(8):
        col = [tmp[y * 8 + u] for y in range(8)]
        for v in range(8):
            c = cos[v]
            out[v * 8 + u] = (
                col[0] * c[0] + col[1] * c[1] + col[2] * c[2] + col[3] * c[3]
                + col[4] * c[4] + col[5] * c[5] + col[6] * c[6] + col[7] * c[7]
            )  # fmt: skip
    return out


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.count = 0

    def write(self, code: int, length: int) -> None:
        self.acc = (self.acc << length) | (code & ((1 << length) - 1))
        self.count += length
        while self.count >= 8:
            self.count -= 8
            byte = (self.acc >> self.count) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:
                self.out.append(0)  # byte stuffing
        self.acc &= (1 << self.count) - 1

    def flush(self) -> bytes:
        if self.count:
            self.write((1 << (8 - self.count)) - 1, 8 - self.count)  # pad with ones
        return bytes(self.out)


def _magnitude(value: int) -> tuple[int, int]:
    """(size category, additional bits) of a DC difference or AC coefficient."""
    size = abs(value).bit_length()
    bits = value if value >= 0 else value + (1 << size) - 1
    return size, bits


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", marker, len(payload) + 2) + payload


def _dht(table_class: int, table_id: int, spec: tuple[list[int], bytes | list[int]]) -> bytes:
    bits, values = spec
    return bytes([(table_class << 4) | table_id]) + bytes(bits) + bytes(values)


def encode_jpeg(pixels: Pixels, quality: int = 85, comment: str | None = None) -> bytes:
    """Baseline sequential JPEG (JFIF), YCbCr without subsampling, Huffman tables of Annex K."""
    height, width = len(pixels), len(pixels[0])
    luma_q = _scaled_table(_LUMA_Q, quality)
    chroma_q = _scaled_table(_CHROMA_Q, quality)
    tables = [
        (luma_q, _huffman_codes(_DC_LUMA), _huffman_codes(_AC_LUMA)),
        (chroma_q, _huffman_codes(_DC_CHROMA), _huffman_codes(_AC_CHROMA)),
        (chroma_q, _huffman_codes(_DC_CHROMA), _huffman_codes(_AC_CHROMA)),
    ]
    planes: list[list[list[float]]] = [[], [], []]
    for row in pixels:
        ys, cbs, crs = [], [], []
        for r, g, b in row:
            ys.append(0.299 * r + 0.587 * g + 0.114 * b - 128)
            cbs.append(-0.168736 * r - 0.331264 * g + 0.5 * b)
            crs.append(0.5 * r - 0.418688 * g - 0.081312 * b)
        planes[0].append(ys)
        planes[1].append(cbs)
        planes[2].append(crs)

    writer = _BitWriter()
    previous_dc = [0, 0, 0]
    for by in range(0, height, 8):
        for bx in range(0, width, 8):
            for component in range(3):
                plane = planes[component]
                block = []
                for y in range(by, by + 8):
                    line = plane[min(y, height - 1)]
                    block.extend(line[min(x, width - 1)] for x in range(bx, bx + 8))
                quant, dc_codes, ac_codes = tables[component]
                coefficients = _dct(block)
                zz = [int(round(coefficients[_ZIGZAG[k]] / quant[k])) for k in range(64)]
                diff = zz[0] - previous_dc[component]
                previous_dc[component] = zz[0]
                size, bits = _magnitude(diff)
                writer.write(*dc_codes[size])
                if size:
                    writer.write(bits, size)
                run = 0
                for k in range(1, 64):
                    coefficient = zz[k]
                    if coefficient == 0:
                        run += 1
                        continue
                    while run > 15:
                        writer.write(*ac_codes[0xF0])  # ZRL: sixteen zeros
                        run -= 16
                    size, bits = _magnitude(coefficient)
                    writer.write(*ac_codes[(run << 4) | size])
                    writer.write(bits, size)
                    run = 0
                if run:
                    writer.write(*ac_codes[0x00])  # EOB
    scan = writer.flush()

    parts = [b"\xff\xd8", _segment(0xFFE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")]
    if comment:
        parts.append(_segment(0xFFFE, comment.encode("utf-8")[:60000]))
    parts.append(_segment(0xFFDB, bytes([0]) + bytes(luma_q[k] for k in range(64))))
    parts.append(_segment(0xFFDB, bytes([1]) + bytes(chroma_q[k] for k in range(64))))
    parts.append(
        _segment(
            0xFFC0,
            struct.pack(">BHHB", 8, height, width, 3) + bytes([1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]),
        )
    )
    parts.append(
        _segment(
            0xFFC4,
            _dht(0, 0, _DC_LUMA) + _dht(1, 0, _AC_LUMA) + _dht(0, 1, _DC_CHROMA)
            + _dht(1, 1, _AC_CHROMA),
        )
    )  # fmt: skip
    parts.append(_segment(0xFFDA, bytes([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0])))
    parts.append(scan)
    parts.append(b"\xff\xd9")
    return b"".join(parts)


_JPEG_POOL_SIZE = 8
_jpeg_pool: dict[int, bytes] = {}
_jpeg_lock = threading.Lock()


def _pool_jpeg(slot: int) -> bytes:
    with _jpeg_lock:
        cached = _jpeg_pool.get(slot)
        if cached is None:
            cached = encode_jpeg(picture(f"jpeg-pool-{slot}", 48, 48))
            _jpeg_pool[slot] = cached
        return cached


def jpeg_bytes(seed: str) -> bytes:
    """A JPEG of the pool, made unique for this seed by a COM segment after the JFIF header."""
    slot = hashlib.sha256(seed.encode("utf-8")).digest()[0] % _JPEG_POOL_SIZE
    base = _pool_jpeg(slot)
    split = 2 + 2 + struct.unpack(">H", base[4:6])[0]  # SOI + APP0 segment
    return base[:split] + _segment(0xFFFE, seed.encode("utf-8")[:60000]) + base[split:]


# -- PDF -------------------------------------------------------------------------------------


def pdf_bytes(seed: str, title: str = "Datasheet") -> bytes:
    """A one-page PDF 1.4 showing the title and the seed, with a correct cross-reference table."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    safe_title = escape(title.encode("latin-1", "replace").decode("latin-1"))
    safe_seed = escape(seed.encode("latin-1", "replace").decode("latin-1"))
    stream = (
        f"BT /F1 18 Tf 50 760 Td ({safe_title}) Tj ET\nBT /F1 10 Tf 50 730 Td ({safe_seed}) Tj ET\n"
    ).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def media_bytes(kind: str, seed: str, title: str = "") -> bytes:
    """The bytes of a generated media file: kind is png, jpeg or pdf."""
    if kind == "png":
        return png_bytes(seed)
    if kind == "jpeg":
        return jpeg_bytes(seed)
    if kind == "pdf":
        return pdf_bytes(seed, title or "Datasheet")
    raise ValueError(f"unknown generated media kind {kind!r}")
