#!/usr/bin/env python3
"""Client-side read speed of ddbsql against a loopback server replaying Scan pages.

    replay.py --ddbsql PATH [--items N] [--reps R] [--no-boto3]
              [--server-processes K] [--out FILE]

bench/replay.sh is the entry point (it builds ddbsql first). DynamoDB Local
spends far more time per page than the client does, so bench/run.sh cannot
see the client's own costs; here bench/replay_server.py answers every Scan
with one pre-encoded page (~1 MB of item data, 4,282 items of 10 attributes,
1.9 MB of JSON) at memory speed, and what is measured is the client: its CPU
time (user + sys, from wait4) per item and its peak RSS (VmHWM).

Two servers run side by side:
  dynamodb-like  honours a ProjectionExpression of top-level names, as
                 DynamoDB does: count(*) gets key-only pages, sum(n) pages
                 of `n` only
  whole-items    ignores projections: every request gets whole items, so
                 count(*) and sum(n) show the cost of decoding all of them

Measured, median of R runs after one warm-up run of each command:
  ddbsql -c "SELECT count(*) FROM replay"     automatic segments (8 for 1M items),
                                              --parallel 1 and --parallel 4
  ddbsql -c "SELECT count(item) FROM replay"  whole items, each rendered as JSON
  ddbsql -c "SELECT sum(n) FROM replay"       one number column
  boto3's Scan paginator (bench.py peer-scan), whole items and projected to id
and, first, the server alone: a raw-socket client fetching whole pages over
1 and 8 keep-alive connections, to show it serves faster than clients consume.

Targets (from the issue; reported, never asserted by the test suite):
client-side decode rate >= 500,000 items/s per core (items / CPU seconds),
peak RSS < 100 MB while scanning 1,000,000 items.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (run_measured, summarize, peers)
import replay_server  # noqa: E402

kTable = "replay"
kDecodeTarget = 500_000  # items/s per core
kRssTarget = 100  # MB, for 1,000,000 items


# --------------------------------------------------------------- server ----


class ServerProcess:
    """bench/replay_server.py in a child process; stopped by stop() or when
    the with-block ends."""

    def __init__(self, items, extra, processes):
        cmd = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            "replay_server.py"),
               "--items", str(items), "--table", kTable, "--processes", str(processes),
               "--exit-with-parent", *extra]
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        line = self.proc.stdout.readline()
        if not line.startswith("port "):
            self.stop()
            raise SystemExit(f"replay.py: replay server did not start: {self.proc.stderr.read()}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.banner = self.proc.stderr.readline().strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # the server stops its own children
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)  # its own group only
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()


def fetch_pages(port, pages, connections):
    """Whole pages over `connections` keep-alive connections from threads of
    this process (no decoding); returns (pages/s, MB/s)."""
    body = json.dumps({"TableName": kTable}).encode()
    request = (b"POST / HTTP/1.1\r\nHost: replay\r\nX-Amz-Target: DynamoDB_20120810.Scan\r\n"
               b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: " +
               str(len(body)).encode() + b"\r\n\r\n" + body)
    received = [0] * connections

    def worker(k):
        with socket.create_connection(("127.0.0.1", port)) as s:
            f = s.makefile("rb")
            buf = memoryview(bytearray(4 << 20))
            for _ in range(pages):
                s.sendall(request)
                length = 0
                while True:
                    line = f.readline()
                    if line in (b"\r\n", b""):
                        break
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                got = 0
                while got < length:
                    n = f.readinto(buf[:min(len(buf), length - got)])
                    if not n:
                        raise SystemExit("replay.py: server closed the connection")
                    got += n
                received[k] += got

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    return pages * connections / seconds, sum(received) / seconds / 1e6


# ------------------------------------------------------------- expected ----


def expected_sums(page, items, max_segments=64):
    """sum(n) of a scan of `items` items split into T segments, for each T:
    every segment serves whole pages, then the first items of one more."""
    values = [int(it["n"]["N"]) for it in page.items]
    prefix = [0]
    for v in values:
        prefix.append(prefix[-1] + v)
    per_page = len(values)
    sums = {}
    for t in range(1, max_segments + 1):
        total = 0
        for s in range(t):
            n = replay_server.segment_items(items, s, t)
            total += (n // per_page) * prefix[-1] + prefix[n % per_page]
        sums[total] = t
    return sums


# ---------------------------------------------------------------- runs ----


def ddbsql_cmd(args, url, sql, parallel=None):
    cmd = [args.ddbsql, "--endpoint-url", url, "-cmd", ".stats on"]
    if parallel:
        cmd += ["--parallel", str(parallel)]
    return cmd + ["-c", sql]


def boto3_cmd(url, projection=None):
    cmd = [sys.executable, bench.__file__, "peer-scan", "--endpoint", url, "--table", kTable]
    return cmd + (["--projection", projection] if projection else [])


def measure(args, page, like, whole):
    n = args.items
    count = f"SELECT count(*) FROM {kTable}"
    items = f"SELECT count(item) FROM {kTable}"
    total = f"SELECT sum(n) FROM {kTable}"
    cmds = {
        "count(*) auto, key-only pages": ddbsql_cmd(args, like.url, count),
        "count(*) auto, whole items": ddbsql_cmd(args, whole.url, count),
        "count(*) --parallel 1, whole items": ddbsql_cmd(args, whole.url, count, 1),
        "count(*) --parallel 4, whole items": ddbsql_cmd(args, whole.url, count, 4),
        "count(item) auto": ddbsql_cmd(args, like.url, items),
        "count(item) --parallel 1": ddbsql_cmd(args, like.url, items, 1),
        "sum(n) auto, n-only pages": ddbsql_cmd(args, like.url, total),
        "sum(n) auto, whole items": ddbsql_cmd(args, whole.url, total),
    }
    if not args.no_boto3:
        cmds["boto3 paginator, whole items"] = boto3_cmd(like.url)
        cmds["boto3 paginator, projected to id"] = boto3_cmd(like.url, "id")
    sums = expected_sums(page, n)
    samples = {name: [] for name in cmds}
    for rep in range(args.reps + 1):
        bench.say(f"replay: repetition {rep}/{args.reps}" if rep else "replay: warm-up pass")
        for name, cmd in cmds.items():
            if name.startswith("boto3"):
                r = bench.run_peer(cmd, 3600, name)
                got = r["items"]
            else:
                r = bench.run_measured(cmd, 3600)
                bench.check(r, name)
                got = int(r["stdout"].strip())
                r["stats"] = bench.parse_stats(r["stderr"])
                if name.startswith("sum"):
                    if got not in sums:
                        raise SystemExit(f"replay.py: {name}: sum {got} matches no segmenting")
                    got = n
            if got != n:
                raise SystemExit(f"replay.py: {name}: {got} items, expected {n}")
            if rep:
                samples[name].append(r)
    runs = {}
    for name, s in samples.items():
        run = bench.summarize(s)
        run["items_per_second"] = n / run["seconds"]
        run["cpu_us_per_item"] = 1e6 * run["cpu_seconds"] / n
        run["items_per_cpu_second"] = n / run["cpu_seconds"] if run["cpu_seconds"] else None
        if not name.startswith("boto3"):
            run["stats"] = bench.median_run(s)["stats"]
        runs[name] = run
    return {"runs": runs, "commands": {name: shlex.join(cmd) for name, cmd in cmds.items()}}


# --------------------------------------------------------------- report ----


def report(results):
    lines = []
    add = lines.append
    env = results["environment"]
    add(f"ddbsql replay benchmark, {results['started']}")
    add(f"  {env['cpus']} CPUs, {env['ddbsql_version']}, Python {env['python']}")
    add(f"  {results['page']}; median of {results['reps']} after a warm-up run")
    srv = results["server"]
    add("")
    add("Server alone (raw-socket client in Python, whole pages, no decoding):")
    for conns, (pages, mbs) in srv["fetch"].items():
        add(f"  {conns} connection(s): {pages:,.0f} pages/s = "
            f"{pages * srv['items_per_page']:,.0f} items/s, {mbs:,.0f} MB/s")
    r = results["runs"]
    add("")
    add(f"  {'':36} {'seconds':>8} {'items/s':>10} {'CPU s':>6} {'CPU us/item':>11} "
        f"{'items/CPU-s':>11} {'RSS MB':>7}")
    for name, run in r.items():
        per_core = run["items_per_cpu_second"]
        add(f"  {name:36} {run['seconds']:8.2f} {run['items_per_second']:10,.0f} "
            f"{run['cpu_seconds']:6.2f} {run['cpu_us_per_item']:11.2f} "
            f"{per_core or 0:11,.0f} {bench.mb(run['peak_rss_mb'])}")
    # The server-alone check fetches whole items: compare with the runs that
    # read whole items (key-only pages are far smaller).
    fastest = max((run["items_per_second"] for name, run in r.items()
                   if not name.startswith("boto3") and ("whole" in name or "item)" in name)),
                  default=0)
    best_fetch = max(p for p, _ in srv["fetch"].values()) * srv["items_per_page"]
    if fastest:
        add(f"  the server alone serves whole items {best_fetch / fastest:.1f}x as fast as the "
            "fastest ddbsql run reading whole items")

    def ratio(a, b, why):
        if a in r and b in r:
            x, y = r[a], r[b]
            add(f"  => {a} vs {b} ({why}): {y['seconds'] / x['seconds']:.1f}x the items/s, "
                f"{y['cpu_us_per_item'] / x['cpu_us_per_item']:.1f}x less CPU per item")

    add("")
    ratio("count(item) auto", "boto3 paginator, whole items", "whole items both")
    ratio("count(*) auto, whole items", "boto3 paginator, whole items",
          "whole items both, ddbsql renders none")
    ratio("count(*) auto, key-only pages", "boto3 paginator, projected to id", "key-only both")
    add("")
    add(f"Targets: >= {kDecodeTarget:,} items per CPU-second of client decoding; peak RSS < "
        f"{kRssTarget} MB for 1,000,000 items (this run: {results['items']:,}).")
    for name, run in r.items():
        if name.startswith("boto3"):
            continue
        per_core = run["items_per_cpu_second"] or 0
        rss = run["peak_rss_mb"]
        add(f"  {name:36} {'meets' if per_core >= kDecodeTarget else 'misses'} the rate "
            f"({per_core / kDecodeTarget:.2f}x), "
            f"{'meets' if rss is not None and rss < kRssTarget else 'misses'} the RSS target")
    add("")
    add("Notes: ddbsql is timed as a whole process (start-up, DescribeTable and the sample")
    add("page included); the boto3 peer times its loop only. `items/CPU-s` is items per")
    add("second of the client's own user+sys CPU: per core, whatever the segments.")
    add("The dynamodb-like server cuts items to the projection (count(*) reads key-only")
    add("pages, sum(n) n-only pages, as from DynamoDB); the whole-items server ignores it.")
    add("")
    add("Commands:")
    for name, cmd in results["commands"].items():
        add(f"  {name}: {cmd}")
    add(f"  servers: {results['server_commands']}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ddbsql", required=True, help="the ddbsql binary")
    parser.add_argument("--items", type=int, default=1_000_000, help="items per scan")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (median kept)")
    parser.add_argument("--server-processes", type=int, default=1,
                        help="processes of each replay server (SO_REUSEPORT)")
    parser.add_argument("--fetch-pages", type=int, default=100,
                        help="pages per connection in the server-alone check")
    parser.add_argument("--no-boto3", action="store_true", help="skip the boto3 peer")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args()
    if args.items < 1 or args.reps < 1 or args.server_processes < 1:
        parser.error("--items, --reps and --server-processes must be positive")
    args.ddbsql = os.path.abspath(args.ddbsql)

    bench.hermetic_credentials()
    # SIGTERM unwinds like an error, so the servers' with-blocks stop them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    page = replay_server.make_page()
    results = {
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "items": args.items,
        "reps": args.reps,
        "environment": {
            "cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(),
            "ddbsql_version": bench.run_measured([args.ddbsql, "--version"], 30)["stdout"].strip(),
        },
    }
    with ServerProcess(args.items, [], args.server_processes) as like, \
            ServerProcess(args.items, ["--ignore-projection"], args.server_processes) as whole:
        results["page"] = like.banner.removeprefix("replay: ")
        results["server_commands"] = f"{shlex.join(like.cmd)}; {shlex.join(whole.cmd)}"
        bench.say("server alone")
        fetch = {}
        for conns in (1, 8):
            fetch[conns] = fetch_pages(whole.port, max(1, args.fetch_pages // conns), conns)
        results["server"] = {"fetch": fetch, "items_per_page": len(page)}
        results.update(measure(args, page, like, whole))
    text = report(results)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")
        bench.say(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
