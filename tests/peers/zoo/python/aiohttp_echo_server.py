"""Echo server on aiohttp (PyPI aiohttp==3.14.5) with permessage-deflate.

Usage: python3 aiohttp_echo_server.py PORT

compress=True (library default window), max_msg_size 64 MiB, autoping (the
library default answers pings), text echoed as text and binary as binary.
SIGTERM exits at once (no graceful drain).
"""
import asyncio
import os
import signal
import sys

from aiohttp import WSMsgType, web

MAX_MESSAGE = 64 * 1024 * 1024


async def echo(request):
    ws = web.WebSocketResponse(compress=True, max_msg_size=MAX_MESSAGE)
    ws.headers["Server"] = "aiohttp/3.14.5 (wsspec zoo)"
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
        else:
            break
    return ws


async def main(port):
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: os._exit(0))
    loop.add_signal_handler(signal.SIGINT, lambda: os._exit(0))
    app = web.Application(client_max_size=MAX_MESSAGE)
    app.router.add_get("/{tail:.*}", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, reuse_address=True).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
