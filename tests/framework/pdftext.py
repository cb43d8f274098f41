"""Just enough PDF reading to check ReportLab's CID text (UTF-16BE strings in ASCII85+Flate page streams)."""

from __future__ import annotations

import base64
import re
import zlib

_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _literal(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        ch = raw[i:i + 1]
        if ch == b"\\":
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
                continue
            out += _ESCAPES.get(raw[i + 1:i + 2], raw[i + 1:i + 2])
            i += 2
            continue
        out += ch
        i += 1
    return bytes(out)


def cid_text(pdf: bytes) -> str:
    """The text of every CID-font string shown on the pages, decoded from UTF-16BE."""
    texts = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        raw = match.group(1).strip()
        if not raw.endswith(b"~>"):
            continue
        content = zlib.decompress(base64.a85decode(raw if raw.startswith(b"<~") else b"<~" + raw, adobe=True))
        for string in re.finditer(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            data = _literal(string.group(1))
            if len(data) % 2 == 0:
                texts.append(data.decode("utf-16-be", errors="replace"))
    return "".join(texts)
