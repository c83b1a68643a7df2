"""A small sRGB ICC profile (version 2), generated in code for the PDF/A output intent.

PDF/A-1 validators (Apache PDFBox Preflight among them) refuse ICC version 4 profiles, and
Pillow/littleCMS build version 4 ones. This module writes a classic matrix/TRC display profile
by the ICC.1:2001-04 (version 2.1) layout: D50-adapted sRGB primaries (Bradford), the sRGB
tone curve as a 1024-entry table, a D65 media white point. Nothing is copied from a file, so
no licence question arises and no package needs to be installed.
"""

from __future__ import annotations

import struct
from functools import lru_cache

# sRGB primaries adapted from D65 to the D50 connection space (Bradford), as in IEC 61966-2-1.
_RED_XYZ = (0.4360747, 0.2225045, 0.0139322)
_GREEN_XYZ = (0.3850649, 0.7168786, 0.0971045)
_BLUE_XYZ = (0.1430804, 0.0606169, 0.7141733)
_D65_XYZ = (0.9504559, 1.0, 1.0890578)
_D50_XYZ = (0.9642029, 1.0, 0.8249054)

DESCRIPTION = "sRGB IEC61966-2.1"
COPYRIGHT = "No copyright, use freely"
_TRC_POINTS = 1024


def _s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_number(xyz: tuple[float, float, float]) -> bytes:
    return b"".join(_s15f16(v) for v in xyz)


def _xyz_tag(xyz: tuple[float, float, float]) -> bytes:
    return b"XYZ " + b"\0" * 4 + _xyz_number(xyz)


def _srgb_to_linear(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _curve_tag() -> bytes:
    table = [round(_srgb_to_linear(i / (_TRC_POINTS - 1)) * 65535) for i in range(_TRC_POINTS)]
    return b"curv" + b"\0" * 4 + struct.pack(f">I{_TRC_POINTS}H", _TRC_POINTS, *table)


def _text_tag(text: str) -> bytes:
    return b"text" + b"\0" * 4 + text.encode("ascii") + b"\0"


def _desc_tag(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc"
        + b"\0" * 4
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + struct.pack(">II", 0, 0)  # no Unicode description
        + struct.pack(">HB", 0, 0)  # no ScriptCode description
        + b"\0" * 67
    )


def _pad4(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """Return the bytes of an ICC v2.1 sRGB display profile (about 3 KB)."""
    curve = _curve_tag()
    tags: list[tuple[bytes, bytes]] = [
        (b"desc", _desc_tag(DESCRIPTION)),
        (b"cprt", _text_tag(COPYRIGHT)),
        (b"wtpt", _xyz_tag(_D65_XYZ)),
        (b"rXYZ", _xyz_tag(_RED_XYZ)),
        (b"gXYZ", _xyz_tag(_GREEN_XYZ)),
        (b"bXYZ", _xyz_tag(_BLUE_XYZ)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    entries: list[bytes] = []
    body = b""
    shared: dict[bytes, int] = {}  # identical tag data is stored once (the three curves)
    for signature, data in tags:
        if data in shared:
            entries.append(struct.pack(">4sII", signature, shared[data], len(data)))
            continue
        shared[data] = offset + len(body)
        entries.append(struct.pack(">4sII", signature, offset + len(body), len(data)))
        body += _pad4(data)
    size = 128 + table_size + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0" * 4  # preferred CMM: none
        + bytes([2, 0x10, 0, 0])  # version 2.1.0
        + b"mntr"
        + b"RGB "
        + b"XYZ "
        + struct.pack(">6H", 2000, 1, 1, 0, 0, 0)  # fixed date: the profile never changes
        + b"acsp"
        + b"\0" * 4  # primary platform: none
        + struct.pack(">I", 0)  # flags
        + b"\0" * 4  # device manufacturer
        + b"\0" * 4  # device model
        + b"\0" * 8  # device attributes
        + struct.pack(">I", 0)  # rendering intent: perceptual
        + _xyz_number(_D50_XYZ)
        + b"\0" * 4  # creator
        + b"\0" * 16  # profile ID (not used in v2)
        + b"\0" * 28
    )
    if len(header) != 128:  # pragma: no cover - guards the layout above
        raise AssertionError("ICC header must be 128 bytes")
    return header + struct.pack(">I", len(tags)) + b"".join(entries) + body
