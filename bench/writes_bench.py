#!/usr/bin/env python3
"""Write speed of ddbsql against boto3, side by side on one DynamoDB Local and
the rig's in-memory S3 server, reported as ratios (bench/writes.sh starts
DynamoDB Local and builds the rig).

    writes_bench.py --dynamodb URL --ddbsql PATH [--s3 URL] [--items N]
                    [--updates N] [--s3-items N] [--rss-items N] [--reps R]
                    [--latency-ms L[,L...]] [--out FILE]
                    [--only insert,update,s3,rss] [--settings DOT-COMMANDS]

  insert   `INSERT INTO t SELECT ...` of N items (~150 bytes: 6 attributes)
           versus boto3's batch_writer putting the same items.
  update   `UPDATE t SET v = v + 1 WHERE id IN (...)` of one attribute on N
           items by key versus a boto3 update_item loop.
  s3       INSERT of N items with a 64 KB LargeAttribute column (S3 object,
           ledger) versus the pynamodb_mate way in boto3: put_object, then
           put_item, one item after the other.
  rss      ddbsql alone, loopback: the s3 measure's INSERT of --rss-items
           items (default 10,000); its peak RSS (goal: under 150 MB).

Each measure runs at every latency of --latency-ms (default "0,10": loopback,
then 10 ms per request), R times (default 3) on fresh tables, median kept,
after an untimed pass of all three at a tenth of the sizes. --only runs the
measures named (default all four); --settings runs dot-commands in ddbsql
before each statement (e.g. ".writeparallel 64;.insertrows 50", separated by
semicolons). Each line also shows the CPU DynamoDB Local's java process used
during ddbsql's run (server CPU: what bounds both sides on loopback).
At a latency L > 0, build/bench/ddbsql_latency_proxy (C++, epoll; bench/rig.sh
measures it) stands in front of DynamoDB and S3 and holds every request of
both sides L ms, as a region's network would. S3 is build/bench/ddbsql_s3_server
unless --s3 names another endpoint. Reported per side: wall time, CPU
(user+sys: the ddbsql process from wait4; the peer's from getrusage around its
loop in this process) and the ratio of wall times; ddbsql's time includes its
start-up (about 30 ms). The machine's load average is printed before and
after.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import uuid

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (run_measured, Rig)
import bulk_insert  # noqa: E402  (server_pid, process_cpu)

REGION = "us-east-1"
KEY_ID = "benchwrites"
SECRET = "benchwrites-secret"


def clients(dynamodb, s3):
    kw = dict(region_name=REGION, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)
    return (boto3.client("dynamodb", endpoint_url=dynamodb, **kw),
            boto3.client("s3", endpoint_url=s3, **kw))


def new_table(ddb, prefix):
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    return name


def ddbsql(args, sql, catalog=None, tmp=None):
    """Runs one statement; returns bench.run_measured's result (wall, CPU,
    peak RSS). Any error output fails the bench."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET,
               AWS_REGION=REGION, AWS_ENDPOINT_URL_DYNAMODB=args.measured_dynamodb,
               AWS_ENDPOINT_URL_S3=args.measured_s3, XDG_STATE_HOME=tmp)
    cmd = [args.ddbsql, "-batch"] + (["--catalog", catalog] if catalog else [])
    for command in filter(None, (c.strip() for c in args.settings.split(";"))):
        cmd += ["-cmd", command]
    s0 = bulk_insert.process_cpu(args.server_pid)
    r = bench.run_measured(cmd + ["-c", sql], 1800, env=env)
    r["server_cpu_seconds"] = bulk_insert.process_cpu(args.server_pid) - s0
    if r["rc"] != 0 or r["stderr"] or r["timed_out"]:
        sys.exit(f"ddbsql failed: {r['stderr'][:500]}")
    return r


class PeerClock:
    """Wall and CPU time (user+sys of this process) of a peer's loop, and the
    CPU DynamoDB Local (process `server_pid`) used meanwhile."""

    def __init__(self, server_pid=None):
        self.server_pid = server_pid

    def __enter__(self):
        self.t0 = time.monotonic()
        self.cpu0 = cpu_now()
        self.server0 = bulk_insert.process_cpu(self.server_pid)
        return self

    def __exit__(self, *exc):
        self.result = {"seconds": time.monotonic() - self.t0, "cpu_seconds": cpu_now() - self.cpu0,
                       "server_cpu_seconds": bulk_insert.process_cpu(self.server_pid) -
                       self.server0, "peak_rss_mb": None}


def cpu_now():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def series(n):
    return (f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
            f"SELECT i FROM s")


def bench_insert(args, ddb, tmp):
    t = new_table(ddb, "wins")
    sql = (f"INSERT INTO {t}(id, item) SELECT 'k' || i, json_object('n', i, 'name', "
           f"'name ' || i, 'score', i * 1.5, 'tag', 'tag' || (i % 10), 'flag', json('true')) "
           f"FROM ({series(args.items)})")
    mine = ddbsql(args, sql, tmp=tmp)
    count = ddb.scan(TableName=t, Select="COUNT")["Count"]
    assert count == args.items, count
    peer_table = new_table(ddb, "wins")
    table = boto3.resource("dynamodb", endpoint_url=args.measured_dynamodb, region_name=REGION,
                           aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET).Table(peer_table)
    from decimal import Decimal

    with PeerClock(args.server_pid) as clock:
        with table.batch_writer() as w:
            for i in range(1, args.items + 1):
                w.put_item(Item={"id": f"k{i}", "n": i, "name": f"name {i}",
                                 "score": Decimal(str(i * 1.5)), "tag": f"tag{i % 10}",
                                 "flag": True})
    peer = clock.result
    count = ddb.scan(TableName=peer_table, Select="COUNT")["Count"]
    assert count == args.items, count
    ddb.delete_table(TableName=t)
    ddb.delete_table(TableName=peer_table)
    return mine, peer


def bench_update(args, ddb, tmp):
    t = new_table(ddb, "wupd")
    with boto3.resource("dynamodb", endpoint_url=args.dynamodb, region_name=REGION,
                        aws_access_key_id=KEY_ID,
                        aws_secret_access_key=SECRET).Table(t).batch_writer() as w:
        for i in range(args.updates):
            w.put_item(Item={"id": f"k{i}", "v": 0, "pad": "x" * 100})
    keys = ", ".join(f"'k{i}'" for i in range(args.updates))
    mine = ddbsql(args, f"UPDATE {t} SET v = v + 1 WHERE id IN ({keys})", tmp=tmp)
    measured, _ = clients(args.measured_dynamodb, args.measured_s3)
    with PeerClock(args.server_pid) as clock:
        for i in range(args.updates):
            measured.update_item(TableName=t, Key={"id": {"S": f"k{i}"}},
                                 UpdateExpression="SET v = v + :one",
                                 ExpressionAttributeValues={":one": {"N": "1"}})
    peer = clock.result
    last = {"id": {"S": f"k{args.updates - 1}"}}
    item = ddb.get_item(TableName=t, Key=last, ConsistentRead=True)["Item"]
    assert item["v"] == {"N": "2"}, item
    ddb.delete_table(TableName=t)
    return mine, peer


def bench_s3(args, ddb, s3, tmp, items, with_peer=True):
    t = new_table(ddb, "ws3")
    bucket = f"wbench-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    catalog = os.path.join(tmp, "catalog.json")
    with open(catalog, "w") as f:
        json.dump({"tables": {t: {"columns": {"body": {
            "codec": "LargeAttribute", "bucket": bucket, "prefix": "p", "as": "blob"}}}}}, f)
    sql = (f"INSERT INTO {t}(id, body) SELECT 'k' || i, randomblob(65536) "
           f"FROM ({series(items)})")
    mine = ddbsql(args, sql, catalog=catalog, tmp=tmp)
    objects = sum(p.get("KeyCount", 0)
                  for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket))
    assert objects == items, objects
    count = ddb.scan(TableName=t, Select="COUNT")["Count"]
    assert count == items, count
    peer = None
    if with_peer:
        import hashlib

        peer_table = new_table(ddb, "ws3")
        mddb, ms3 = clients(args.measured_dynamodb, args.measured_s3)
        with PeerClock(args.server_pid) as clock:
            for i in range(items):
                body = os.urandom(65536)
                key = f"p/pk=k{i}/attr=body/md5={hashlib.md5(body).hexdigest()}"
                ms3.put_object(Bucket=bucket, Key=key, Body=body,
                               Metadata={"pk": f"k{i}", "attr": "body", "update_at": "2026-12-02"})
                mddb.put_item(TableName=peer_table,
                              Item={"id": {"S": f"k{i}"}, "body": {"S": f"s3://{bucket}/{key}"}})
        peer = clock.result
        ddb.delete_table(TableName=peer_table)
    ddb.delete_table(TableName=t)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    return mine, peer


MEASURES = ("insert", "update", "s3", "rss")


def measure_names(text):
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in MEASURES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"measures are {', '.join(MEASURES)}: got {text!r}")
    return names


def side(run):
    return f"{run['seconds']:.2f} s | {run['cpu_seconds']:.2f} s"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dynamodb", required=True)
    p.add_argument("--s3", help="an S3 endpoint (default: the rig's in-memory S3 server)")
    p.add_argument("--ddbsql", required=True)
    p.add_argument("--items", type=int, default=10000)
    p.add_argument("--updates", type=int, default=1000)
    p.add_argument("--s3-items", type=int, default=1000)
    p.add_argument("--rss-items", type=int, default=10000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--latency-ms", type=bench.latencies, default=[0, 10],
                   help="comma-separated delays per request, both sides (0: loopback)")
    p.add_argument("--out", help="write the results as JSON here")
    p.add_argument("--only", "--measures", type=measure_names, default="insert,update,s3,rss",
                   help="comma-separated measures to run: insert, update, s3, rss (default: all)")
    p.add_argument("--settings", default="",
                   help="dot-commands ddbsql runs first, separated by semicolons")
    args = p.parse_args()
    only = set(args.only)
    args.server_pid = bulk_insert.server_pid(args.dynamodb)
    rig = bench.Rig(args.ddbsql)
    s3_url = args.s3 or rig.s3_server()
    ddb, s3 = clients(args.dynamodb, s3_url)
    print(f"before: {bench.load_average()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # An untimed pass at a tenth of the sizes: DynamoDB Local's JIT warms
        # up on it instead of on the first measured run.
        sizes = (args.items, args.updates, args.s3_items)
        args.items, args.updates, args.s3_items = (max(1, n // 10) for n in sizes)
        args.measured_dynamodb, args.measured_s3 = args.dynamodb, s3_url
        if "insert" in only:
            bench_insert(args, ddb, tmp)
        if "update" in only:
            bench_update(args, ddb, tmp)
        if "s3" in only:
            bench_s3(args, ddb, s3, tmp, args.s3_items)
        args.items, args.updates, args.s3_items = sizes
        for latency in args.latency_ms:
            args.measured_dynamodb, args.measured_s3 = args.dynamodb, s3_url
            if latency > 0:
                args.measured_dynamodb = rig.latency_proxy(args.dynamodb, latency)
                args.measured_s3 = rig.latency_proxy(s3_url, latency)
            where = f"{latency} ms per request" if latency else "loopback"
            rig_cpu0 = rig.cpu_seconds()
            for name, what, peer_name, fn in (
                    ("insert", f"INSERT INTO t SELECT, {args.items:,} items", "boto3 batch_writer",
                     lambda: bench_insert(args, ddb, tmp)),
                    ("update", f"UPDATE one attribute, {args.updates:,} items by key",
                     "boto3 update_item loop", lambda: bench_update(args, ddb, tmp)),
                    ("s3", f"INSERT with a 64 KB S3 column, {args.s3_items:,} items",
                     "boto3 put_object + put_item loop",
                     lambda: bench_s3(args, ddb, s3, tmp, args.s3_items))):
                if name not in only:
                    continue
                runs = [fn() for _ in range(args.reps)]
                mine = bench.median_run([r[0] for r in runs])
                peer = bench.median_run([r[1] for r in runs])
                rows.append({"measure": name, "what": what, "latency_ms": latency,
                             "peer_name": peer_name, "ddbsql": {k: mine[k] for k in (
                                 "seconds", "cpu_seconds", "peak_rss_mb")},
                             "peer": peer, "speedup": peer["seconds"] / mine["seconds"],
                             "samples": [[round(r[0]["seconds"], 3), round(r[1]["seconds"], 3)]
                                         for r in runs]})
                print(f"{name}, {where}: ddbsql {mine['seconds']:.2f} s (CPU "
                      f"{mine['cpu_seconds']:.2f} s, server CPU "
                      f"{mine['server_cpu_seconds']:.2f} s), {peer_name} {peer['seconds']:.2f} s (CPU "
                      f"{peer['cpu_seconds']:.2f} s, server CPU {peer['server_cpu_seconds']:.2f} s)"
                      f", {peer['seconds'] / mine['seconds']:.1f}x",
                      flush=True)
            print(f"  the rig (S3 server and proxies) used {rig.cpu_seconds() - rig_cpu0:.2f} s "
                  f"of CPU over these runs", flush=True)
        rss = None
        if args.rss_items > 0 and "rss" in only:
            args.measured_dynamodb, args.measured_s3 = args.dynamodb, s3_url
            rss, _ = bench_s3(args, ddb, s3, tmp, args.rss_items, with_peer=False)
            print(f"rss: INSERT with a 64 KB S3 column, {args.rss_items:,} items: "
                  f"{rss['seconds']:.2f} s, CPU {rss['cpu_seconds']:.2f} s, peak RSS "
                  f"{rss['peak_rss_mb']:.0f} MB", flush=True)
    print(f"after: {bench.load_average()}")
    print(f"\nmedian of {args.reps}; CPU is user+sys of the ddbsql process / of the Python peer")
    print("\n| measure | latency | ddbsql wall | ddbsql CPU | peer | peer wall | peer CPU | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['what']} | {r['latency_ms']} ms | {side(r['ddbsql'])} | {r['peer_name']} | "
              f"{side(r['peer'])} | {r['speedup']:.1f}x |")
    if rss:
        print(f"| INSERT with a 64 KB S3 column, {args.rss_items:,} items (peak RSS "
              f"{rss['peak_rss_mb']:.0f} MB) | 0 ms | {side(rss)} | | | | |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"rows": rows, "rss": rss and {k: rss[k] for k in (
                "seconds", "cpu_seconds", "peak_rss_mb")}, "items": args.rss_items,
                "load_average": os.getloadavg()}, f, indent=2)
    rig.stop()


if __name__ == "__main__":
    main()
