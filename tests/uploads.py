"""Files that uploads must refuse, shared by the tests of every upload path."""
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile


def png_bomb() -> SimpleUploadedFile:
    """A few hundred bytes that claim 40,000 × 40,000 pixels: decoding would take gigabytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 40_000, 40_000, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 4096)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    return SimpleUploadedFile("bomb.png", data, content_type="image/png")
