"""Smoke-check a zoo echo server: python3 verify.py PORT CMD [ARGS...]

Starts CMD ARGS PORT, then checks: handshake answers permessage-deflate; 1 MB
text and 1 MB binary echo identically; 1000 small messages echo; echo with
offers server_max_window_bits=9 and client_no_context_takeover; SIGTERM stops
the server within 1 s. Prints the raw Sec-WebSocket-Extensions answer lines to
a few offers. Needs websockets==17.4. Exit status 0 when the default-offer echo and SIGTERM checks passed (the
other offers are reported only).
"""
import base64
import os
import random
import signal
import socket
import subprocess
import sys
import time

from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.sync.client import connect

OFFERS = [
    "permessage-deflate",
    "permessage-deflate; server_max_window_bits=9",
    "permessage-deflate; client_max_window_bits",
    "permessage-deflate; client_no_context_takeover",
    "permessage-deflate; server_no_context_takeover",
]


def raw_answer(port, offer):
    key = base64.b64encode(os.urandom(16)).decode()
    req = (
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: {offer}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(req.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    status = head[0]
    exts = [h for h in head[1:] if h.lower().startswith("sec-websocket-extensions")]
    server = [h for h in head[1:] if h.lower().startswith("server:")]
    return status, exts, server


def payloads():
    rnd = random.Random(7)
    block = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz éü€") for _ in range(4096))
    text = (block * (1_000_000 // len(block) + 1))[:1_000_000]
    bblock = bytes(rnd.getrandbits(8) for _ in range(3000))
    binary = (bblock * 400)[:1_000_000]
    return text, binary


def echo_checks(port, label, exts=None, small=1000):
    text, binary = payloads()
    kw = {"compression": "deflate"} if exts is None else {"extensions": exts, "compression": None}
    with connect(f"ws://127.0.0.1:{port}/", max_size=64 * 2**20, open_timeout=5, **kw) as ws:
        ans = ws.response.headers.get("Sec-WebSocket-Extensions", "")
        ok = "permessage-deflate" in ans
        for m in (text, binary):
            ws.send(m)
            r = ws.recv(timeout=20)
            ok &= type(r) is type(m) and r == m
        for i in range(small):
            m = f"msg {i}" if i % 2 else f"bin {i}".encode()
            ws.send(m)
            r = ws.recv(timeout=10)
            ok &= r == m
        ws.ping(b"p").wait(5)
    print(f"  echo[{label}]: {'ok' if ok else 'FAIL'} (negotiated: {ans})")
    return ok


def main():
    port = int(sys.argv[1])
    cmd = sys.argv[2:] + [str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ok = True
    try:
        deadline = time.time() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    print("  server did not start")
                    return 1
                time.sleep(0.1)
        for offer in OFFERS:
            status, exts, server = raw_answer(port, offer)
            print(f"  offer [{offer}] -> {status} | {exts} {server}")
        for label, exts in [
            ("default", None),
            ("server_max_window_bits=9", [ClientPerMessageDeflateFactory(server_max_window_bits=9)]),
            ("client_no_context_takeover", [ClientPerMessageDeflateFactory(client_no_context_takeover=True)]),
            ("server_no_context_takeover", [ClientPerMessageDeflateFactory(server_no_context_takeover=True)]),
        ]:
            # only the default offer counts for the exit status; the others
            # record how the library negotiates (several get it wrong)
            try:
                res = echo_checks(port, label, exts, small=1000 if exts is None else 50)
            except Exception as e:  # noqa: BLE001
                print(f"  echo[{label}]: FAIL {type(e).__name__}: {e}")
                res = False
            if exts is None:
                ok &= res
    finally:
        t0 = time.time()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=1)
            print(f"  SIGTERM: exited in {time.time() - t0:.3f}s (rc {proc.returncode})")
        except subprocess.TimeoutExpired:
            print("  SIGTERM: still running after 1 s: FAIL")
            ok = False
            proc.kill()
            proc.wait()
        err = proc.stderr.read().decode(errors="replace").strip()
        if err:
            print("  stderr: " + err[-500:].replace("\n", " | "))
    print("  RESULT: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
