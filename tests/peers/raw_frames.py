"""WebSocket frames on bare asyncio streams, for the small peers here that
must be wrong in ways a WebSocket library would not let them be."""

import base64
import hashlib
import struct

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


async def accept(reader, writer):
    """Reads an upgrade request and answers 101, checking nothing but the key."""
    request = await reader.readuntil(b"\r\n\r\n")
    key = next(
        line.split(b":", 1)[1].strip()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    answer = base64.b64encode(hashlib.sha1(key + GUID).digest())
    writer.write(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + answer + b"\r\n\r\n"
    )


async def read_frame(reader):
    """The next frame: its first octet and its payload, unmasked."""
    b0, _, data = await read_masked_frame(reader)
    return b0, data


async def read_masked_frame(reader):
    """The next frame: its first octet, whether it was masked, its payload."""
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
    mask = await reader.readexactly(4) if b1 & 0x80 else b"\0\0\0\0"
    data = bytearray(await reader.readexactly(n))
    for i in range(n):
        data[i] ^= mask[i % 4]
    return b0, bool(b1 & 0x80), bytes(data)


def frame(b0, data):
    """An unmasked frame with first octet `b0`, as a server sends it."""
    n = len(data)
    if n < 126:
        return bytes([b0, n]) + data
    if n < 65536:
        return bytes([b0, 126]) + struct.pack("!H", n) + data
    return bytes([b0, 127]) + struct.pack("!Q", n) + data
