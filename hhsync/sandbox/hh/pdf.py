"""A valid PDF 1.4 document: one page of text, correct xref offsets and trailer.

The sandbox serves it as the resume download so that clients store and attach a real file. Text
is written with a standard Type1 font; non-Latin characters are transliterated because the
standard fonts carry no Cyrillic glyphs (the file stays valid and readable). Real resume PDFs
weigh hundreds of kilobytes (a photo, embedded fonts), so the page can carry a photo-like image:
Flate-compressed noise, which does not compress further, so the file has the size asked for.
"""

from __future__ import annotations

import random
import zlib

PHOTO_WIDTH_PX = 256
_PHOTO_ROW_BYTES = PHOTO_WIDTH_PX * 3  # 8-bit RGB

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def transliterate(text: str) -> str:
    """Russian letters to Latin (GOST-like); other non-ASCII characters become '?'."""
    out = []
    for ch in text:
        low = ch.lower()
        if low in _TRANSLIT:
            latin = _TRANSLIT[low]
            out.append(latin.capitalize() if ch != low else latin)
        elif ch.isascii():
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _photo(size_bytes: int, seed: str) -> bytes:
    """An RGB image XObject of about ``size_bytes``, its pixels noise drawn from ``seed``."""
    rows = max(1, size_bytes // _PHOTO_ROW_BYTES)
    pixels = random.Random(seed).randbytes(rows * _PHOTO_ROW_BYTES)
    packed = zlib.compress(pixels, 1)
    head = (
        f"<< /Type /XObject /Subtype /Image /Width {PHOTO_WIDTH_PX} /Height {rows} "
        f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length {len(packed)} >>"
    )
    return head.encode("ascii") + b"\nstream\n" + packed + b"\nendstream"


def build_pdf(lines: list[str], title: str, *, size_bytes: int = 0, seed: str = "") -> bytes:
    """A one-page PDF showing ``lines``; ``title`` goes to the document info (as UTF-16).

    With ``size_bytes`` the page also shows a photo that brings the file to about that size; the
    same ``seed`` gives the same bytes.
    """
    text_ops = ["BT", "/F1 14 Tf", "50 790 Td", "18 TL"]
    for line in lines:
        text_ops.append(f"({_escape(transliterate(line))}) '")
    text_ops.append("ET")
    photo = _photo(size_bytes, seed) if size_bytes > 0 else None
    if photo is not None:
        text_ops.append("q 120 0 0 160 425 640 cm /Im1 Do Q")  # top right, 120x160 pt
    stream = "\n".join(text_ops).encode("ascii")
    title_hex = ("FEFF" + title.encode("utf-16-be").hex()).upper()
    images = b" /XObject << /Im1 7 0 R >>" if photo is not None else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >>" + images + b" >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title <" + title_hex.encode() + b"> /Producer (hhsync sandbox) >>",
    ]
    if photo is not None:
        objects.append(photo)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)
