#!/usr/bin/env python3
"""How to INSERT many items without overwriting any: the candidates for
ddbsql's bulk INSERT side by side on one DynamoDB Local, with requests,
capacity and wall time (README "Writes" has the figures; never asserted).

    bulk_insert.py --dynamodb URL [--items N] [--latency-ms L]
                   [--ddbsql PATH[,PATH...]] [--writeparallel P[,P...]]
                   [--insertrows R[,R...]] [--insertcheck transact|batch]
                   [--reps N] [--only abcdw]

  a  conditional PutItem per item (attribute_not_exists), 32 in flight (boto3)
  b  TransactWriteItems of up to 100 conditional puts, 8 in flight (boto3)
  c  consistent BatchGetItem of 100 keys, then BatchWriteItem of the absent
     ones (racy: another writer between the two is overwritten), 8 in flight
  w  boto3's batch_writer (unconditional: the peer of bench/writes.sh)
  d  each ddbsql binary given: `INSERT INTO t SELECT` of the same items at
     each .insertrows (rows per request; 1: a conditional PutItem each) and
     .writeparallel given (give none for a binary without the command), with
     its CPU and its .stats writes line (--insertcheck: that setting); with
     --reps N, the median of N runs of each

Items are ~150 bytes (6 attributes), as bench/writes_bench.py writes them.
Each line also shows the CPU DynamoDB Local's java process used meanwhile
(/proc/PID/stat of the process listening on --dynamodb's port, when it is
on this machine): on loopback the server's CPU is what bounds every side.
The capacity shown is what the server reports: DynamoDB Local reports 4 WCU
for any TransactWriteItems, AWS 2 WCU per item per KB. `--latency-ms L` puts
the rig's proxy (build/bench/ddbsql_latency_proxy, beside the first --ddbsql,
else build/ddbsql) in front of DynamoDB for every side.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

REGION = "us-east-1"
KEY_ID = "benchbulk"
SECRET = "benchbulk-secret"


def client(url):
    return boto3.client("dynamodb", endpoint_url=url, region_name=REGION,
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
                        config=Config(max_pool_connections=64,
                                      retries={"max_attempts": 10, "mode": "standard"}))


def new_table(ddb):
    name = "bulk_" + uuid.uuid4().hex[:8]
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    return name


def items(n):
    return [{"id": {"S": f"k{i}"}, "n": {"N": str(i)}, "name": {"S": f"name {i}"},
             "score": {"N": repr(i * 1.5)}, "tag": {"S": f"tag{i % 10}"}, "flag": {"BOOL": True}}
            for i in range(1, n + 1)]


def chunks(seq, n):
    return [seq[i:i + n] for i in range(0, len(seq), n)]


def capacity(response):
    cc = response.get("ConsumedCapacity", [])
    if isinstance(cc, dict):
        cc = [cc]
    return sum(c.get("CapacityUnits", 0) for c in cc)


def cand_a(ddb, t, rows):
    def put(it):
        return capacity(ddb.put_item(
            TableName=t, Item=it, ConditionExpression="attribute_not_exists(#k)",
            ExpressionAttributeNames={"#k": "id"}, ReturnConsumedCapacity="TOTAL"))
    with ThreadPoolExecutor(32) as ex:
        caps = list(ex.map(put, rows))
    return len(caps), sum(caps)


def cand_b(ddb, t, rows):
    def tx(chunk):
        return capacity(ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": t, "Item": it, "ConditionExpression": "attribute_not_exists(#k)",
                     "ExpressionAttributeNames": {"#k": "id"}}} for it in chunk],
            ReturnConsumedCapacity="TOTAL"))
    with ThreadPoolExecutor(8) as ex:
        caps = list(ex.map(tx, chunks(rows, 100)))
    return len(caps), sum(caps)


def cand_c(ddb, t, rows):
    def one(chunk):
        r = ddb.batch_get_item(RequestItems={t: {"Keys": [{"id": it["id"]} for it in chunk],
                                                 "ConsistentRead": True}},
                               ReturnConsumedCapacity="TOTAL")
        reqs, cap = 1, capacity(r)
        have = {x["id"]["S"] for x in r["Responses"].get(t, [])}
        for sub in chunks([it for it in chunk if it["id"]["S"] not in have], 25):
            w = ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": it}} for it in sub]},
                                     ReturnConsumedCapacity="TOTAL")
            reqs, cap = reqs + 1, cap + capacity(w)
        return reqs, cap
    with ThreadPoolExecutor(8) as ex:
        res = list(ex.map(one, chunks(rows, 100)))
    return sum(r for r, _ in res), sum(c for _, c in res)


def cand_w(url, t, rows):
    table = boto3.resource("dynamodb", endpoint_url=url, region_name=REGION,
                           aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET).Table(t)
    from boto3.dynamodb.types import TypeDeserializer
    des = TypeDeserializer()
    with table.batch_writer() as w:
        for it in rows:
            w.put_item(Item={k: des.deserialize(v) for k, v in it.items()})
    return (len(rows) + 24) // 25, float("nan")


def server_pid(url):
    """The pid of the DynamoDB Local java process serving `url`'s port, or
    None (not on this machine)."""
    port = url.rstrip("/").rsplit(":", 1)[-1]
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"DynamoDBLocal.jar") for a in argv) and b"-port" in argv:
            i = argv.index(b"-port")
            if i + 1 < len(argv) and argv[i + 1].decode() == port:
                return int(pid)
    return None


def process_cpu(pid):
    """user+sys seconds of process `pid` (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_ddbsql(binary, url, t, n, parallel, check, tmp, rows=""):
    sql = (f".writeparallel {parallel}\n" if parallel else "") + (
        f".insertrows {rows}\n" if rows else "") + (
        f".insertcheck {check}\n" if check else "") + (
        f".stats on\nINSERT INTO {t}(id, item) SELECT 'k' || i, json_object('n', i, 'name', "
        f"'name ' || i, 'score', i * 1.5, 'tag', 'tag' || (i % 10), 'flag', json('true')) FROM "
        f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
        f"SELECT i FROM s);\n")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET,
               AWS_REGION=REGION, AWS_ENDPOINT_URL_DYNAMODB=url, XDG_STATE_HOME=tmp,
               XDG_CACHE_HOME=tmp)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run([binary, "-batch"], input=sql.encode(), env=env, capture_output=True,
                       timeout=3600)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    err = r.stderr.decode()
    if r.returncode != 0:
        sys.exit(f"{binary} failed: {err[:500]}")
    writes = next((line for line in err.splitlines() if line.startswith("writes:")), "")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, writes


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dynamodb", required=True)
    p.add_argument("--items", type=int, default=10000)
    p.add_argument("--latency-ms", type=int, default=0)
    p.add_argument("--ddbsql", default="")
    p.add_argument("--writeparallel", default="")
    p.add_argument("--insertcheck", default="")
    p.add_argument("--insertrows", default="")
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--only", default="abcwd")
    args = p.parse_args()
    ddb = client(args.dynamodb)
    server = server_pid(args.dynamodb)
    url, proxy = args.dynamodb, None
    if args.latency_ms > 0:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import bench

        first = args.ddbsql.split(",")[0] if args.ddbsql else os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "build", "ddbsql")
        proxy = bench.Rig(first)
        url = proxy.latency_proxy(args.dynamodb, args.latency_ms)
        print(f"every request held {args.latency_ms} ms ({proxy.dir}/ddbsql_latency_proxy)")
    measured = client(url)
    rows = items(args.items)
    print(f"{args.items:,} items; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores", flush=True)
    names = {"a": "a conditional PutItem, 32 in flight",
             "b": "b TransactWriteItems of 100 conditional puts, 8 in flight",
             "c": "c BatchGetItem (consistent) + BatchWriteItem, 8 in flight",
             "w": "w boto3 batch_writer (unconditional)"}
    for k in args.only:
        if k == "d":
            continue
        runs = []
        for _ in range(args.reps):
            t = new_table(ddb)
            t0, c0, s0 = time.monotonic(), time.process_time(), process_cpu(server)
            if k == "w":
                reqs, cap = cand_w(url, t, rows)
            else:
                reqs, cap = {"a": cand_a, "b": cand_b, "c": cand_c}[k](measured, t, rows)
            runs.append((time.monotonic() - t0, time.process_time() - c0,
                         process_cpu(server) - s0))
            count = ddb.scan(TableName=t, Select="COUNT")["Count"]
            assert count == args.items, count
            ddb.delete_table(TableName=t)  # DynamoDB Local slows as its database grows
        wall, cpu, scpu = sorted(runs)[len(runs) // 2]
        print(f"{names[k]}: {wall:.2f} s, {reqs:,} requests, {cap:,.0f} capacity units reported,"
              f" client CPU {cpu:.2f} s, server CPU {scpu:.2f} s", flush=True)
    if "d" in args.only and args.ddbsql:
        with tempfile.TemporaryDirectory() as tmp:
            for binary in args.ddbsql.split(","):
                for rws in (args.insertrows.split(",") if args.insertrows else [""]):
                    for par in (args.writeparallel.split(",") if args.writeparallel else [""]):
                        runs = []
                        for _ in range(args.reps):
                            t = new_table(ddb)
                            s0 = process_cpu(server)
                            wall, cpu, writes = run_ddbsql(binary, url, t, args.items, par,
                                                           args.insertcheck, tmp, rws)
                            runs.append((wall, cpu, process_cpu(server) - s0, writes))
                            count = ddb.scan(TableName=t, Select="COUNT")["Count"]
                            assert count == args.items, count
                            ddb.delete_table(TableName=t)
                        wall, cpu, scpu, writes = sorted(runs)[len(runs) // 2]
                        print(f"ddbsql {binary}{' .insertrows ' + rws if rws else ''}"
                              f"{' .writeparallel ' + par if par else ''}"
                              f"{' .insertcheck ' + args.insertcheck if args.insertcheck else ''}"
                              f": {wall:.2f} s, CPU {cpu:.2f} s, server CPU {scpu:.2f} s; "
                              f"{writes}", flush=True)
    if proxy:
        proxy.stop()


if __name__ == "__main__":
    main()
