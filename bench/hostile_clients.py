#!/usr/bin/env python3
"""Hostile clients against a running `calmspace serve` on 127.0.0.1 (issue 20's bar).

Opens SLOW slowloris connections (a request line, then one header line every --drip seconds,
never finishing the request) and IDLE sockets (connected, silent), waits until all are open,
then a normal client times GET /health and POST /api/analyses of a 4 s clip, one after another,
for --seconds. Everything is bounded: the attack ends when the normal client does.
Prints one JSON object (latencies in seconds); exits 1 if any normal request failed or took more
than --limit seconds.

  python3 bench/hostile_clients.py --port 8080 --clip clip.wav [--slow 100] [--idle 200]
"""
import argparse
import asyncio
import json
import statistics
import sys
import time
import urllib.request
import uuid


async def slowloris(port, drip, stop):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    await writer.drain()
    i = 0
    try:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=drip)
            except asyncio.TimeoutError:
                writer.write(f"X-Drip-{i}: {i}\r\n".encode())
                await writer.drain()
                i += 1
    except (ConnectionError, OSError):
        return "closed by the server"
    finally:
        writer.close()
    return "held"


async def idle(port, stop):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    eof = asyncio.create_task(reader.read(1))  # b"" once the server closes the socket
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({eof, stopped}, return_when=asyncio.FIRST_COMPLETED)
    for task in (eof, stopped):
        task.cancel()
    writer.close()
    return "closed by the server" if eof in done else "held"


def timed_get(port):
    start = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=30) as r:
        r.read()
        ok = r.status == 200
    return ok, time.monotonic() - start


def timed_post(port, clip):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"clip.wav\""
            f"\r\nContent-Type: audio/wav\r\n\r\n").encode() + clip + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/analyses", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    start = time.monotonic()
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()
        ok = r.status == 201
    return ok, time.monotonic() - start


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--clip", required=True, help="a 4 s recording to analyse")
    ap.add_argument("--slow", type=int, default=100)
    ap.add_argument("--idle", type=int, default=200)
    ap.add_argument("--drip", type=float, default=10.0, help="seconds between slowloris header lines")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long the normal client runs")
    ap.add_argument("--limit", type=float, default=1.0)
    a = ap.parse_args()
    clip = open(a.clip, "rb").read()
    stop = asyncio.Event()
    attackers = [asyncio.create_task(slowloris(a.port, a.drip, stop)) for _ in range(a.slow)]
    attackers += [asyncio.create_task(idle(a.port, stop)) for _ in range(a.idle)]
    await asyncio.sleep(2.0)  # connections are open (connect is immediate on loopback)
    loop = asyncio.get_running_loop()
    health, analysis, failed = [], [], 0
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        for fn, out in ((lambda: timed_get(a.port), health), (lambda: timed_post(a.port, clip), analysis)):
            try:
                ok, seconds = await loop.run_in_executor(None, fn)
            except Exception as e:  # noqa: BLE001 - any failure counts, and is shown
                print(f"normal request failed: {e}", file=sys.stderr)
                ok, seconds = False, float("nan")
            failed += not ok
            out.append(seconds)
        await asyncio.sleep(0.5)
    stop.set()
    outcomes = await asyncio.gather(*attackers, return_exceptions=True)
    held = sum(1 for o in outcomes if o == "held")
    slow_held = sum(1 for o in outcomes[:a.slow] if o == "held")

    def summary(xs):
        xs = [x for x in xs if x == x]
        return {"n": len(xs), "median_s": statistics.median(xs) if xs else None,
                "max_s": max(xs) if xs else None}
    result = {"slowloris": a.slow, "idle": a.idle, "attackers_still_connected_at_end": held,
              "slowloris_still_connected": slow_held, "idle_still_connected": held - slow_held,
              "health": summary(health), "analysis_4s": summary(analysis), "failed": failed,
              "limit_s": a.limit}
    print(json.dumps(result, indent=2))
    worst = max([x for x in health + analysis if x == x] or [float("inf")])
    return 0 if failed == 0 and worst <= a.limit else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
