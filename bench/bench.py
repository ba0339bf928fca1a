#!/usr/bin/env python3
"""Measures ddbsql side by side with boto3 and the AWS CLI on one DynamoDB Local.

    bench.py --endpoint URL --ddbsql PATH [--decode-bench PATH] [--items M]
             [--gets N] [--reps R] [--load-workers W] [--cli-timeout S]
             [--no-cli] [--out FILE]

bench/run.sh is the entry point: it builds, starts a private emulator and
calls this script. Everything here talks to the endpoint given; credentials
are a fresh random access key id (DynamoDB Local keeps one database per key
id), so runs never see each other's tables.

Measurements, each repeated R times after an untimed warm-up pass, with the
variants interleaved (so that the emulator's GC and the machine's other load
fall on all of them alike), median kept:

  load      boto3 Table.batch_writer() from W processes, one session each
  getitem   `ddbsql -batch FILE` with N `SELECT * ... WHERE pk = 'kI';` lines,
            minus the start-up cost of an empty FILE, versus a get_item loop
            of one boto3 client (in a child process, client created once)
  scan      `ddbsql -c "SELECT count(*) ..."` (automatic segments and
            --parallel 1), `SELECT count(item)` (whole items), boto3's Scan
            paginator (whole items, and projected to the key as ddbsql's
            count(*) plan does), and `aws dynamodb scan --select COUNT`
  decode    bench/decode_bench.cc (Google Benchmark), if its binary is given

Every client runs as a child process: wait4() gives its CPU time, and its
peak RSS is its VmHWM sampled while it runs (see run_measured). The boto3
peers (`peer-get`, `peer-scan`) are subcommands of this script.
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import resource
import shlex
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal

kTable = "bench_items"
kItemBytes = 200  # target DynamoDB item size (names + values)
kKeyStride = 7919  # prime: the lookups visit keys spread over the table


# ---------------------------------------------------------------- items ----


def number_size(text):
    """DynamoDB's size of a number: about one byte per two significant
    digits, plus one."""
    digits = text.lstrip("-").replace(".", "").strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def item_size(item):
    """DynamoDB's item size for the flat types used here."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        if isinstance(value, bool):
            size += 1
        elif isinstance(value, (int, Decimal)):
            size += number_size(str(value))
        elif isinstance(value, str):
            size += len(value.encode())
        elif isinstance(value, set):
            size += sum(len(v.encode()) for v in value)
    return size


def make_item(i):
    """Item number i: mixed types, about kItemBytes bytes."""
    item = {
        "pk": f"k{i}",
        "n": i,
        "name": f"customer-{i:08d}",
        "score": Decimal(f"{i % 1000}.{i % 97:02d}"),
        "active": i % 3 != 0,
        "tags": {"all", f"t{i % 7}"},
        "city": ("Lisbon", "Oslo", "Kyoto", "Lima", "Perth")[i % 5],
    }
    filler_len = max(0, kItemBytes - item_size(item) - len("payload"))
    alphabet = string.ascii_lowercase
    item["payload"] = "".join(alphabet[(i + k) % 26] for k in range(filler_len))
    return item


def key_of(j, items):
    return f"k{(j * kKeyStride) % items}"


# ----------------------------------------------------- child processes ----


def read_vm_hwm_kb(pid):
    """The process's peak resident set size (VmHWM) in KiB, or None once it
    has exited (a zombie has no memory left to report)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def run_measured(cmd, timeout, env=None):
    """Runs cmd (in `env`, default this process's) with stdout/stderr captured; returns wall seconds, CPU
    seconds (user+sys, from wait4), peak RSS in MB, exit code and output. A
    command still running after `timeout` seconds is killed (its own process
    group) and reported with timed_out.

    Peak RSS is VmHWM sampled every 10 ms while the process runs, not wait4's
    ru_maxrss: Linux counts in the latter the memory the child had before
    exec, i.e. this Python process's whole RSS, which would hide a smaller
    ddbsql. The last 10 ms may be missed; runs shorter than that report None.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True, env=env)
        done = threading.Event()
        watch = {"hwm_kb": None, "timed_out": False}

        def watcher():
            deadline = time.monotonic() + timeout
            while not done.is_set():
                hwm = read_vm_hwm_kb(proc.pid)
                if hwm is not None:
                    watch["hwm_kb"] = max(hwm, watch["hwm_kb"] or 0)
                if time.monotonic() > deadline:
                    watch["timed_out"] = True
                    try:
                        os.killpg(proc.pid, 9)  # our child's own group only
                    except ProcessLookupError:
                        pass
                    return
                done.wait(0.01)

        thread = threading.Thread(target=watcher, daemon=True)
        thread.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            done.set()
            thread.join()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait
        out.seek(0)
        err.seek(0)
        hwm = watch["hwm_kb"]
        return {
            "seconds": seconds,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": hwm / 1024.0 if hwm is not None else None,
            "rc": proc.returncode,
            "timed_out": watch["timed_out"],
            "stdout": out.read().decode(errors="replace"),
            "stderr": err.read().decode(errors="replace"),
        }


def check(result, what):
    if result["timed_out"]:
        raise SystemExit(f"bench.py: {what}: timed out")
    if result["rc"] != 0:
        raise SystemExit(f"bench.py: {what}: exit status {result['rc']}\n"
                         f"{result['stderr'][-2000:]}")


def median_run(samples):
    """The sample with the median wall time (odd counts: the middle one)."""
    ordered = sorted(samples, key=lambda s: s["seconds"])
    return ordered[(len(ordered) - 1) // 2]


def summarize(samples):
    middle = median_run(samples)
    return {
        "seconds": middle["seconds"],
        "best_seconds": min(s["seconds"] for s in samples),
        "cpu_seconds": middle["cpu_seconds"],
        "peak_rss_mb": max((s["peak_rss_mb"] for s in samples if s["peak_rss_mb"] is not None),
                           default=None),
        "samples_seconds": [round(s["seconds"], 4) for s in samples],
    }


def say(text):
    print(f"bench: {text}", file=sys.stderr, flush=True)


class Rig:
    """The latency rig of the build tree beside `ddbsql` (build/bench/):
    ddbsql_s3_server, an in-memory S3 endpoint, and ddbsql_latency_proxy,
    which holds every request a fixed delay. Both print their port first and
    exit with this process; stop() ends them sooner."""

    def __init__(self, ddbsql):
        self.dir = os.path.join(os.path.dirname(os.path.abspath(ddbsql)), "bench")
        self.procs = []

    def _start(self, name, *args, max_seconds=7200):
        path = os.path.join(self.dir, name)
        if not os.access(path, os.X_OK):
            raise SystemExit(f"no {path}: build it (cmake --build build --target {name})")
        proc = subprocess.Popen([path, *args, "--max-seconds", str(max_seconds)],
                                stdout=subprocess.PIPE, text=True)
        self.procs.append(proc)
        line = proc.stdout.readline()
        if not line.strip().isdigit():
            raise SystemExit(f"{name} did not start (exit status {proc.wait()})")
        return "http://127.0.0.1:%d" % int(line)

    def s3_server(self):
        """A fresh in-memory S3 endpoint; returns its URL."""
        return self._start("ddbsql_s3_server")

    def latency_proxy(self, target, ms):
        """A proxy in front of `target` holding each request `ms` ms, as a
        region's network would (DynamoDB a few ms away, S3 GETs a few tens);
        returns its URL."""
        return self._start("ddbsql_latency_proxy", target, "--delay-ms", str(int(ms)))

    def cpu_seconds(self):
        """User+sys CPU seconds the rig's processes have used so far."""
        total = 0.0
        for proc in self.procs:
            try:
                with open(f"/proc/{proc.pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, IndexError):
                pass
        return total

    def stop(self):
        for proc in self.procs:
            proc.terminate()
            proc.wait()
            proc.stdout.close()
        self.procs = []


def load_average():
    """The machine's 1, 5 and 15-minute load averages as text."""
    return "load average %.2f %.2f %.2f on %d CPUs" % (*os.getloadavg(), os.cpu_count())


def latencies(text):
    """--latency-ms: a comma-separated list of delays in ms (0: loopback)."""
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of milliseconds: {text}")
    if not values or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"not a list of milliseconds: {text}")
    return values


# ---------------------------------------------------------------- peers ----


def boto3_client(endpoint):
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 10, "mode": "standard"},
                    max_pool_connections=32)
    return boto3.session.Session().client("dynamodb", endpoint_url=endpoint, config=config)


def cpu_seconds():
    """User + system CPU time of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peer_get(args):
    """Child process: get_item for each key in the keys file; prints JSON."""
    t0 = time.perf_counter()
    client = boto3_client(args.endpoint)
    startup = time.perf_counter() - t0
    with open(args.keys_file) as f:
        keys = f.read().split()
    found = 0
    start, cpu = time.perf_counter(), cpu_seconds()
    for k in keys:
        response = client.get_item(TableName=args.table, Key={"pk": {"S": k}})
        found += "Item" in response
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    json.dump({"seconds": seconds, "cpu_seconds": cpu, "startup_seconds": startup,
               "found": found, "lookups": len(keys)}, sys.stdout)


def peer_scan(args):
    """Child process: counts items with boto3's Scan paginator; prints JSON."""
    t0 = time.perf_counter()
    client = boto3_client(args.endpoint)
    startup = time.perf_counter() - t0
    params = {"TableName": args.table}
    if args.projection:
        params["ProjectionExpression"] = args.projection
    count = 0
    pages = 0
    start, cpu = time.perf_counter(), cpu_seconds()
    for page in client.get_paginator("scan").paginate(**params):
        count += len(page["Items"])
        pages += 1
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    json.dump({"seconds": seconds, "cpu_seconds": cpu, "startup_seconds": startup,
               "items": count, "pages": pages}, sys.stdout)


def peer_cmd(args, name, *extra):
    return [sys.executable, os.path.abspath(__file__), name, "--endpoint", args.endpoint,
            "--table", kTable, *extra]


def run_peer(cmd, timeout, what):
    """Runs a peer-* child; its own timings replace the wall time (they
    leave out the interpreter's start-up and boto3's import)."""
    r = run_measured(cmd, timeout)
    check(r, what)
    r["process_seconds"] = r["seconds"]
    r.update(json.loads(r["stdout"]))
    return r


# ----------------------------------------------------------------- load ----


def create_table(endpoint):
    client = boto3_client(endpoint)
    client.create_table(
        TableName=kTable,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")
    client.get_waiter("table_exists").wait(TableName=kTable)


def load_part(endpoint, items, part, workers):
    """Worker process: writes items part, part + workers, ... with a
    batch_writer (25 items per BatchWriteItem, unprocessed ones resent)."""
    import boto3

    session = boto3.session.Session()
    table = session.resource("dynamodb", endpoint_url=endpoint).Table(kTable)
    with table.batch_writer() as batch:
        for i in range(part, items, workers):
            batch.put_item(Item=make_item(i))


def load(endpoint, items, workers):
    """Writes items 0..items-1 from `workers` processes: boto3 spends most
    of a write in Python, so threads would queue on the GIL (measured on 2
    cores: 4 processes 6,800 items/s, 4 threads 5,100, one thread 1,900)."""
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(load_part, endpoint, items, p, workers) for p in range(workers)]
        for f in futures:
            f.result()
    return time.perf_counter() - start


# ------------------------------------------------------------- sections ----


def ddbsql_base(args):
    return [args.ddbsql, "--endpoint-url", args.endpoint]


def bench_getitem(args, tmp):
    n = args.gets
    keys = [key_of(j, args.items) for j in range(n)]
    script = os.path.join(tmp, "getitem.sql")
    one = os.path.join(tmp, "getitem1.sql")
    empty = os.path.join(tmp, "empty.sql")
    keys_file = os.path.join(tmp, "keys.txt")
    with open(script, "w") as f:
        f.writelines(f"SELECT * FROM {kTable} WHERE pk = '{k}';\n" for k in keys)
    with open(one, "w") as f:
        f.write(f"SELECT * FROM {kTable} WHERE pk = '{keys[0]}';\n")
    open(empty, "w").close()
    with open(keys_file, "w") as f:
        f.write("\n".join(keys) + "\n")

    plan = run_measured(ddbsql_base(args) + [
        "-c", f"EXPLAIN QUERY PLAN SELECT * FROM {kTable} WHERE pk = '{keys[0]}'"], 60)
    check(plan, "EXPLAIN QUERY PLAN of the lookup")
    plan_text = plan["stdout"].strip().splitlines()[-1].lstrip("`-| ")

    cmds = {
        "ddbsql_batch": ddbsql_base(args) + ["-batch", script],
        "ddbsql_one": ddbsql_base(args) + ["-batch", one],
        "ddbsql_empty": ddbsql_base(args) + ["-batch", empty],
        "boto3_get_item": peer_cmd(args, "peer-get", "--keys-file", keys_file),
    }
    # The emulator's JIT warms up on the first requests: one untimed pass of
    # each client (a cold server doubled the first run's times).
    say("getitem: warm-up")
    check(run_measured(cmds["ddbsql_batch"], 600), "warm-up lookups")
    run_peer(cmds["boto3_get_item"], 600, "warm-up lookups")

    samples = {name: [] for name in cmds}
    for rep in range(args.reps):
        say(f"getitem: repetition {rep + 1}/{args.reps}")
        for name, cmd in cmds.items():
            if name == "boto3_get_item":
                r = run_peer(cmd, 600, name)
                if r["found"] != n:
                    raise SystemExit(f"bench.py: boto3 found {r['found']} of {n} keys")
            else:
                r = run_measured(cmd, 600)
                check(r, name)
                rows = len(r["stdout"].splitlines())
                want = {"ddbsql_batch": n, "ddbsql_one": 1, "ddbsql_empty": 0}[name]
                if rows != want:
                    raise SystemExit(f"bench.py: {name}: {rows} rows, expected {want}")
            samples[name].append(r)

    res = {name: summarize(s) for name, s in samples.items()}
    raw = res["ddbsql_batch"]["seconds"]
    empty_s = res["ddbsql_empty"]["seconds"]
    one_s = res["ddbsql_one"]["seconds"]
    boto = res["boto3_get_item"]["seconds"]
    res["boto3_get_item"]["startup_seconds"] = statistics.median(
        s["startup_seconds"] for s in samples["boto3_get_item"])
    net = raw - empty_s
    return {
        "lookups": n,
        "plan": plan_text,
        "runs": res,
        "ddbsql_raw_ms_per_lookup": 1000 * raw / n,
        "ddbsql_startup_ms": 1000 * empty_s,
        "ddbsql_net_ms_per_lookup": 1000 * net / n,
        # Without the first statement's table discovery (DescribeTable and
        # a sample page), which a one-lookup script also pays.
        "ddbsql_marginal_ms_per_lookup": 1000 * (raw - one_s) / max(1, n - 1),
        "ddbsql_cpu_ms_per_lookup": 1000 * (res["ddbsql_batch"]["cpu_seconds"] -
                                            res["ddbsql_empty"]["cpu_seconds"]) / n,
        "boto3_ms_per_lookup": 1000 * boto / n,
        "boto3_cpu_ms_per_lookup": 1000 * res["boto3_get_item"]["cpu_seconds"] / n,
        "speedup_net_vs_boto3": boto / net if net > 0 else None,
        "speedup_raw_vs_boto3": boto / raw,
        "commands": {name: shlex.join(cmd) for name, cmd in cmds.items()},
    }


def find_aws_cli():
    """The AWS CLI's own script, past a pyenv shim (which would add a shell
    and a `pyenv exec` to every run); None when there is none."""
    path = shutil.which("aws")
    if not path:
        return None
    if "/shims/" in path and shutil.which("pyenv"):
        try:
            real = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True,
                                  timeout=30).stdout.strip()
            if real and os.access(real, os.X_OK):
                return real
        except (OSError, subprocess.SubprocessError):
            pass
    return path


def parse_stats(stderr):
    for line in stderr.splitlines():
        if line.startswith("requests:"):
            return line.strip()
    return ""


def bench_scan(args):
    m = args.items
    count_sql = f"SELECT count(*) FROM {kTable}"
    item_sql = f"SELECT count(item) FROM {kTable}"
    stats = ["-cmd", ".stats on"]
    cmds = {
        "ddbsql_auto": ddbsql_base(args) + stats + ["-c", count_sql],
        "ddbsql_parallel1": ddbsql_base(args) + ["--parallel", "1"] + stats + ["-c", count_sql],
        "ddbsql_auto_whole_items": ddbsql_base(args) + stats + ["-c", item_sql],
        "boto3_paginator_whole_items": peer_cmd(args, "peer-scan"),
        "boto3_paginator_project_pk": peer_cmd(args, "peer-scan", "--projection", "pk"),
    }
    aws = None if args.no_cli else find_aws_cli()
    if aws:
        cmds["aws_cli_select_count"] = [aws, "dynamodb", "scan", "--table-name", kTable,
                                        "--select", "COUNT", "--endpoint-url", args.endpoint,
                                        "--output", "json"]
    plans = {}
    for name, sql in (("count", count_sql), ("whole_items", item_sql)):
        r = run_measured(ddbsql_base(args) + ["-c", "EXPLAIN QUERY PLAN " + sql], 60)
        check(r, "EXPLAIN QUERY PLAN")
        plans[name] = r["stdout"].strip().splitlines()[-1].lstrip("`-| ")

    # Pass 0 warms up the emulator's JIT on every request shape and is not
    # kept: a cold server made the first runs up to 2.5 times slower.
    samples = {name: [] for name in cmds}
    cli_skipped = None
    for rep in range(args.reps + 1):
        say(f"scan: repetition {rep}/{args.reps}" if rep else "scan: warm-up pass")
        for name, cmd in cmds.items():
            if name.startswith("boto3"):
                r = run_peer(cmd, 1800, name)
                got = r["items"]
            elif name == "aws_cli_select_count":
                if cli_skipped:
                    continue
                r = run_measured(cmd, args.cli_timeout)
                if r["timed_out"]:
                    cli_skipped = f"timed out after {args.cli_timeout} s"
                    continue
                check(r, name)
                got = json.loads(r["stdout"])["Count"]
            else:
                r = run_measured(cmd, 1800)
                check(r, name)
                got = int(r["stdout"].strip())
                r["stats"] = parse_stats(r["stderr"])
            if got != m:
                raise SystemExit(f"bench.py: {name} counted {got} items, expected {m}")
            if rep:
                samples[name].append(r)

    res = {}
    for name, s in samples.items():
        if not s:
            continue
        res[name] = summarize(s)
        res[name]["items_per_second"] = m / res[name]["seconds"]
        res[name]["client_cpu_us_per_item"] = 1e6 * res[name]["cpu_seconds"] / m
        if name.startswith("ddbsql"):
            res[name]["stats"] = median_run(s)["stats"]
        if name.startswith("boto3"):
            res[name]["pages"] = s[0]["pages"]
    out = {
        "items": m,
        "plans": plans,
        "runs": res,
        "commands": {name: shlex.join(cmd) for name, cmd in cmds.items()},
    }
    if cli_skipped:
        out["aws_cli_skipped"] = cli_skipped
    elif not aws and not args.no_cli:
        out["aws_cli_skipped"] = "no `aws` on PATH"
    return out


def bench_decode(args):
    r = run_measured([args.decode_bench, "--benchmark_format=json"], 600)
    check(r, "decode bench")
    report = json.loads(r["stdout"])
    out = {"command": shlex.join([args.decode_bench, "--benchmark_format=json"]), "runs": {}}
    for b in report["benchmarks"]:
        out["runs"][b["name"].removeprefix("BM_")] = {
            "items_per_second": b.get("items_per_second"),
            "mb_per_second": b.get("bytes_per_second", 0) / 1e6,
            # CPU time, as items/s: wall time on a shared machine counts others' work.
            "cpu_ms_per_page": b.get("cpu_time"),
            "wall_ms_per_page": b.get("real_time"),
            "items_per_page": b.get("items_per_page"),
            "page_bytes": b.get("page_bytes"),
        }
    return out


# --------------------------------------------------------------- report ----


def ratio_text(a_name, b_name, speedup):
    """speedup = b's time / a's time."""
    if speedup is None:
        return f"{a_name} vs {b_name}: no ratio (zero time)"
    if speedup >= 1:
        return f"{a_name} is {speedup:.2f}x faster than {b_name}"
    return f"{a_name} is {1 / speedup:.2f}x slower than {b_name}"


def mb(value, width=7):
    return f"{value:{width}.1f}" if value is not None else "n/a".rjust(width)


def report(results):
    lines = []
    add = lines.append
    env = results["environment"]
    add(f"ddbsql benchmark, {results['started']}")
    add(f"  {env['cpus']} CPUs, {env['ddbsql_version']}, boto3 {env['boto3']}, "
        f"{env.get('aws_cli', 'no AWS CLI')}")
    add(f"  DynamoDB Local {env['dynamodb_local']} at {results['endpoint']} "
        "(shares the CPUs with the clients)")
    ld = results["load"]
    add("")
    add(f"Load: {ld['items']:,} items of ~{ld['item_bytes']} B with boto3 batch_writer, "
        f"{ld['workers']} processes: {ld['seconds']:.1f} s = {ld['items_per_second']:,.0f} items/s")

    g = results.get("getitem")
    if g:
        r = g["runs"]
        add("")
        add(f"GetItem by key: {g['lookups']} lookups, median of {results['reps']} after one "
            f"warm-up (plan: {g['plan']})")
        add(f"  {'':34} {'seconds':>9} {'ms/lookup':>10} {'CPU s':>8} {'RSS MB':>7}")

        def row(label, run, per=None):
            per_text = f"{per:10.3f}" if per is not None else " " * 10
            add(f"  {label:34} {run['seconds']:9.3f} {per_text} {run['cpu_seconds']:8.3f} "
                f"{mb(run['peak_rss_mb'])}")

        row("ddbsql -batch, N lookups (raw)", r["ddbsql_batch"], g["ddbsql_raw_ms_per_lookup"])
        row("ddbsql -batch, empty script", r["ddbsql_empty"])
        row("ddbsql -batch, one lookup", r["ddbsql_one"])
        add(f"  {'ddbsql net (raw - empty)':34} {'':9} {g['ddbsql_net_ms_per_lookup']:10.3f}"
            f"   (marginal, raw - one: {g['ddbsql_marginal_ms_per_lookup']:.3f} ms; "
            f"CPU {g['ddbsql_cpu_ms_per_lookup']:.3f} ms/lookup)")
        row("boto3 get_item loop", r["boto3_get_item"], g["boto3_ms_per_lookup"])
        add(f"  {'':34} {'':9} {'':10}   (boto3 import + client: "
            f"{r['boto3_get_item']['startup_seconds'] * 1000:.0f} ms, not counted; "
            f"CPU {g['boto3_cpu_ms_per_lookup']:.3f} ms/lookup)")
        add("  => " + ratio_text("ddbsql (net)", "boto3", g["speedup_net_vs_boto3"]) +
            "; raw, start-up included: " + ratio_text("ddbsql", "boto3",
                                                     g["speedup_raw_vs_boto3"]))

    s = results.get("scan")
    if s:
        r = s["runs"]
        add("")
        add(f"Full scan: {s['items']:,} items, median of {results['reps']} after a warm-up pass")
        add(f"  plans: count(*) {s['plans']['count']}; count(item) {s['plans']['whole_items']}")
        add(f"  {'':28} {'seconds':>8} {'(best)':>7} {'items/s':>9} {'CPU s':>6} "
            f"{'CPU us/item':>11} {'RSS MB':>7}")
        for name, run in r.items():
            add(f"  {name:28} {run['seconds']:8.2f} {run['best_seconds']:7.2f} "
                f"{run['items_per_second']:9,.0f} "
                f"{run['cpu_seconds']:6.2f} {run['client_cpu_us_per_item']:11.2f} "
                f"{mb(run['peak_rss_mb'])}")
        for name, run in r.items():
            if run.get("stats"):
                add(f"  {name} .stats: {run['stats']}")
        if "aws_cli_skipped" in s:
            add(f"  aws_cli_select_count: skipped, {s['aws_cli_skipped']}")

        def sp(a, b):
            return r[b]["seconds"] / r[a]["seconds"]

        pairs = [("ddbsql_auto", "boto3_paginator_project_pk", "same projection (pk)"),
                 ("ddbsql_auto", "boto3_paginator_whole_items", "what each reads by default"),
                 ("ddbsql_parallel1", "boto3_paginator_project_pk", "one segment, same projection"),
                 ("ddbsql_auto_whole_items", "boto3_paginator_whole_items", "whole items both"),
                 ("ddbsql_auto", "aws_cli_select_count", "CLI counts server-side")]
        for a, b, why in pairs:
            if a in r and b in r:
                add(f"  => {ratio_text(a, b, sp(a, b))} ({why})")
        pages = re.search(r"pages: (\d+)", r.get("ddbsql_parallel1", {}).get("stats", ""))
        if pages and int(pages.group(1)) > 0:
            n, seconds = int(pages.group(1)), r["ddbsql_parallel1"]["seconds"]
            add(f"  DynamoDB Local served {n} one-segment pages in {seconds:.2f} s "
                f"({1000 * seconds / n:.0f} ms/page): its page cost grows")
            add("  with the table, which rewards many segments far more than AWS would; the")
            add("  one-segment ratio is the client-against-client comparison.")
        if "ddbsql_auto" in r:
            add("  peak RSS of ddbsql during the scan: "
                f"{mb(r['ddbsql_auto']['peak_rss_mb'], 0)} MB (automatic segments), "
                f"{mb(r['ddbsql_parallel1']['peak_rss_mb'], 0)} MB (--parallel 1), "
                f"{mb(r['ddbsql_auto_whole_items']['peak_rss_mb'], 0)} MB (whole items)")

    d = results.get("decode")
    if d:
        r = d["runs"]
        first = next(iter(r.values()))
        add("")
        add(f"Decode of one Scan page in memory ({first['page_bytes'] / 1e6:.2f} MB, "
            f"{first['items_per_page']:.0f} items of 11 attributes), one core:")
        add(f"  {'':34} {'CPU ms/page':>11} {'items/s':>12} {'MB/s':>8}")
        for name, run in r.items():
            add(f"  {name:34} {run['cpu_ms_per_page']:11.2f} {run['items_per_second']:12,.0f} "
                f"{run['mb_per_second']:8.1f}")
        a, b = r.get("NlohmannThenItemFromWireJson"), r.get("DecodeItemsResponse")
        if a and b:
            add("  => " + ratio_text("DecodeItemsResponse", "nlohmann::json::parse + "
                                     "ItemFromWireJson",
                                     b["items_per_second"] / a["items_per_second"]))
        a, b = r.get("DecodeItemsResponsePlainJson"), r.get("SplitItemsResponsePlainJson")
        if a and b:
            add("  => " + ratio_text("items kept as text, to plain JSON", "decoded items, "
                                     "to plain JSON", b["items_per_second"] / a["items_per_second"]))

    add("")
    add("Notes: ddbsql and the AWS CLI are timed as whole processes (start-up included); the")
    add("boto3 peers time their loop only (interpreter, import and client creation excluded),")
    add("and their CPU is the loop's. CPU and peak RSS (VmHWM) are the client process's own.")
    add("`aws dynamodb scan --select COUNT` receives counts, no items: a floor, not a peer.")
    add("")
    add("Commands:")
    for section in ("getitem", "scan"):
        for name, cmd in results.get(section, {}).get("commands", {}).items():
            add(f"  {name}: {cmd}")
    if d:
        add(f"  decode: {d['command']}")
    return "\n".join(lines)


# ----------------------------------------------------------------- main ----


def environment(args):
    env = {"cpus": os.cpu_count(), "platform": platform.platform(),
           "python": platform.python_version()}
    import boto3
    import botocore
    env["boto3"] = boto3.__version__
    env["botocore"] = botocore.__version__
    r = run_measured([args.ddbsql, "--version"], 30)
    env["ddbsql_version"] = r["stdout"].strip() or "ddbsql (version unknown)"
    aws = find_aws_cli()
    if aws and not args.no_cli:
        r = run_measured([aws, "--version"], 60)
        env["aws_cli"] = (r["stdout"] + r["stderr"]).strip().split(" ")[0]
    env["dynamodb_local"] = args.server_version
    return env


def hermetic_credentials():
    """Fresh credentials for this run only; no profile or config file can
    leak in, in any of the clients."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_CA_BUNDLE"):
        os.environ.pop(var, None)
    key = "bench" + "".join(random.choice(string.ascii_lowercase) for _ in range(10))
    os.environ.update({
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": "bench-secret",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent/ddbsql-bench/config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/ddbsql-bench/credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    for name in ("peer-get", "peer-scan"):
        p = sub.add_parser(name)
        p.add_argument("--endpoint", required=True)
        p.add_argument("--table", required=True)
        p.add_argument("--keys-file")
        p.add_argument("--projection")
    parser.add_argument("--endpoint", help="DynamoDB endpoint URL")
    parser.add_argument("--ddbsql", help="the ddbsql binary")
    parser.add_argument("--decode-bench", help="the ddbsql_decode_bench binary")
    parser.add_argument("--items", type=int, default=100000, help="items in the table")
    parser.add_argument("--gets", type=int, default=1000, help="GetItem lookups per run")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (median kept)")
    parser.add_argument("--load-workers", type=int, default=4,
                        help="loader processes, each with its own batch_writer")
    parser.add_argument("--cli-timeout", type=float, default=300)
    parser.add_argument("--no-cli", action="store_true", help="skip the AWS CLI peer")
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--server-version", default="(version unknown)",
                        help="DynamoDB Local's version, for the report")
    args = parser.parse_args()
    if args.command == "peer-get":
        return peer_get(args)
    if args.command == "peer-scan":
        return peer_scan(args)
    if not args.endpoint or not args.ddbsql:
        parser.error("--endpoint and --ddbsql are required")
    if args.items < 1 or args.gets < 1 or args.reps < 1 or args.load_workers < 1:
        parser.error("--items, --gets, --reps and --load-workers must be positive")

    hermetic_credentials()
    results = {
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "endpoint": args.endpoint,
        "reps": args.reps,
        "environment": environment(args),
    }
    say(f"loading {args.items:,} items with {args.load_workers} processes")
    create_table(args.endpoint)
    seconds = load(args.endpoint, args.items, args.load_workers)
    results["load"] = {"items": args.items, "item_bytes": item_size(make_item(args.items - 1)),
                       "workers": args.load_workers, "seconds": seconds,
                       "items_per_second": args.items / seconds}
    say(f"loaded in {seconds:.1f} s")
    with tempfile.TemporaryDirectory(prefix="ddbsql-bench.") as tmp:
        results["getitem"] = bench_getitem(args, tmp)
    results["scan"] = bench_scan(args)
    if args.decode_bench:
        say("decode micro-benchmark")
        results["decode"] = bench_decode(args)
    text = report(results)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")
        say(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
