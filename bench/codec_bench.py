#!/usr/bin/env python3
"""Codec columns: ddbsql against a pynamodb_mate-style loop, in one run.

    codec_bench.py --dynamodb URL --ddbsql PATH [--s3 URL] [--items N]
                   [--rss-items M] [--html-bytes B] [--reps R]
                   [--latency-ms L[,L...]] [--s3parallel N[,N...]] [--out FILE]

bench/codec_run.sh is the entry point (it starts a private DynamoDB Local and
builds the rig; S3 is the rig's in-memory server, build/bench/ddbsql_s3_server,
unless --s3 names another endpoint). Two tables are written with tests/pynamodb_mate_writer.py, each
item with an S3BackedBigTextAttribute `html` of about B bytes (gzip'd in S3,
as pynamodb_mate stores it):

  sum       N items: `ddbsql -c "SELECT sum(length(html)) FROM t"` versus the
            loop a pynamodb_mate user writes: a boto3 Scan paginator, then
            for each item get_object and gzip.decompress, one after another.
            Wall time and CPU (user+sys, wait4) of each process, median of R
            (default 3; variants interleaved, after an untimed warm-up); the
            ratio is the peer's time over ddbsql's.
  rss       M items: the same statement over the larger table; ddbsql's
            peak RSS (VmHWM sampled while it runs, see bench.py).

The `sum` measure runs at every latency of --latency-ms (default "0,10":
loopback, then 10 ms per request): at L > 0 the rig's proxy
(build/bench/ddbsql_latency_proxy) stands in front of DynamoDB and S3 and
holds every request of both sides L ms, as a region's network would (the
`rss` run reads directly). With --s3parallel (a sweep), ddbsql runs once per
value (`-cmd ".s3parallel N"`) beside each run of the peer, interleaved, and
each value gets its row. The machine's load average is printed.

Credentials are a fresh random access key id, so runs never see each other.
"""

import argparse
import json
import os
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

kBench = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, kBench)
sys.path.insert(0, os.path.join(os.path.dirname(kBench), "tests"))
import bench  # noqa: E402  (run_measured, check, summarize)
import pynamodb_mate_writer as pm  # noqa: E402

kRegion = "us-east-1"


def load(ddb, s3, table, bucket, items, html_bytes):
    """Writes `items` items whose html is S3-backed; returns the total length."""
    pm.create_table(ddb, table)

    def one(i):
        html = pm.html_page(i, html_bytes)
        uri = pm.s3backed_put(s3, bucket, html.encode("utf-8"))
        return {"id": {"S": f"p{i:06d}"}, "html": {"S": uri}}, len(html)

    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(one, range(items)))
    pm.batch_put(ddb, table, [item for item, _ in done])
    return sum(n for _, n in done)


def peer(args):
    """The pynamodb_mate way: scan, then get_object + gunzip item by item."""
    import gzip

    ddb, s3 = pm.clients(args.dynamodb, args.s3)
    total = 0
    for page in ddb.get_paginator("scan").paginate(TableName=args.table):
        for item in page["Items"]:
            uri = item["html"]["S"]
            bucket, key = uri[len("s3://"):].split("/", 1)
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            total += len(gzip.decompress(body).decode("utf-8"))
    print(total)


def parallel_list(text):
    """--s3parallel: a comma-separated list of values from 1 to 256."""
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        values = []
    if not values or any(v < 1 or v > 256 for v in values):
        raise argparse.ArgumentTypeError(f"not a list of .s3parallel values (1 to 256): {text}")
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dynamodb", required=True)
    parser.add_argument("--s3", help="an S3 endpoint (default: the rig's in-memory server)")
    parser.add_argument("--ddbsql")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--rss-items", type=int, default=10000)
    parser.add_argument("--html-bytes", type=int, default=65536)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--latency-ms", type=bench.latencies, default=[0, 10],
                        help="comma-separated delays per request, both sides (0: loopback)")
    parser.add_argument("--s3parallel", type=parallel_list, default=[],
                        help="comma-separated .s3parallel values for ddbsql (a sweep)")
    parser.add_argument("--out")
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--table", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        return peer(args)

    rig = bench.Rig(args.ddbsql)
    if not args.s3:
        args.s3 = rig.s3_server()
    print(f"before: {bench.load_average()}", file=sys.stderr)
    key_id = "codecbench" + uuid.uuid4().hex[:8]
    os.environ.update(AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY="bench",
                      AWS_REGION=kRegion, AWS_DEFAULT_REGION=kRegion,
                      AWS_ENDPOINT_URL_DYNAMODB=args.dynamodb, AWS_ENDPOINT_URL_S3=args.s3,
                      AWS_EC2_METADATA_DISABLED="true")
    ddb, s3 = pm.clients(args.dynamodb, args.s3)
    bucket = "codec-bench-" + uuid.uuid4().hex[:8]
    pm.ensure_bucket(s3, bucket)
    catalog = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"codec-bench-{key_id}.json")
    columns = {"html": {"codec": "S3BackedBigTextAttribute", "bucket": bucket}}
    with open(catalog, "w") as f:
        json.dump({"tables": {"small": {"columns": columns}, "large": {"columns": columns}}}, f)

    print(f"loading {args.items} items of ~{args.html_bytes} bytes of HTML (S3, gzip) ...",
          file=sys.stderr)
    total = load(ddb, s3, "small", bucket, args.items, args.html_bytes)
    direct = {"dynamodb": args.dynamodb, "s3": args.s3}
    sql = "SELECT sum(length(html)) FROM {}"
    ddbsql = [args.ddbsql, "--catalog", catalog, "-batch", "-c"]
    by_latency = []
    for latency in args.latency_ms:
        # Loaded directly; measured through the proxies.
        urls = dict(direct)
        if latency > 0:
            urls = {name: rig.latency_proxy(url, latency) for name, url in direct.items()}
        env = dict(os.environ, AWS_ENDPOINT_URL_DYNAMODB=urls["dynamodb"],
                   AWS_ENDPOINT_URL_S3=urls["s3"])
        peer_cmd = [sys.executable, os.path.abspath(__file__), "--peer", "--dynamodb",
                    urls["dynamodb"], "--s3", urls["s3"], "--table", "small"]
        variants = [("ddbsql", ddbsql + [sql.format("small")], None)]
        if args.s3parallel:
            variants = [(f"ddbsql .s3parallel {n}",
                         ddbsql[:-1] + ["-cmd", f".s3parallel {n}", "-c", sql.format("small")], n)
                        for n in args.s3parallel]
        variants.append(("peer", peer_cmd, None))
        runs = {name: [] for name, _, _ in variants}
        for rep in range(args.reps + 1):  # the first pass warms up, untimed
            for name, cmd, _ in variants:
                r = bench.run_measured(cmd, timeout=1800, env=env)
                bench.check(r, name)
                if int(r["stdout"].strip()) != total:
                    raise SystemExit(f"{name}: sum {r['stdout'].strip()} != {total}")
                if rep > 0:
                    runs[name].append(r)
        small = {k: bench.summarize(v) for k, v in runs.items()}
        for name, _, n in variants[:-1]:
            by_latency.append({"latency_ms": latency, "s3parallel": n,
                               "sum": {"ddbsql": small[name], "peer": small["peer"]},
                               "speedup": small["peer"]["seconds"] / small[name]["seconds"]})
            print(f"latency {latency} ms: {name} {small[name]['seconds']:.2f} s, peer "
                  f"{small['peer']['seconds']:.2f} s", file=sys.stderr)

    result = {"items": args.items, "html_bytes": args.html_bytes, "by_latency": by_latency}
    if args.rss_items > 0:
        print(f"loading {args.rss_items} items for the memory run ...", file=sys.stderr)
        large_total = load(ddb, s3, "large", bucket, args.rss_items, args.html_bytes)
        r = bench.run_measured(ddbsql + [sql.format("large")], timeout=3600,
                               env=dict(os.environ))
        bench.check(r, "ddbsql (large)")
        if int(r["stdout"].strip()) != large_total:
            raise SystemExit(f"large: sum {r['stdout'].strip()} != {large_total}")
        result["rss"] = {"items": args.rss_items, "seconds": r["seconds"],
                         "peak_rss_mb": r["peak_rss_mb"]}
    os.unlink(catalog)

    result["load_average"] = os.getloadavg()
    lines = [
        f"codec columns: {args.items} items, S3BackedBigTextAttribute of {args.html_bytes} bytes"
        f" (gzip in S3); median of {args.reps}; after: {bench.load_average()}",
        "CPU is user+sys of the ddbsql process / of the Python peer (boto3 Scan, then get_object"
        " + gunzip item by item)",
        "",
        "| measure | latency | .s3parallel | ddbsql wall | ddbsql CPU | ddbsql RSS | peer wall "
        "| peer CPU | ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in by_latency:
        mine, peer_run = row["sum"]["ddbsql"], row["sum"]["peer"]
        parallel = row["s3parallel"] if row["s3parallel"] is not None else "default"
        lines.append(f"| SELECT sum(length(html)), {args.items:,} items | {row['latency_ms']} ms | "
                     f"{parallel} | {mine['seconds']:.2f} s | {mine['cpu_seconds']:.2f} s | "
                     f"{mine['peak_rss_mb']:.0f} MB | {peer_run['seconds']:.2f} s | "
                     f"{peer_run['cpu_seconds']:.2f} s | {row['speedup']:.1f}x |")
    if "rss" in result:
        lines.append(f"| the same, {args.rss_items:,} items | 0 ms | default | "
                     f"{result['rss']['seconds']:.1f} s | | {result['rss']['peak_rss_mb']:.0f} MB "
                     f"| | | |")
    print("\n".join(lines))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
    rig.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
