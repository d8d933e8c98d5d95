"""Repair double-encoded UTF-8 ("mojibake"): ``"ÐœÐ¾ÑÐºÐ²Ð°"`` -> ``"Москва"``.

It happens when a publisher takes UTF-8 bytes, decodes them as windows-1252 or latin-1
and encodes the result as UTF-8 again. The damage is reversible: map each character back
to the single byte it came from and decode those bytes as UTF-8.

We repair only when that is *clearly* what happened: every non-ASCII character must map
back to one byte, the bytes must be valid UTF-8 (genuine latin-1 text such as "café" or
"Größe" essentially never is), and the repaired text must be shorter. Anything else is
returned untouched.
"""

from __future__ import annotations

import contextlib

# windows-1252 puts printable characters in 0x80-0x9F where latin-1 has C1 controls.
# Double-encoding tools differ in which one they used, and bytes 0x81, 0x8D, 0x8F, 0x90,
# 0x9D are undefined in windows-1252 and survive as C1 controls, so both are accepted.
_CP1252_TO_BYTE: dict[str, int] = {}
for _byte in range(0x80, 0xA0):
    with contextlib.suppress(UnicodeDecodeError):
        _CP1252_TO_BYTE[bytes([_byte]).decode("cp1252")] = _byte


def _to_single_bytes(text: str) -> bytes | None:
    out = bytearray()
    for char in text:
        code = ord(char)
        if code < 0x100:
            out.append(code)
        elif char in _CP1252_TO_BYTE:
            out.append(_CP1252_TO_BYTE[char])
        else:
            return None  # a character no single byte could have produced: not mojibake
    return bytes(out)


def repair_mojibake(text: str) -> str:
    """The repaired text when ``text`` is clearly double-encoded UTF-8, else ``text``."""
    if text.isascii():
        return text
    raw = _to_single_bytes(text)
    if raw is None:
        return text
    try:
        repaired = raw.decode("utf-8")
    except UnicodeDecodeError:
        return text
    return repaired if len(repaired) < len(text) else text


def looks_like_mojibake(text: str) -> bool:
    return repair_mojibake(text) != text
