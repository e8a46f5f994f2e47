"""An echo server (Python websockets) that breaks under concurrent
connections, as servers that share per-thread buffers between connections
do: while another connection is open it answers a message by closing with
1011 instead of echoing. Alone, it is a correct echo server. Each echo is
held back 100 ms, so that cases started together do overlap.

    python3 crowd_sensitive_server.py PORT
"""

import asyncio
import sys

from websockets.asyncio.server import serve

open_connections = 0


async def echo(ws):
    global open_connections
    open_connections += 1
    try:
        async for msg in ws:
            await asyncio.sleep(0.1)
            if open_connections > 1:
                await ws.close(1011, "another connection is open")
                return
            await ws.send(msg)
    except Exception:
        pass
    finally:
        open_connections -= 1


async def main(port):
    async with serve(echo, "127.0.0.1", port) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
