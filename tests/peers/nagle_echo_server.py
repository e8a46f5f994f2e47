"""A WebSocket echo server that leaves Nagle's algorithm on and writes each
echo in two writes (the frame header, then the payload), as many thread-per-
connection servers do. Its second write waits for the client's ACK of the
first, so a client that delays its ACKs (Linux: ~40 ms) stalls every round
trip. It agrees to permessage-deflate (no server context takeover).

    python3 nagle_echo_server.py PORT STATS_FILE

For each round trip it appends to STATS_FILE the milliseconds between the
end of its echo and the next message, as the server sees them.
"""

import base64
import hashlib
import socket
import struct
import sys
import threading
import time
import zlib

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
STATS_LOCK = threading.Lock()


def read_exact(conn, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def read_frame(conn):
    b0, b1 = read_exact(conn, 2)
    length = b1 & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", read_exact(conn, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", read_exact(conn, 8))
    mask = read_exact(conn, 4) if b1 & 0x80 else b"\0\0\0\0"
    data = bytearray(read_exact(conn, length))
    for i in range(length):
        data[i] ^= mask[i % 4]
    return b0 & 0x80, b0 & 0x40, b0 & 0x0F, bytes(data)


def header(opcode, rsv1, length):
    b0 = 0x80 | (0x40 if rsv1 else 0) | opcode
    if length < 126:
        return struct.pack("!BB", b0, length)
    if length < 65536:
        return struct.pack("!BBH", b0, 126, length)
    return struct.pack("!BBQ", b0, 127, length)


def serve(conn, stats_path):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(4096)
        if not chunk:
            return
        head += chunk
    lines = head.split(b"\r\n")
    fields = {}
    for line in lines[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            fields[k.strip().lower()] = v.strip()
    accept = base64.b64encode(hashlib.sha1(fields[b"sec-websocket-key"] + GUID).digest())
    deflate = b"permessage-deflate" in fields.get(b"sec-websocket-extensions", b"")
    answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    answer += b"Server: nagle-echo\r\nSec-WebSocket-Accept: " + accept + b"\r\n"
    if deflate:
        answer += b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"
    conn.sendall(answer + b"\r\n")
    inflater = zlib.decompressobj(-15)
    gaps = []
    sent_at = None
    message, opcode, compressed = b"", 0, False
    try:
        while True:
            fin, rsv1, op, data = read_frame(conn)
            if op == 8:
                conn.sendall(header(8, False, len(data)) + data)
                break
            if op == 9:
                conn.sendall(header(10, False, len(data)) + data)
                continue
            if op in (1, 2):
                message, opcode, compressed = data, op, bool(rsv1)
            elif op == 0:
                message += data
            if not fin:
                continue
            if sent_at is not None:
                gaps.append((time.monotonic() - sent_at) * 1000.0)
            payload = message
            if compressed:
                payload = inflater.decompress(message + b"\x00\x00\xff\xff")
                packer = zlib.compressobj(6, zlib.DEFLATED, -15)
                payload = (packer.compress(payload) + packer.flush(zlib.Z_SYNC_FLUSH))[:-4]
            # Two writes: Nagle holds the second until the first is ACKed.
            conn.sendall(header(opcode, compressed, len(payload)))
            conn.sendall(payload)
            sent_at = time.monotonic()
    except (EOFError, OSError):
        pass
    finally:
        conn.close()
        with STATS_LOCK, open(stats_path, "a") as f:
            f.writelines("%.3f\n" % g for g in gaps)


def main():
    port, stats_path = int(sys.argv[1]), sys.argv[2]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, stats_path), daemon=True).start()


if __name__ == "__main__":
    main()
