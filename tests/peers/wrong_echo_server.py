"""An echo server (Python websockets) that is wrong in one way, and that
can log each connection it accepts (one line each), so a test can count the
connections a run opened.

    text-as-binary  every text message comes back as a binary message with
                    the same octets (binary is echoed as it is): about 120
                    cases of sections 1-10 fail, each by an answer
    silent          reads every message and answers none: cases that expect
                    an echo fail when their time runs out
    drop-large      echoes, but drops TCP (no close frame) on any message
                    of 65535 octets or more: 1.1.6 on fail, the close too

    python3 wrong_echo_server.py MODE PORT [LOG]
"""

import asyncio
import sys

from websockets.asyncio.server import serve

MODE = sys.argv[1]
LOG = sys.argv[3] if len(sys.argv) > 3 else None


async def echo(ws):
    if LOG:
        with open(LOG, "a") as f:
            f.write(ws.request.path + "\n")
    try:
        async for msg in ws:
            if MODE == "text-as-binary":
                await ws.send(msg.encode() if isinstance(msg, str) else msg)
            elif MODE == "drop-large":
                if len(msg) >= 65535:
                    ws.transport.abort()
                    return
                await ws.send(msg)
    except Exception:
        pass


async def main(port):
    if MODE not in ("text-as-binary", "silent", "drop-large"):
        sys.exit(f"unknown mode {MODE}")
    async with serve(echo, "127.0.0.1", port, max_size=2**25, max_queue=1) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[2])))
