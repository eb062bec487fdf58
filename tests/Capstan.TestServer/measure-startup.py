#!/usr/bin/env python3
"""Start-up cost of capstan-testserver: time from spawn to the first 200 from /healthz, CPU time and RSS per process.

usage: measure-startup.py BINARY [COUNT] [--parallel]
  sequential (default): COUNT servers one after another; --parallel: COUNT servers spawned together, polled round-robin.
CPU time comes from /proc/PID/task/*/schedstat (nanoseconds), RSS and its peak from /proc/PID/status.
"""
import os
import socket
import statistics
import subprocess
import sys
import time

BASE_PORT = 20000


def healthy(port):
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return s.recv(4096).startswith(b"HTTP/1.1 200")


def try_healthy(port):
    try:
        return healthy(port)
    except OSError:
        return False


def usage(pid):
    tasks = f"/proc/{pid}/task"
    cpu = sum(int(open(f"{tasks}/{t}/schedstat").read().split()[0]) for t in os.listdir(tasks)) / 1e9
    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    return cpu, int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def start(binary, i):
    args = [binary, "serve", "--address", "127.0.0.1", "--port", str(BASE_PORT + i)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL)


def main():
    binary = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 30
    parallel = "--parallel" in sys.argv
    results = []
    if parallel:
        t0 = time.perf_counter()
        procs = [start(binary, i) for i in range(count)]
        ready, pending = {}, set(range(count))
        while pending:
            for i in list(pending):
                if try_healthy(BASE_PORT + i):
                    ready[i] = time.perf_counter() - t0
                    pending.discard(i)
        print(f"all {count} answering {max(ready.values()) * 1000:.0f} ms after the first spawn")
        results = [(ready[i], *usage(p.pid)) for i, p in enumerate(procs)]
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
    else:
        for i in range(count):
            t0 = time.perf_counter()
            p = start(binary, i)
            while not try_healthy(BASE_PORT + i):
                pass
            results.append((time.perf_counter() - t0, *usage(p.pid)))
            p.terminate()
            p.wait()
    times = sorted(r[0] * 1000 for r in results)
    print(f"spawn to first 200: median {statistics.median(times):.1f} ms, max {times[-1]:.1f} ms")
    print(f"CPU per process: median {statistics.median(r[1] * 1000 for r in results):.1f} ms")
    print(f"RSS per process: median {statistics.median(r[2] for r in results):.1f} MiB (peak {statistics.median(r[3] for r in results):.1f} MiB)")


if __name__ == "__main__":
    main()
