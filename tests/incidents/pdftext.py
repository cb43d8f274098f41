"""Read the text ReportLab draws with a CID font back out of a PDF (no PDF library needed).

ReportLab writes each page stream ASCII85- and Flate-encoded; text drawn in `STSong-Light` (UniGB-UCS2-H)
is a PDF literal string of UTF-16BE code units, shown with `Tj`.
"""

from __future__ import annotations

import base64
import re
import zlib

_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _unescape(literal: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(literal):
        ch = literal[i:i + 1]
        if ch != b"\\":
            out += ch
            i += 1
            continue
        octal = re.match(rb"[0-7]{1,3}", literal[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(0), 8) & 0xFF)
            i += 1 + len(octal.group(0))
        else:
            out += _ESCAPES.get(literal[i + 1:i + 2], b"")
            i += 2
    return bytes(out)


def page_streams(pdf: bytes) -> list[bytes]:
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        raw = match.group(1).strip()
        try:
            streams.append(zlib.decompress(base64.a85decode(raw, adobe=True)))
        except (ValueError, zlib.error):
            continue
    return streams


def cid_text(pdf: bytes) -> str:
    """All strings shown with Tj in the page streams, decoded as UTF-16BE, joined."""
    parts = []
    for stream in page_streams(pdf):
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", stream, re.S):
            data = _unescape(literal)
            if len(data) % 2 == 0:
                parts.append(data.decode("utf-16-be", errors="replace"))
    return "".join(parts)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))
