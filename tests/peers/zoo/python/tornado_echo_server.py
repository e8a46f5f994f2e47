"""Echo server on Tornado (PyPI tornado==6.6.1) with permessage-deflate.

Usage: python3 tornado_echo_server.py PORT

get_compression_options() returns {} (compression on, library defaults),
websocket_max_message_size 64 MiB, pings answered by the library, text echoed
as text and binary as binary. SIGTERM keeps its default action (exit at once).
"""
import asyncio
import sys

import tornado.web
import tornado.websocket

MAX_MESSAGE = 64 * 1024 * 1024


class Echo(tornado.websocket.WebSocketHandler):
    def set_default_headers(self):
        self.set_header("Server", "TornadoServer/6.6.1 (wsspec zoo)")

    def check_origin(self, origin):
        return True

    def get_compression_options(self):
        return {}

    async def on_message(self, message):
        try:
            await self.write_message(message, binary=isinstance(message, bytes))
        except tornado.websocket.WebSocketClosedError:
            pass


async def main(port):
    app = tornado.web.Application(
        [(r"/.*", Echo)], websocket_max_message_size=MAX_MESSAGE
    )
    app.listen(port, address="127.0.0.1", max_body_size=MAX_MESSAGE)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
