"""A client of wsspec's fuzzing server that is hostile on purpose:

    flood-continue N   runs cases 1..N, each answered with a message opened
                       and never ended (empty continuation frames without
                       end), then asks for reports
    only-update        asks /updateReports without running any case

    python3 hostile_client.py MODE BASE_URL AGENT [N]

Standard library only.
"""

import base64
import os
import socket
import struct
import sys
import time
import urllib.parse

MODE, BASE, AGENT = sys.argv[1], sys.argv[2], sys.argv[3]
N = int(sys.argv[4]) if len(sys.argv) > 4 else 1
u = urllib.parse.urlparse(BASE)


def frame(opcode, payload=b"", fin=True):
    key = os.urandom(4)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes([(0x80 if fin else 0) | opcode, 0x80 | len(payload)]) + key + masked


def connect(path):
    s = socket.create_connection((u.hostname, u.port), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError("closed during the handshake")
        head += chunk
    return s


agent = urllib.parse.quote(AGENT)
if MODE == "flood-continue":
    flood = frame(0, fin=False) * 10000
    for case in range(1, N + 1):
        s = connect(f"/runCase?case={case}&agent={agent}")
        s.sendall(frame(1, b"start", fin=False))
        deadline = time.time() + 20
        try:
            while time.time() < deadline:
                s.sendall(flood)
        except OSError:
            pass
        s.close()
s = connect(f"/updateReports?agent={agent}")
try:
    s.settimeout(5)
    while s.recv(4096):
        pass
except OSError:
    pass
s.close()
