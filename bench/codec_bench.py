#!/usr/bin/env python3
"""Codec columns: ddbsql against a pynamodb_mate-style loop, in one run.

    codec_bench.py --dynamodb URL --s3 URL --ddbsql PATH [--items N]
                   [--rss-items M] [--html-bytes B] [--reps R] [--out FILE]

bench/codec_run.sh is the entry point (it starts a private DynamoDB Local and
moto S3). Two tables are written with tests/pynamodb_mate_writer.py, each
item with an S3BackedBigTextAttribute `html` of about B bytes (gzip'd in S3,
as pynamodb_mate stores it):

  sum       N items: `ddbsql -c "SELECT sum(length(html)) FROM t"` versus the
            loop a pynamodb_mate user writes: a boto3 Scan paginator, then
            for each item get_object and gzip.decompress, one after another.
            Wall time, median of R (variants interleaved); the ratio is the
            peer's time over ddbsql's.
  rss       M items: the same statement over the larger table; ddbsql's
            peak RSS (VmHWM sampled while it runs, see bench.py).

--latency-ms L puts a proxy (tests/fault_proxy.py) in front of DynamoDB and S3
that holds each request of the `sum` measure L ms, as a region's network
would, for both sides (the `rss` run reads directly).

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dynamodb", required=True)
    parser.add_argument("--s3", required=True)
    parser.add_argument("--ddbsql")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--rss-items", type=int, default=10000)
    parser.add_argument("--html-bytes", type=int, default=65536)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="hold each request this long (both sides), as a network would")
    parser.add_argument("--out")
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--table", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        return peer(args)

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
    proxies = []
    direct = {"dynamodb": args.dynamodb, "s3": args.s3}
    if args.latency_ms > 0:
        # Loaded directly; measured through the proxies.
        for name in ("dynamodb", "s3"):
            url, proc = bench.latency_proxy(getattr(args, name), args.latency_ms)
            proxies.append(proc)
            setattr(args, name, url)
        os.environ.update(AWS_ENDPOINT_URL_DYNAMODB=args.dynamodb, AWS_ENDPOINT_URL_S3=args.s3)
    sql = "SELECT sum(length(html)) FROM {}"
    ddbsql = [args.ddbsql, "--catalog", catalog, "-batch", "-c"]
    peer_cmd = [sys.executable, os.path.abspath(__file__), "--peer", "--dynamodb", args.dynamodb,
                "--s3", args.s3, "--table", "small"]
    runs = {"ddbsql": [], "peer": []}
    for rep in range(args.reps + 1):  # the first pass warms up, untimed
        for name, cmd in (("ddbsql", ddbsql + [sql.format("small")]), ("peer", peer_cmd)):
            r = bench.run_measured(cmd, timeout=1800)
            bench.check(r, name)
            if int(r["stdout"].strip()) != total:
                raise SystemExit(f"{name}: sum {r['stdout'].strip()} != {total}")
            if rep > 0:
                runs[name].append(r)
    for proc in proxies:
        proc.terminate()
        proc.wait()
    os.environ.update(AWS_ENDPOINT_URL_DYNAMODB=direct["dynamodb"],
                      AWS_ENDPOINT_URL_S3=direct["s3"])
    small = {k: bench.summarize(v) for k, v in runs.items()}
    ratio = small["peer"]["seconds"] / small["ddbsql"]["seconds"]

    result = {"items": args.items, "html_bytes": args.html_bytes, "sum": small,
              "speedup": ratio, "latency_ms": args.latency_ms}
    if args.rss_items > 0:
        print(f"loading {args.rss_items} items for the memory run ...", file=sys.stderr)
        large_total = load(ddb, s3, "large", bucket, args.rss_items, args.html_bytes)
        r = bench.run_measured(ddbsql + [sql.format("large")], timeout=3600)
        bench.check(r, "ddbsql (large)")
        if int(r["stdout"].strip()) != large_total:
            raise SystemExit(f"large: sum {r['stdout'].strip()} != {large_total}")
        result["rss"] = {"items": args.rss_items, "seconds": r["seconds"],
                         "peak_rss_mb": r["peak_rss_mb"]}
    os.unlink(catalog)

    lines = [
        f"codec columns: {args.items} items, S3BackedBigTextAttribute of {args.html_bytes} bytes"
        " (gzip in S3)" + (f", {args.latency_ms} ms per request" if args.latency_ms else ""),
        f"  SELECT sum(length(html))   ddbsql {small['ddbsql']['seconds']:.2f} s"
        f" (CPU {small['ddbsql']['cpu_seconds']:.2f} s, RSS {small['ddbsql']['peak_rss_mb']:.0f} MB)",
        f"  boto3 get_object+gunzip    peer   {small['peer']['seconds']:.2f} s"
        f" (CPU {small['peer']['cpu_seconds']:.2f} s, RSS {small['peer']['peak_rss_mb']:.0f} MB)",
        f"  ratio: ddbsql {ratio:.1f}x faster (target 8x); samples ddbsql "
        f"{small['ddbsql']['samples_seconds']}, peer {small['peer']['samples_seconds']}",
    ]
    if "rss" in result:
        lines.append(f"  scan of {args.rss_items} items: {result['rss']['seconds']:.1f} s, peak RSS"
                     f" {result['rss']['peak_rss_mb']:.0f} MB (target under 200 MB)")
    print("\n".join(lines))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
