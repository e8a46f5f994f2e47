"""A WebSocket server on bare asyncio whose opening handshake is wrong, or
merely unusual, in one way each, for the handshake section's rules
(tests/handshake_rules.rs). wsspec's own probe of a target (its request
carries `Pragma: no-cache`, which the section's requests do not) is
always upgraded, so the run starts. After a 101 it echoes frames as they come
(unmasked, RSV bits kept, so a compressed message comes back compressed)
and answers a close with a close.

    python3 handshake_peer.py MODE PORT

    silent           reads the request and neither answers nor closes
    ok200            answers every request 200 OK
    h2c              answers a request naming h2c with 101 to h2c, else upgrades
    forbid-origin    403 to a request with an Origin, else upgrades
    auth401          401 with WWW-Authenticate to every request
    redirect302      302 to /elsewhere for every request
    refuse-offers    400 to a request with Sec-WebSocket-Extensions, else upgrades
    deflate-plain    agrees to `permessage-deflate` (no parameters) whatever the offer
    deflate-cmwb12   agrees to `permessage-deflate; client_max_window_bits=12`
    deflate-any      agrees to the first offer's parameters as they are
    rst-431          reads 1 KiB, answers 431 and closes with the rest unread
    one-at-a-time    serves one connection at a time, in turn
    folded-101       upgrades with an obs-folded header in the 101
    many-headers-101 upgrades with 70 header lines in the 101
"""

import asyncio
import base64
import hashlib
import re
import sys

from raw_frames import frame, read_frame

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MODE = sys.argv[1]


def header(request, name):
    m = re.search(rb"(?im)^" + name + rb":[ \t]*(.*?)[ \t]*\r$", request)
    return m.group(1) if m else None


def upgrade(request, extra=b""):
    key = header(request, b"sec-websocket-key") or b""
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    return (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n" + extra + b"\r\n"
    )


def status(line, extra=b""):
    return b"HTTP/1.1 " + line + b"\r\nContent-Length: 0\r\n" + extra + b"\r\n"


def answer(request):
    offers = header(request, b"sec-websocket-extensions")
    if MODE == "ok200":
        return status(b"200 OK")
    if MODE == "h2c" and (header(request, b"upgrade") or b"").lower() == b"h2c":
        return b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
    if MODE == "forbid-origin" and header(request, b"origin"):
        return status(b"403 Forbidden")
    if MODE == "auth401":
        return status(b"401 Unauthorized", b"WWW-Authenticate: Basic realm=\"wsspec\"\r\n")
    if MODE == "redirect302":
        return status(b"302 Found", b"Location: /elsewhere\r\n")
    if MODE == "refuse-offers" and offers:
        return status(b"400 Bad Request")
    if MODE == "deflate-plain" and offers:
        return upgrade(request, b"Sec-WebSocket-Extensions: permessage-deflate\r\n")
    if MODE == "deflate-cmwb12" and offers:
        return upgrade(request, b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12\r\n")
    if MODE == "deflate-any" and offers:
        first = offers.split(b",")[0].strip()
        return upgrade(request, b"Sec-WebSocket-Extensions: " + first + b"\r\n")
    if MODE == "folded-101":
        return upgrade(request, b"X-Folded: one\r\n two\r\n")
    if MODE == "many-headers-101":
        return upgrade(request, b"".join(b"X-Filler-%d: x\r\n" % i for i in range(70)))
    return upgrade(request)


async def echo(reader, writer):
    while True:
        b0, data = await read_frame(reader)
        if b0 & 0x0F == 8:
            writer.write(frame(0x88, data[:2]))
            await writer.drain()
            return
        if b0 & 0x0F == 9:
            writer.write(frame(0x8A, data))
        elif b0 & 0x0F != 10:
            writer.write(frame(b0, data))
        await writer.drain()


ONE = asyncio.Lock()


async def serve(reader, writer):
    try:
        if MODE == "one-at-a-time":
            async with ONE:
                await serve_one(reader, writer)
        else:
            await serve_one(reader, writer)
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    writer.close()


async def serve_one(reader, writer):
    if MODE == "rst-431":
        first = await reader.read(1024)
        if b"pragma: no-cache" not in first.lower():
            writer.write(status(b"431 Request Header Fields Too Large", b"Connection: close\r\n"))
            await writer.drain()
            return
        request = first
    else:
        request = await reader.readuntil(b"\r\n\r\n")
    probe = header(request, b"pragma") is not None
    if MODE == "silent" and not probe:
        await asyncio.sleep(3600)
    reply = upgrade(request) if probe else answer(request)
    writer.write(reply)
    await writer.drain()
    if reply.startswith(b"HTTP/1.1 101") and b"websocket" in reply:
        await echo(reader, writer)


async def main(port):
    server = await asyncio.start_server(serve, "127.0.0.1", port, limit=1 << 20)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[2])))
