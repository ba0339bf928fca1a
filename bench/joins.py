#!/usr/bin/env python3
"""Join suite: what ddbsql's plans cost against the cheapest hand-written plan.

    bench/joins.sh [--scale K] [--reps R]       (starts its own emulator)
    joins.py --endpoint URL --ddbsql PATH [--scale K] [--reps R]

Loads tests/joins/dataset.py (3,000 orders, 300 users, 300 customers, times
K) into a fresh DynamoDB Local database, then for each statement of
tests/join_plan_test.py's kind measures, with `.stats`:

  ours   the statement as a user writes it, in one ddbsql run;
  hand   each hand-written alternative: the single-table statements a person
         who knows DynamoDB would send to get the same data (full Scans,
         Queries or BatchGetItem per key, joined on the client), keeping
         the cheapest.

Cost is counted in cost.h's units: 10 per request (its round trip) plus 1 per
read capacity unit. Printed per statement: requests and RCU of both, the
ratio ours/hand of that cost (target: at most 1.5), and ddbsql's wall time
(median of R runs, the schema already cached so that start-up reads no
schema). The exit status is 0 whatever the ratios: speed and cost targets
are watched here, never asserted by the tests.
"""

import argparse
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ROUND_TRIP = 10.0
TARGET = 1.5


def load_dataset():
    spec = importlib.util.spec_from_file_location("join_data",
                                                  os.path.join(REPO, "tests", "joins", "dataset.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stats_of(line):
    ops = {op: int(n) for op, n in re.findall(r"(GetItem|BatchGetItem|Query|Scan) (\d+)", line)}
    rcu = float(re.search(r"capacity: ([\d.]+) RCU", line).group(1))
    return sum(ops.values()), rcu


class Runner:
    def __init__(self, ddbsql, env):
        self.ddbsql = ddbsql
        self.env = env

    def run(self, statements):
        """Requests, RCU (summed over `statements`) and wall seconds of one run."""
        script = ".stats on\n" + "".join(s.rstrip(";") + ";\n" for s in statements)
        start = time.monotonic()
        proc = subprocess.run([self.ddbsql, "-batch"], input=script, capture_output=True,
                              text=True, env=self.env, timeout=600)
        wall = time.monotonic() - start
        if proc.returncode != 0:
            raise RuntimeError("ddbsql failed: %s" % proc.stderr[-2000:])
        requests = rcu = 0
        for line in proc.stderr.splitlines():
            if line.startswith("requests:"):
                r, u = stats_of(line)
                requests += r
                rcu += u
        return requests, rcu, wall


def suite(data):
    """(name, statement, [hand-written alternatives, each a list of statements])."""
    gold = [c["id"]["S"] for c in data["customers"] if c["tier"]["S"] == "gold"]
    de = [u["user_id"]["S"] for u in data["users"] if u["country"]["S"] == "de"]
    returned = sorted({o["customer"]["S"] for o in data["orders"]
                       if o["status"]["S"] == "returned" and "created" in o
                       and int(o["created"]["N"]) > 1700002800})

    def q(ids, what="order_no, total"):
        return ["SELECT %s FROM orders WHERE customer = '%s'" % (what, i) for i in ids]

    def batch(table, key, ids):
        return ["SELECT * FROM %s WHERE %s IN (%s)" % (table, key, ", ".join(
            "'%s'" % i for i in ids[k:k + 100])) for k in range(0, len(ids), 100)]

    scan_orders = "SELECT customer, order_no, total, addr, status, created FROM orders"
    scan_users = "SELECT user_id, country, name FROM users"
    scan_customers = "SELECT id, tier, name FROM customers"
    return [
        ("key join, big outer side",
         "SELECT u.country, count(*), round(sum(o.total), 2) FROM orders o JOIN users u "
         "ON u.user_id = o.customer GROUP BY u.country",
         [[scan_orders, scan_users]]),
        ("key join, filtered outer side",
         "SELECT count(*) FROM customers c JOIN orders o ON o.customer = c.id "
         "WHERE c.tier = 'gold'",
         [[scan_customers, scan_orders],
          ["SELECT id FROM customers WHERE tier = 'gold'"] + q(gold)]),
        ("non-key join",
         "SELECT count(*) FROM customers c JOIN orders o ON o.addr = c.name "
         "WHERE c.id < 'c0050'",
         [["SELECT id, name FROM customers WHERE id < 'c0050'", scan_orders]]),
        ("self-join",
         "SELECT count(*) FROM orders a JOIN orders b ON a.total < b.total "
         "WHERE a.customer = 'c0001'",
         [q(["c0001"]) + [scan_orders]]),
        ("three tables",
         "SELECT c.tier, u.country, count(*) FROM orders o JOIN users u "
         "ON u.user_id = o.customer JOIN customers c ON c.id = o.customer GROUP BY 1, 2",
         [[scan_orders, scan_users, scan_customers]]),
        ("small outer side",
         "SELECT u.name, o.order_no FROM users u JOIN orders o ON o.customer = u.user_id "
         "WHERE u.user_id IN ('c0007', 'c0008')",
         [batch("users", "user_id", ["c0007", "c0008"]) + q(["c0007", "c0008"])]),
        ("correlated subquery",
         "SELECT u.user_id, (SELECT count(*) FROM orders o WHERE o.customer = u.user_id) "
         "FROM users u WHERE u.country = 'de'",
         [[scan_users, scan_orders],
          ["SELECT user_id FROM users WHERE country = 'de'"] + q(de, "count(*)")]),
        ("IN (SELECT ...) on the key",
         "SELECT user_id, country FROM users WHERE user_id IN (SELECT customer FROM orders "
         "WHERE status = 'returned' AND created > 1700002800)",
         [["SELECT customer FROM orders WHERE status = 'returned' AND created > 1700002800",
           scan_users],
          ["SELECT customer FROM orders WHERE status = 'returned' AND created > 1700002800"] +
          batch("users", "user_id", returned)]),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--ddbsql", required=True)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    import boto3

    joins = load_dataset()
    key_id = "bench" + uuid.uuid4().hex[:12]
    client = boto3.client("dynamodb", endpoint_url=args.endpoint, region_name="us-east-1",
                          aws_access_key_id=key_id, aws_secret_access_key="bench")
    data = joins.generate(orders=3000 * args.scale, users=300 * args.scale,
                          customers=300 * args.scale)
    started = time.monotonic()
    joins.load(client, data)
    print("loaded %s in %.1f s" % (", ".join("%d %s" % (len(v), k) for k, v in data.items()),
                                   time.monotonic() - started))
    home = tempfile.mkdtemp(prefix="ddbsql-bench-joins-")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8",
           "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_DYNAMODB": args.endpoint,
           "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": os.path.join(home, "none"),
           "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "none")}
    runner = Runner(args.ddbsql, env)
    runner.run(["SELECT count(*) FROM orders WHERE customer = 'x'",
                "SELECT count(*) FROM users WHERE user_id = 'x'",
                "SELECT count(*) FROM customers WHERE id = 'x'"])  # schema into the cache
    print("%-28s %10s %9s | %10s %9s | %6s %9s" % ("statement", "requests", "RCU", "hand req",
                                                   "hand RCU", "ratio", "wall ms"))
    worst = 0
    for name, sql, alternatives in suite(data):
        runs = [runner.run([sql]) for _ in range(args.reps)]
        requests, rcu, _ = runs[0]
        wall = statistics.median(r[2] for r in runs)
        hand = min((runner.run(alt)[:2] for alt in alternatives),
                   key=lambda h: h[0] * ROUND_TRIP + h[1])
        ratio = (requests * ROUND_TRIP + rcu) / (hand[0] * ROUND_TRIP + hand[1])
        worst = max(worst, ratio)
        print("%-28s %10d %9.1f | %10d %9.1f | %5.2fx %9.0f%s" % (
            name, requests, rcu, hand[0], hand[1], ratio, wall * 1000,
            "" if ratio <= TARGET else "  (above target %.1fx)" % TARGET))
    print("worst ratio %.2fx (target at most %.1fx)" % (worst, TARGET))
    return 0


if __name__ == "__main__":
    sys.exit(main())
