"""Load benchmark of `modclf serve`: throughput and latency under concurrent clients, next to the
batch engine's rate measured in the same run on the same comments.

    python training/bench_serve.py [--model DIR] [--seconds 20] [--clients 64] [--json out.json]

Phases, each for --seconds against a server started as its own process on a loopback port:
  1. saturation: --clients closed-loop clients, each sending one single-comment Perspective
     `comments:analyze` request (what Coral sends) after another -> the throughput at saturation;
  2. half load: open-loop (Poisson) arrivals at half that rate -> the latency a platform sees;
  3. overload: open-loop arrivals at 3x saturation -> only 429s may fail, the server must stay up
     and its memory flat (resident set size before and after).
The client runs on the same CPU as the server, so the rates are a lower bound for the service.
Comments have realistic lengths (modclf.batch.bench.make_comments: mean about 60 tokens, tail to 512).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def engine_rate(model: str | None, comments: list[str], folder: Path) -> float:
    """The batch engine (`modclf score` through files) on the same comments, comments/s."""
    from modclf.api import ModClf
    from modclf.batch.engine import RunOptions
    from modclf.batch.jobs import score_file
    from modclf.policy import Policy

    clf = ModClf.from_pretrained(model)
    dump = folder / "comments.jsonl"
    dump.write_text("".join(json.dumps({"id": i, "comment": c}) + "\n" for i, c in enumerate(comments)))
    best = 0.0
    for _ in range(2):
        summary = score_file(clf, dump, folder / "out.jsonl", folder / "rejects.jsonl", policy=Policy.load(),
                             options=RunOptions(progress=False))
        best = max(best, summary.written / summary.seconds)
    return best


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


class Phase:
    def __init__(self, name: str):
        self.name, self.latencies, self.codes, self.started = name, [], {}, time.perf_counter()
        self.seconds = 0.0

    def record(self, code: int, seconds: float) -> None:
        self.codes[code] = self.codes.get(code, 0) + 1
        if code == 200:
            self.latencies.append(seconds)

    def summary(self) -> dict:
        ok = self.codes.get(200, 0)
        return {"phase": self.name, "seconds": round(self.seconds, 1), "ok": ok,
                "rate": round(ok / self.seconds, 1) if self.seconds else 0.0,
                "p50_ms": round(percentile(self.latencies, 0.50) * 1000, 1),
                "p95_ms": round(percentile(self.latencies, 0.95) * 1000, 1),
                "p99_ms": round(percentile(self.latencies, 0.99) * 1000, 1),
                "codes": {str(k): v for k, v in sorted(self.codes.items(), key=lambda kv: str(kv[0]))}}


class Connection:
    """A minimal HTTP/1.1 keep-alive client connection: the load generator must cost the shared CPU
    little (httpx spent ~8 ms of CPU per request here, more than the server's own overhead)."""

    def __init__(self, host: str, port: int, path: str):
        self.host, self.port, self.path = host, port, path
        self.reader = self.writer = None

    async def post(self, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        try:
            status_line = await self.reader.readline()
            length, close = 0, False
            while True:
                line = await self.reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and "close" in value.lower():
                    close = True
            await self.reader.readexactly(length)
            if close:
                self.close()
            return int(status_line.split()[1])
        except (ConnectionError, asyncio.IncompleteReadError, IndexError, ValueError):
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def request_body(text: str) -> bytes:
    return json.dumps({"comment": {"text": text}, "requestedAttributes": {"INCITEMENT": {}},
                       "languages": ["en"], "doNotStore": True}).encode()


async def one(connection: Connection, body: bytes, phase: Phase) -> None:
    started = time.perf_counter()
    try:
        code = await connection.post(body)
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        code = type(exc).__name__
    phase.record(code, time.perf_counter() - started)


async def closed_loop(port: int, path: str, bodies: list[bytes], clients: int, seconds: float) -> Phase:
    phase = Phase(f"saturation ({clients} clients)")
    deadline = time.perf_counter() + seconds
    rng = random.Random(0)

    async def worker():
        connection = Connection("127.0.0.1", port, path)
        while time.perf_counter() < deadline:
            await one(connection, rng.choice(bodies), phase)
        connection.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    phase.seconds = time.perf_counter() - phase.started
    return phase


async def open_loop(port: int, path: str, bodies: list[bytes], rate: float, seconds: float, name: str) -> Phase:
    """Poisson arrivals at `rate`; each request takes an idle keep-alive connection or opens one."""
    phase = Phase(f"{name} ({rate:.0f} requests/s offered)")
    rng = random.Random(1)
    idle: list[Connection] = []
    tasks = []

    async def request(body: bytes):
        connection = idle.pop() if idle else Connection("127.0.0.1", port, path)
        await one(connection, body, phase)
        idle.append(connection)

    start = time.perf_counter()
    next_at = start
    while next_at < start + seconds:
        delay = next_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(request(rng.choice(bodies))))
        next_at += rng.expovariate(rate)
    await asyncio.gather(*tasks)
    for connection in idle:
        connection.close()
    phase.seconds = time.perf_counter() - phase.started
    return phase


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model folder (default: the released model)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=64, help="closed-loop clients in the saturation phase")
    parser.add_argument("--comments", type=int, default=3000, help="distinct comments to draw from")
    parser.add_argument("--config", help="service settings YAML for the server (e.g. to try other threads)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    import torch

    from modclf.batch.bench import make_comments
    from modclf.batch.engine import physical_cores

    torch.set_num_threads(physical_cores())
    texts = make_comments(args.comments, seed=0)
    results: dict = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results["engine_rate"] = round(engine_rate(args.model, texts, folder), 1)
        print(f"batch engine: {results['engine_rate']:.1f} comments/s", flush=True)
        port = free_port()
        command = [sys.executable, "-m", "modclf", "-q", "serve", "--port", str(port), "--database", str(folder / "s.sqlite3")]
        if args.model:
            command += ["--model", args.model]
        if args.config:
            command += ["--config", args.config]
        server = subprocess.Popen(command)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 120
            while True:
                try:
                    if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not become ready")
                time.sleep(0.2)
            path = "/v1alpha1/comments:analyze"
            bodies = [request_body(t) for t in texts]
            asyncio.run(closed_loop(port, path, bodies, 8, 3))  # warm-up
            phases = []
            server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
            saturation = asyncio.run(closed_loop(port, path, bodies, args.clients, args.seconds))
            results["saturation_cpu_cores"] = {
                "server": round((cpu_seconds(server.pid) - server_cpu) / saturation.seconds, 2),
                "client": round((time.process_time() - client_cpu) / saturation.seconds, 2)}
            phases.append(saturation)
            sat_rate = saturation.codes.get(200, 0) / saturation.seconds
            phases.append(asyncio.run(open_loop(port, path, bodies, sat_rate / 2, args.seconds, "half load")))
            rss_before = rss_mib(server.pid)
            phases.append(asyncio.run(open_loop(port, path, bodies, sat_rate * 3, args.seconds, "3x overload")))
            rss_after = rss_mib(server.pid)
            alive = server.poll() is None and httpx.get(base + "/healthz", timeout=5).status_code == 200
        finally:
            server.terminate()
            server.wait(30)
    results["phases"] = [p.summary() for p in phases]
    results["saturation_vs_engine"] = round(sat_rate / results["engine_rate"], 3)
    results["overload_rss_mib"] = [round(rss_before, 1), round(rss_after, 1)]
    results["alive_after_overload"] = alive
    for p in results["phases"]:
        print(f"{p['phase']}: {p['rate']} ok/s, p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms, p99 {p['p99_ms']} ms, "
              f"responses {p['codes']}")
    print(f"CPU cores busy at saturation: {results['saturation_cpu_cores']}")
    print(f"saturation / batch engine: {results['saturation_vs_engine']:.2f}")
    print(f"server RSS during overload: {rss_before:.0f} -> {rss_after:.0f} MiB; alive after: {alive}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
