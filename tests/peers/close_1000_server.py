"""A WebSocket echo server written on bare asyncio that answers every close
frame with a close frame of code 1000, whatever the peer's close said: on
7.3.1 (a close with a 1-octet payload, which RFC 6455 section 5.5.1 makes
a protocol error) it says 1000 where 1002 is expected. Nothing else is
checked: it is wrong on purpose, for the reasons wsspec prints.

    python3 close_1000_server.py PORT
"""

import asyncio
import struct
import sys

from raw_frames import accept, frame, read_frame



async def serve(reader, writer):
    try:
        await accept(reader, writer)
        while True:
            b0, data = await read_frame(reader)
            opcode = b0 & 0x0F
            if opcode == 8:
                writer.write(frame(0x88, struct.pack("!H", 1000)))
                await writer.drain()
                break
            if opcode == 9:
                writer.write(frame(0x8A, data))
            elif opcode != 10:
                writer.write(frame(b0, data))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, StopIteration, asyncio.LimitOverrunError):
        pass
    writer.close()


async def main(port):
    server = await asyncio.start_server(serve, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
