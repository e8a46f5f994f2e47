"""HTTP/2 servers that misbehave around RFC 8441, on Python's h2 library.

    python3 tests/peers/hostile_h2_server.py MODE PORT

Every mode speaks HTTP/2 with prior knowledge (h2c) and advertises
SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 unless it says otherwise:

  goaway       sends GOAWAY (PROTOCOL_ERROR) right after its SETTINGS and
               closes: no stream is ever taken.
  no-window    sets SETTINGS_INITIAL_WINDOW_SIZE 0, answers each extended
               CONNECT with 200 and never opens a stream's window: a client
               can send no DATA at all.
  silent-200   answers each extended CONNECT with 200, then reads and
               drops everything and sends nothing more.
"""

import asyncio
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings


async def serve(mode, reader, writer):
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False, validate_inbound_headers=False))
    settings = {h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL: 1}
    if mode == "no-window":
        settings[h2.settings.SettingCodes.INITIAL_WINDOW_SIZE] = 0
    conn.initiate_connection()
    conn.update_settings(settings)
    writer.write(conn.data_to_send())
    await writer.drain()
    if mode == "goaway":
        conn.close_connection(error_code=1)
        writer.write(conn.data_to_send())
        await writer.drain()
        writer.close()
        return
    while True:
        data = await reader.read(65536)
        if not data:
            break
        try:
            events = conn.receive_data(data)
        except Exception:
            break
        for e in events:
            if isinstance(e, h2.events.RequestReceived):
                conn.send_headers(e.stream_id, [(":status", "200"), ("server", f"hostile-h2-{mode}")])
            # Neither mode gives back what it reads: no WINDOW_UPDATE.
        writer.write(conn.data_to_send())
        await writer.drain()
    writer.close()


async def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode not in ("goaway", "no-window", "silent-200"):
        sys.exit(f"unknown mode {mode}")
    server = await asyncio.start_server(lambda r, w: serve(mode, r, w), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


asyncio.run(main())
