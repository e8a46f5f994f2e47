"""A WebSocket client on bare sockets for the handshake section's client
rules (tests/handshake_rules.rs): it runs each case of a wsspec fuzzing
server once, offering permessage-deflate, and takes every answer the way
MODE says, then asks for the reports.

    python3 handshake_client.py MODE BASE_URL CASE_COUNT

    idle           reads the answer and does nothing: no echo, no close,
                   until the server closes (a correct failure, as RFC 6455
                   section 7.1.1 has the server close first)
    compress-all   takes any 101, and echoes each message compressed with
                   permessage-deflate (as a client that took a bad deflate
                   answer would)
    close-normal   takes any 101 and closes it with 1000 at once
    http-reader    reads the answer as HTTP (with its body), checks that
                   it is valid HTTP, and writes "bad-http" to stderr if not
    reuse-key      as idle, but every request carries the same key
"""

import base64
import os
import socket
import struct
import sys
import zlib
from urllib.parse import urlparse

MODE, BASE, COUNT = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urlparse(BASE)


def connect(path):
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    version = "13"
    if MODE == "reuse-key" and path.startswith("/runCase"):
        key = "AQIDBAUGBwgJCgsMDQ4PEA=="
    s.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: {version}\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
        ).encode()
    )
    return s


def read_head(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            return buf, b""
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head + b"\r\n\r\n", rest


def masked(b0, data):
    mask = os.urandom(4)
    body = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
    n = len(data)
    if n < 126:
        return bytes([b0, 0x80 | n]) + mask + body
    return bytes([b0, 0x80 | 126]) + struct.pack("!H", n) + mask + body


def frames(s, rest):
    buf = rest
    while True:
        while len(buf) >= 2:
            n = buf[1] & 0x7F
            at = 2
            if n == 126:
                if len(buf) < 4:
                    break
                (n,) = struct.unpack("!H", buf[2:4])
                at = 4
            if len(buf) < at + n:
                break
            yield buf[0], buf[at : at + n]
            buf = buf[at + n :]
        chunk = s.recv(4096)
        if not chunk:
            return
        buf += chunk


def run_case(n):
    s = connect(f"/runCase?case={n}&agent=raw-{MODE}")
    head, rest = read_head(s)
    try:
        if MODE in ("idle", "reuse-key"):
            while s.recv(4096):
                pass
        elif MODE == "http-reader":
            lines = head.decode("latin-1").split("\r\n")
            if not lines[0].startswith("HTTP/1.1 101"):
                # All that follows the head until the server closes must be
                # the body Content-Length announces, and nothing more.
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    rest += chunk
                length = [int(l.split(":", 1)[1]) for l in lines if l.lower().startswith("content-length:")]
                if len(length) != 1 or len(rest) != length[0]:
                    sys.stderr.write(f"bad-http {lines[0]!r}: Content-Length {length}, {len(rest)} octets\n")
            else:
                while s.recv(4096):
                    pass
        elif head.startswith(b"HTTP/1.1 101"):
            if MODE == "close-normal":
                s.sendall(masked(0x88, struct.pack("!H", 1000)))
            for b0, data in frames(s, rest):
                op = b0 & 0x0F
                if op == 8:
                    s.sendall(masked(0x88, data[:2]))
                    break
                if op in (1, 2) and MODE == "compress-all":
                    if b0 & 0x40:
                        data = zlib.decompressobj(-15).decompress(data + b"\x00\x00\xff\xff")
                    c = zlib.compressobj(wbits=-15)
                    body = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
                    s.sendall(masked(0xC0 | op, body[:-4]))
    except (socket.timeout, ConnectionError):
        pass
    s.close()


for n in range(1, COUNT + 1):
    run_case(n)
s = connect("/updateReports?agent=raw-" + MODE)
read_head(s)
s.close()
