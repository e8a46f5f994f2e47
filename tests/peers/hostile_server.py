"""A WebSocket server that is hostile on purpose, one behaviour per run.
It completes every upgrade correctly (so wsspec tests it), then:

    flood-text      sends small text messages without end, never reads
    flood-pings     sends pings without end, never reads our pongs
    flood-continue  opens a message and sends empty continuation frames
                    without end
    after-close     sends a close frame, then text messages without end
    big             answers every case with one 64 MiB binary message,
                    then echoes nothing and waits
    huge-header     sends a frame header declaring 2^63-1 octets, then
                    payload without end
    echo            a plain echo server (with --server-header, the
                    300-character agent name test)

    python3 hostile_server.py MODE PORT [--server-header NAME]

Every connection gets the behaviour. Standard library only.
"""

import asyncio
import base64
import hashlib
import struct
import sys

from raw_frames import read_frame

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MODE = sys.argv[1]
PORT = int(sys.argv[2])
SERVER = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--server-header" else "hostile/" + MODE


def frame(opcode, payload=b"", fin=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


async def upgrade(reader, writer):
    head = await reader.readuntil(b"\r\n\r\n")
    key = b""
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    writer.write(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\nServer: " + SERVER.encode() + b"\r\n\r\n"
    )
    await writer.drain()


async def forever(writer, chunk):
    while True:
        writer.write(chunk)
        await writer.drain()


async def echo(reader, writer):
    """Unmasks and returns each frame as it is (enough for the tests)."""
    while True:
        b0, data = await read_frame(reader)
        writer.write(frame(b0 & 0x0F, data, fin=bool(b0 & 0x80)))
        await writer.drain()
        if b0 & 0x0F == 8:
            writer.close()
            return


BIG = frame(2, bytes(64 * 1024 * 1024))


async def handle(reader, writer):
    try:
        await upgrade(reader, writer)
        if MODE == "flood-text":
            await forever(writer, frame(1, b"flood") * 2000)
        elif MODE == "flood-pings":
            await forever(writer, frame(9, b"p" * 125) * 500)
        elif MODE == "flood-continue":
            writer.write(frame(1, b"start", fin=False))
            await forever(writer, frame(0, b"", fin=False) * 10000)
        elif MODE == "after-close":
            writer.write(frame(8, struct.pack("!H", 1000)))
            await forever(writer, frame(1, b"after close") * 2000)
        elif MODE == "big":
            writer.write(BIG)
            await writer.drain()
            await asyncio.sleep(3600)
        elif MODE == "huge-header":
            writer.write(bytes([0x82, 127]) + struct.pack("!Q", 2**63 - 1))
            await forever(writer, bytes(65536))
        elif MODE == "echo":
            await echo(reader, writer)
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", PORT)
    async with server:
        await server.serve_forever()


asyncio.run(main())
