#!/usr/bin/env python3
"""Reading a generated table export: ddbsql against boto3 + gzip + json.

Writes an export of --items items in --files data files (DYNAMODB_JSON,
manifests with MD5s, as tests/export_layout.py lays them out) into the S3
at --s3, then, in one run, reads it --reps times each way and keeps the
fastest of each:

  ddbsql  `SELECT count(*), sum(n) FROM snap` over
          dynamodb_export(...): ranged GETs of 4 files at a time, inflated,
          MD5-checked and decoded in C++;
  boto3   a loop over the manifest's files: get_object, gzip.decompress,
          json.loads of every line, the same count and sum (no MD5 check).

Reported: wall seconds, items/s, CPU seconds (user + sys of the process and
its children) and items per CPU-second ("per core"), peak RSS, and the
ratio of the two. Both must agree on count and sum, or the bench fails.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import export_layout as layout  # noqa: E402

KEY_ID = "bench"
SECRET = "bench-secret"
REGION = "us-east-1"


def clients(s3_url):
    import boto3

    return boto3.client("s3", endpoint_url=s3_url, region_name=REGION,
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)


def generate(s3, bucket, items, files):
    """The export, as lines dealt over `files` files: items of ~200 bytes."""
    lines = [[] for _ in range(files)]
    for i in range(items):
        item = {"pk": {"S": f"user#{i % 50000:05d}"}, "sk": {"N": str(i)},
                "n": {"N": str(i % 1000)}, "name": {"S": f"customer number {i}"},
                "price": {"N": f"{i % 997}.{i % 100:02d}"}, "active": {"BOOL": i % 3 == 0},
                "tags": {"SS": ["a", f"t{i % 7}"]},
                "addr": {"M": {"city": {"S": "Lisbon"}, "zip": {"N": str(1000 + i % 9000)}}}}
        lines[i % files].append(json.dumps({"Item": item}, separators=(",", ":")))
    return layout.write_export(s3, bucket, "bench", layout.table_arn("bench"), lines)


def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_ddbsql(args, export, env):
    sql = (f"CREATE VIRTUAL TABLE temp.snap USING dynamodb_export('{export['uri']}', "
           "keys='pk,sk');\nSELECT count(*), sum(n) FROM snap;\n")
    cpu0 = cpu_of_children()
    t0 = time.monotonic()
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", args.ddbsql, "-csv", "-bail"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    out, err = proc.communicate(sql.encode())
    wall = time.monotonic() - t0
    cpu = cpu_of_children() - cpu0
    if proc.returncode != 0:
        sys.exit(f"ddbsql failed: {err.decode()}")
    count, total = out.decode().strip().split(",")
    rss_kb = int(err.decode().strip().splitlines()[-1])
    return {"wall": wall, "cpu": cpu, "rss_mb": rss_kb / 1024, "count": int(count),
            "sum": int(total)}


PEER = r"""
import gzip, json, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="bench", aws_secret_access_key="bench-secret")
bucket, keys = sys.argv[2], sys.argv[3:]
count = total = 0
for key in keys:
    body = gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    for line in body.splitlines():
        if line:
            item = json.loads(line)["Item"]
            count += 1
            total += int(item["n"]["N"])
print(f"{count},{total}")
"""


def run_peer(args, bucket, export):
    cpu0 = cpu_of_children()
    t0 = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-c", PEER, args.s3,
                           bucket] + export["files"], capture_output=True)
    wall = time.monotonic() - t0
    cpu = cpu_of_children() - cpu0
    if proc.returncode != 0:
        sys.exit(f"boto3 peer failed: {proc.stderr.decode()}")
    count, total = proc.stdout.decode().strip().split(",")
    rss_kb = int(proc.stderr.decode().strip().splitlines()[-1])
    return {"wall": wall, "cpu": cpu, "rss_mb": rss_kb / 1024, "count": int(count),
            "sum": int(total)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--s3", required=True)
    p.add_argument("--ddbsql", required=True)
    p.add_argument("--items", type=int, default=1_000_000)
    p.add_argument("--files", type=int, default=64)
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args()
    s3 = clients(args.s3)
    bucket = "bench-export"
    s3.create_bucket(Bucket=bucket)
    t0 = time.monotonic()
    export = generate(s3, bucket, args.items, args.files)
    size = sum(s3.head_object(Bucket=bucket, Key=k)["ContentLength"] for k in export["files"])
    print(f"generated {args.items} items in {args.files} files, {size / 1e6:.1f} MB gzip'd, "
          f"in {time.monotonic() - t0:.1f} s", flush=True)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
           "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": REGION,
           "AWS_ENDPOINT_URL_S3": args.s3, "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1"}
    results = {"ddbsql": [], "boto3": []}
    for _ in range(args.reps):  # interleaved, so both see the same machine
        results["ddbsql"].append(run_ddbsql(args, export, env))
        results["boto3"].append(run_peer(args, bucket, export))
    best = {k: min(v, key=lambda r: r["wall"]) for k, v in results.items()}
    if (best["ddbsql"]["count"], best["ddbsql"]["sum"]) != (best["boto3"]["count"],
                                                            best["boto3"]["sum"]):
        sys.exit(f"the answers differ: {best}")
    for name, r in best.items():
        print(f"{name:7} {r['wall']:7.2f} s  {args.items / r['wall']:10,.0f} items/s  "
              f"cpu {r['cpu']:6.2f} s  {args.items / max(r['cpu'], 1e-9):10,.0f} items/cpu-s  "
              f"peak RSS {r['rss_mb']:6.1f} MB")
    print(f"ratio (boto3 wall / ddbsql wall): {best['boto3']['wall'] / best['ddbsql']['wall']:.1f}x;"
          f" per CPU-second: {best['boto3']['cpu'] / best['ddbsql']['cpu']:.1f}x")


if __name__ == "__main__":
    main()
