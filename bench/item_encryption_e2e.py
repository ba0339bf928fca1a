#!/usr/bin/env python3
"""End to end over a table of the AWS DynamoDB Encryption Client (static
provider): `SELECT count(*), sum(amount)` over N items through ddbsql,
against boto3's Scan paginator with the format's Python reader
(tests/ddb_item_encryption_reader.py, `cryptography`) verifying and
decrypting every item, on one DynamoDB Local, side by side in one run.
Reports wall seconds and client CPU seconds of each (the median of --reps)
and their ratios; both answers must agree.

Items as bench/item_encryption_bench.cc makes them: 4 encrypted strings of
~100 bytes and an encrypted number `amount`, 5 signed numbers, 1 attribute
left alone, keyed by `id`.
"""

import argparse
import base64
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import ddb_item_encryption_reader as reader  # noqa: E402

ACTIONS = {"default": "encrypt",
           "attributes": {**{f"s{i}": "sign" for i in range(5)}, "note": "nothing"}}


def plain_item(i):
    item = {"id": {"S": f"item-{i:08d}"}, "amount": {"N": str(i % 1000)},
            "note": {"S": f"left alone {i}"}}
    for a in range(4):
        item[f"e{a}"] = {"S": (f"value {a} of item {i} " * 8)[:100]}
    for s in range(5):
        item[f"s{s}"] = {"N": str(i * 10 + s)}
    return item


def to_boto(value):
    (t, v), = value.items()
    return {"B": base64.b64decode(v)} if t == "B" else value


def from_boto(item):
    return {k: ({"B": base64.b64encode(bytes(v["B"])).decode()} if "B" in v else v)
            for k, v in item.items()}


def load(ddb, table, count, aes, mac):
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    actions = reader.Actions(ACTIONS["default"], ACTIONS["attributes"], ("id",))
    batch = []
    for i in range(count):
        stored = reader.encrypt_item(plain_item(i), table, actions, aes, mac)
        batch.append({"PutRequest": {"Item": {k: to_boto(v) for k, v in stored.items()}}})
        if len(batch) == 25 or i == count - 1:
            pending = {table: batch}
            while pending:
                pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems")
            batch = []


def run_ddbsql(ddbsql, catalog, table, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    r = subprocess.run([ddbsql, "--catalog", catalog, "-csv", "-c",
                        f'SELECT count(*), sum(amount) FROM "{table}"'],
                       env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"ddbsql failed: {r.stderr}")
    count, total = r.stdout.strip().split(",")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, (int(count), Decimal(total))


def run_peer(ddb, table, aes, mac):
    start, cpu_start = time.perf_counter(), time.process_time()
    actions = reader.Actions(ACTIONS["default"], ACTIONS["attributes"], ("id",))
    materials = reader.static_materials(aes, mac)
    count, total = 0, Decimal(0)
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            p = reader.decrypt_item(from_boto(item), table, actions, materials, ("id",))
            count += 1
            total += Decimal(p["amount"]["N"])
    return time.perf_counter() - start, time.process_time() - cpu_start, (count, total)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint", required=True, help="DynamoDB Local URL")
    ap.add_argument("--ddbsql", required=True)
    ap.add_argument("--items", type=int, default=20000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--compare", help="another ddbsql binary (an earlier build) measured alike")
    ap.add_argument("--out", help="JSON results")
    args = ap.parse_args()

    import boto3

    key_id, secret = "bench" + uuid.uuid4().hex[:8], uuid.uuid4().hex
    ddb = boto3.client("dynamodb", endpoint_url=args.endpoint, region_name="us-east-1",
                       aws_access_key_id=key_id, aws_secret_access_key=secret)
    aes, mac = os.urandom(32), os.urandom(32)
    table = "enc_bench_" + uuid.uuid4().hex[:8]
    print(f"loading {args.items} encrypted items into {table} ...", flush=True)
    load(ddb, table, args.items, aes, mac)
    with tempfile.TemporaryDirectory() as home:
        catalog = os.path.join(home, "catalog.json")
        key = lambda name: {"ref": "env:" + name, "encoding": "base64"}  # noqa: E731
        with open(catalog, "w", encoding="utf-8") as f:
            json.dump({"tables": {table: {"item_encryption": {
                "scheme": "aws-dynamodb-encryption-client",
                "materials": {"provider": "static", "encryption_key": key("BENCH_AES"),
                              "signing_key": key("BENCH_MAC")},
                "actions": ACTIONS}}}}, f)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
               "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret,
               "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_DYNAMODB": args.endpoint,
               "BENCH_AES": base64.b64encode(aes).decode(),
               "BENCH_MAC": base64.b64encode(mac).decode()}
        binaries = {"ddbsql": args.ddbsql}
        if args.compare:
            binaries["ddbsql (--compare)"] = args.compare
        runs = {**{name: [] for name in binaries}, "boto3+reader": []}
        answers = set()
        for _ in range(args.reps):
            for name, binary in binaries.items():
                wall, cpu, answer = run_ddbsql(binary, catalog, table, env)
                runs[name].append((wall, cpu))
                answers.add(answer)
            wall, cpu, answer = run_peer(ddb, table, aes, mac)
            runs["boto3+reader"].append((wall, cpu))
            answers.add(answer)
    ddb.delete_table(TableName=table)
    if len(answers) != 1:
        raise SystemExit(f"the clients disagree: {answers}")
    result = {"items": args.items, "reps": args.reps, "answer": str(answers.pop())}
    for name, values in runs.items():
        result[name] = {"wall_s": statistics.median(w for w, _ in values),
                        "cpu_s": statistics.median(c for _, c in values)}
    d, p = result["ddbsql"], result["boto3+reader"]
    result["wall_ratio"] = p["wall_s"] / d["wall_s"]
    result["cpu_ratio"] = p["cpu_s"] / d["cpu_s"]
    print(f"SELECT count(*), sum(amount) over {args.items} encrypted items "
          f"(median of {args.reps}; answer {result['answer']})")
    for name in runs:
        r = result[name]
        print(f"  {name:18} wall {r['wall_s']:7.2f} s  client CPU {r['cpu_s']:7.2f} s  "
              f"({args.items / r['wall_s']:,.0f} items/s)")
    print(f"  ddbsql is {result['wall_ratio']:.1f}x faster (wall), "
          f"{result['cpu_ratio']:.1f}x less client CPU")
    if args.compare:
        c = result["ddbsql (--compare)"]
        print(f"  --compare / ddbsql: wall {c['wall_s'] / d['wall_s']:.2f}x, "
              f"CPU {c['cpu_s'] / d['cpu_s']:.2f}x")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
