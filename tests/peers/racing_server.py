"""An echo server (Python websockets) whose answer is a coin toss: on each
connection, with probability 0.7, it closes with 1011 instead of echoing.
A stand-in for peers whose verdicts flap between runs.

    python3 racing_server.py PORT
"""

import asyncio
import random
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    try:
        async for msg in ws:
            if random.random() < 0.7:
                await ws.close(1011, "coin toss")
                return
            await ws.send(msg)
    except Exception:
        pass


async def main(port):
    async with serve(echo, "127.0.0.1", port, server_header="racer") as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
