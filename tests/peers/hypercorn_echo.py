"""A plain ASGI WebSocket echo application served by hypercorn 0.18.0.

Each text message is echoed as text, each binary message as binary; nothing
else (no subprotocol, no extension choice, no pings of its own, hypercorn's
defaults everywhere: e.g. websocket_max_message_size 16 MiB). An HTTP request
that is not a WebSocket upgrade gets a 404. This is the peer of issue 29
(hypercorn on wsproto against the real Autobahn and against wsspec).

Run it (needs `pip install -r tests/peers/requirements.txt`):

    python3 tests/peers/hypercorn_echo.py PORT [--certfile F --keyfile K] [--host H]

serves ws:// on 127.0.0.1:PORT over HTTP/1.1 (hypercorn also accepts h2c,
by Upgrade or prior knowledge, so RFC 8441 WebSockets over cleartext h2 are
possible); with --certfile and --keyfile it serves wss:// over TLS with ALPN
offering h2 and http/1.1 (RFC 8441 over h2). The application alone can also be
run by hypercorn's own command line, from the repository root:

    python3 -m hypercorn --bind 127.0.0.1:PORT tests.peers.hypercorn_echo:app
"""

import argparse
import asyncio


async def app(scope, receive, send):
    if scope["type"] == "websocket":
        event = await receive()
        if event["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        while True:
            event = await receive()
            if event["type"] == "websocket.disconnect":
                return
            if event["type"] != "websocket.receive":
                continue
            if event.get("text") is not None:
                await send({"type": "websocket.send", "text": event["text"]})
            else:
                await send({"type": "websocket.send", "bytes": event.get("bytes") or b""})
    elif scope["type"] == "http":
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 404,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"not found\n"})
    elif scope["type"] == "lifespan":
        while True:
            event = await receive()
            if event["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif event["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def main():
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    p = argparse.ArgumentParser(description="hypercorn WebSocket echo server")
    p.add_argument("port", type=int)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--certfile")
    p.add_argument("--keyfile")
    args = p.parse_args()
    if bool(args.certfile) != bool(args.keyfile):
        p.error("--certfile and --keyfile go together")
    config = Config()
    host = "[%s]" % args.host if ":" in args.host else args.host
    config.bind = ["%s:%d" % (host, args.port)]
    if args.certfile:
        config.certfile = args.certfile
        config.keyfile = args.keyfile
    try:
        asyncio.run(serve(app, config))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
