"""A WebSocket echo server on bare asyncio that follows RFC 6455 but for one
planted bug: a text message of 126 octets that had a ping between two of
its fragments comes back one octet short. `wsspec fuzz` must find it and
shrink it to that pattern and nothing more (tests/fuzz.rs). With `crash`,
the same pattern ends the process instead, as a server that crashes would.

    python3 planted_bug_server.py PORT [crash]
"""

import asyncio
import os
import struct
import sys

from raw_frames import accept, frame, read_masked_frame

VALID_CODES = set(range(1000, 1004)) | set(range(1007, 1012)) | set(range(3000, 5000))


async def fail(writer, code):
    writer.write(frame(0x88, struct.pack("!H", code)))
    await writer.drain()


async def serve(reader, writer):
    try:
        await accept(reader, writer)
        message = None  # [opcode, payload, pinged]
        while True:
            b0, masked, data = await read_masked_frame(reader)
            fin, rsv, opcode = b0 & 0x80, b0 & 0x70, b0 & 0x0F
            if not masked or rsv or opcode in (3, 4, 5, 6, 7) or opcode > 10:
                return await fail(writer, 1002)
            if opcode >= 8:
                if len(data) > 125 or not fin:
                    return await fail(writer, 1002)
                if opcode == 9:
                    writer.write(frame(0x8A, data))
                    if message is not None:
                        message[2] = True
                elif opcode == 8:
                    if len(data) == 1:
                        return await fail(writer, 1002)
                    if len(data) >= 2:
                        (code,) = struct.unpack("!H", data[:2])
                        if code not in VALID_CODES:
                            return await fail(writer, 1002)
                        try:
                            data[2:].decode("utf-8")
                        except UnicodeDecodeError:
                            return await fail(writer, 1007)
                    writer.write(frame(0x88, data[:2]))
                    await writer.drain()
                    return
            elif opcode == 0:
                if message is None:
                    return await fail(writer, 1002)
                message[1] += data
            else:
                if message is not None:
                    return await fail(writer, 1002)
                message = [opcode, data, False]
            if opcode < 8 and fin:
                op, payload, pinged = message
                message = None
                if op == 1:
                    try:
                        payload.decode("utf-8")
                    except UnicodeDecodeError:
                        return await fail(writer, 1007)
                    if pinged and len(payload) == 126:
                        if CRASH:
                            os._exit(70)
                        payload = payload[:-1]  # the planted bug
                writer.write(frame(0x80 | op, payload))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, StopIteration, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main(port):
    server = await asyncio.start_server(serve, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


CRASH = sys.argv[2:] == ["crash"]

if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
