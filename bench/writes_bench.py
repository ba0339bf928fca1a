#!/usr/bin/env python3
"""Write speed of ddbsql against boto3, side by side on one DynamoDB Local and
one moto S3, reported as ratios (bench/writes.sh starts the emulators).

    writes_bench.py --dynamodb URL --s3 URL --ddbsql PATH [--items N] [--updates N]
                    [--s3-items N] [--reps R]

  insert   `INSERT INTO t SELECT ...` of N items (~150 bytes: 6 attributes)
           versus boto3's batch_writer putting the same items.
  update   `UPDATE t SET v = v + 1 WHERE id IN (...)` of one attribute on N
           items by key versus a boto3 update_item loop.
  s3       INSERT of N items with a 64 KB LargeAttribute column (S3 object,
           ledger) versus the pynamodb_mate way in boto3: put_object, then
           put_item, one item after the other.

Each measure is the median wall time of R runs on fresh tables; ddbsql's
time includes its start-up (about 30 ms). --latency-ms L puts a proxy
(tests/fault_proxy.py) in front of DynamoDB and S3 that holds each measured
request L ms, as a region's network would, for both sides.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import boto3

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
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET,
               AWS_REGION=REGION, AWS_ENDPOINT_URL_DYNAMODB=args.measured_dynamodb,
               AWS_ENDPOINT_URL_S3=args.measured_s3, XDG_STATE_HOME=tmp)
    cmd = [args.ddbsql, "-batch"] + (["--catalog", catalog] if catalog else [])
    t0 = time.monotonic()
    r = subprocess.run(cmd, input=sql.encode(), env=env, capture_output=True, timeout=1800)
    elapsed = time.monotonic() - t0
    if r.returncode != 0 or r.stderr:
        sys.exit(f"ddbsql failed: {r.stderr.decode()[:500]}")
    return elapsed


def series(n):
    return (f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
            f"SELECT i FROM s")


def bench_insert(args, ddb, tmp):
    t = new_table(ddb, "wins")
    sql = (f"INSERT INTO {t}(id, item) SELECT 'k' || i, json_object('n', i, 'name', "
           f"'name ' || i, 'score', i * 1.5, 'tag', 'tag' || (i % 10), 'flag', json('true')) "
           f"FROM ({series(args.items)});\n")
    mine = ddbsql(args, sql, tmp=tmp)
    count = ddb.scan(TableName=t, Select="COUNT")["Count"]
    assert count == args.items, count
    peer_table = new_table(ddb, "wins")
    table = boto3.resource("dynamodb", endpoint_url=args.measured_dynamodb, region_name=REGION,
                           aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET).Table(peer_table)
    from decimal import Decimal

    t0 = time.monotonic()
    with table.batch_writer() as w:
        for i in range(1, args.items + 1):
            w.put_item(Item={"id": f"k{i}", "n": i, "name": f"name {i}",
                             "score": Decimal(str(i * 1.5)), "tag": f"tag{i % 10}", "flag": True})
    peer = time.monotonic() - t0
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
    mine = ddbsql(args, f"UPDATE {t} SET v = v + 1 WHERE id IN ({keys});\n", tmp=tmp)
    measured, _ = clients(args.measured_dynamodb, args.measured_s3)
    t0 = time.monotonic()
    for i in range(args.updates):
        measured.update_item(TableName=t, Key={"id": {"S": f"k{i}"}}, UpdateExpression="SET v = v + :one",
                        ExpressionAttributeValues={":one": {"N": "1"}})
    peer = time.monotonic() - t0
    item = ddb.get_item(TableName=t, Key={"id": {"S": "k7"}}, ConsistentRead=True)["Item"]
    assert item["v"] == {"N": "2"}, item
    ddb.delete_table(TableName=t)
    return mine, peer


def bench_s3(args, ddb, s3, tmp):
    t = new_table(ddb, "ws3")
    bucket = f"wbench-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    catalog = os.path.join(tmp, "catalog.json")
    with open(catalog, "w") as f:
        json.dump({"tables": {t: {"columns": {"body": {
            "codec": "LargeAttribute", "bucket": bucket, "prefix": "p", "as": "blob"}}}}}, f)
    sql = (f"INSERT INTO {t}(id, body) SELECT 'k' || i, randomblob(65536) "
           f"FROM ({series(args.s3_items)});\n")
    mine = ddbsql(args, sql, catalog=catalog, tmp=tmp)
    objects = sum(p.get("KeyCount", 0)
                  for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket))
    assert objects == args.s3_items, objects
    import hashlib

    peer_table = new_table(ddb, "ws3")
    mddb, ms3 = clients(args.measured_dynamodb, args.measured_s3)
    t0 = time.monotonic()
    for i in range(args.s3_items):
        body = os.urandom(65536)
        key = f"p/pk=k{i}/attr=body/md5={hashlib.md5(body).hexdigest()}"
        ms3.put_object(Bucket=bucket, Key=key, Body=body,
                      Metadata={"pk": f"k{i}", "attr": "body", "update_at": "2026-12-02"})
        mddb.put_item(TableName=peer_table,
                     Item={"id": {"S": f"k{i}"}, "body": {"S": f"s3://{bucket}/{key}"}})
    peer = time.monotonic() - t0
    ddb.delete_table(TableName=t)
    ddb.delete_table(TableName=peer_table)
    return mine, peer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dynamodb", required=True)
    p.add_argument("--s3", required=True)
    p.add_argument("--ddbsql", required=True)
    p.add_argument("--items", type=int, default=10000)
    p.add_argument("--updates", type=int, default=1000)
    p.add_argument("--s3-items", type=int, default=1000)
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--latency-ms", type=int, default=0,
                   help="hold each measured request this long (both sides), as a network would")
    args = p.parse_args()
    ddb, s3 = clients(args.dynamodb, args.s3)
    args.measured_dynamodb, args.measured_s3 = args.dynamodb, args.s3
    proxies = []
    if args.latency_ms > 0:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import bench

        args.measured_dynamodb, proc = bench.latency_proxy(args.dynamodb, args.latency_ms)
        proxies.append(proc)
        args.measured_s3, proc = bench.latency_proxy(args.s3, args.latency_ms)
        proxies.append(proc)
        print(f"every measured request held {args.latency_ms} ms (tests/fault_proxy.py)",
              flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, what, peer_name, fn in (
                ("insert", f"INSERT INTO t SELECT, {args.items:,} items", "boto3 batch_writer",
                 lambda: bench_insert(args, ddb, tmp)),
                ("update", f"UPDATE one attribute, {args.updates:,} items by key",
                 "boto3 update_item loop", lambda: bench_update(args, ddb, tmp)),
                ("s3", f"INSERT with a 64 KB S3 column, {args.s3_items:,} items",
                 "boto3 put_object + put_item loop", lambda: bench_s3(args, ddb, s3, tmp))):
            runs = [fn() for _ in range(args.reps)]
            mine = statistics.median(r[0] for r in runs)
            peer = statistics.median(r[1] for r in runs)
            rows.append((what, mine, peer_name, peer))
            print(f"{name}: ddbsql {mine:.2f} s, {peer_name} {peer:.2f} s, "
                  f"{peer / mine:.1f}x", flush=True)
    print("\n| measure | ddbsql | peer | ratio |\n| --- | --- | --- | --- |")
    for what, mine, peer_name, peer in rows:
        print(f"| {what} | {mine:.2f} s | {peer_name} {peer:.2f} s | {peer / mine:.1f}x faster |")
    for proc in proxies:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
