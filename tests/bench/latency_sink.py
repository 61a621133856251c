#!/usr/bin/env python3
"""A tiny HTTP/1.1 stand-in for Retainly that records arrival latency, for latency_bench.sh.

    latency_sink.py            prints "listening on 127.0.0.1:PORT", serves until killed

Every API request is answered 200 at once, without validation. Each customer record of
a POST /customers that carries a field "t" (the row's insert time in microseconds since
the Unix epoch, from the database's clock on this machine) counts one arrival latency:
arrival time minus t. GET /_latency answers {"count", "p50_ms", "p99_ms", "max_ms"} over
everything seen since the start or the last POST /_reset.

asyncio and one connection handler per keep-alive connection: at the few hundred
requests per second a latency run makes, its own delay is well below a millisecond.
"""
import asyncio
import json
import time

latencies_us = []


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


def answer(status, body):
    data = json.dumps(body).encode()
    head = f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    return head.encode() + data


def record(body, arrived_us):
    try:
        customers = json.loads(body).get("customers", [])
    except ValueError:
        return
    for customer in customers:
        if isinstance(customer, dict) and isinstance(customer.get("t"), (int, float)):
            latencies_us.append(arrived_us - customer["t"])


def latency_report():
    if not latencies_us:
        return {"count": 0}
    return {
        "count": len(latencies_us),
        "p50_ms": percentile(latencies_us, 0.50) / 1000,
        "p99_ms": percentile(latencies_us, 0.99) / 1000,
        "max_ms": max(latencies_us) / 1000,
    }


async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            arrived_us = time.time() * 1e6
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            if path == "/_latency":
                writer.write(answer(200, latency_report()))
            elif path == "/_reset":
                latencies_us.clear()
                writer.write(answer(200, {"message": "reset"}))
            else:
                if method == "POST" and path == "/customers":
                    record(body, arrived_us)
                writer.write(answer(200, {}))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on 127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
