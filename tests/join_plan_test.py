#!/usr/bin/env python3
"""Statements over two and three DynamoDB tables cost what they should.

The tables (tests/joins/dataset.py): orders (3,000 items, key customer +
order_no, sparse GSI by_status, LSI by_total), users and customers (300 each).
Every statement of JOINS runs through one `ddbsql -csv` process with .stats
on; for each one the test checks

 - the answer: byte for byte what the sqlite3 shell gives on a plain SQLite
   copy of the same items (columns as ddbsql declares them, values as
   tests/differential/dataset.py maps them);
 - the requests by operation and the consumed read capacity, as upper bounds
   derived from the tables' own sizes, as DescribeTable reports them:

     scan(t)    one Scan of table t: its pages (TableSizeBytes / 1 MB, at
                least one) and ceil(TableSizeBytes / 4 KB) / 2 RCU (an
                eventually consistent read rounds each page up to 4 KB);
     lookups    a few GetItem/Query (0.5 RCU each here: every partition is
                under 4 KB) before ddbsql sees that lookups per outer row
                would cost more than one Scan and reads the table instead
                (at most LOOKUPS_BEFORE_SCAN of them).

   A statement's bound is the sum over the accesses its cheapest plan needs
   (written next to it), plus those few lookups. The old plans (a GetItem per
   outer row, a Scan per outer row) exceed them by two orders of magnitude.

Usage: join_plan_test.py --ddbsql PATH. Needs DDBSQL_TEST_DYNAMODB_URL and
the sqlite3 shell.
"""

import csv
import io
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest


import cli_support

HERE = os.path.dirname(os.path.abspath(__file__))


joins = cli_support.load_test_module("join_data", "joins/dataset.py")
diffdata = cli_support.load_test_module("differential_data", "differential/dataset.py")

MARK = "@@join@@"
LOOKUPS_BEFORE_SCAN = 3
LOOKUP_RCU = 0.5

# (name, SQL, accesses of the cheapest plan: table -> "scan" or (requests,
#  RCU) of its lookups, extra allowed lookups, operations that must not
#  appear). Where two plans cost about the same in cost.h's units (a round
#  trip is worth 10 RCU), the bound is the one written.
JOINS = [
    ("key join, big outer side (issue: 3,000 GetItem before)",
     "SELECT u.country, count(*), round(sum(o.total), 2) FROM orders o JOIN users u "
     "ON u.user_id = o.customer GROUP BY u.country ORDER BY 1",
     {"orders": "scan", "users": "scan"}, LOOKUPS_BEFORE_SCAN, ()),
    ("key join with a filter on the outer side (issue: 3,000 GetItem before)",
     "SELECT count(*), round(sum(o.total), 2) FROM customers c JOIN orders o "
     "ON o.customer = c.id WHERE c.tier = 'gold'",
     {"customers": "scan", "orders": "scan"}, LOOKUPS_BEFORE_SCAN, ("GetItem",)),
    ("non-key join (issue: a Scan per outer row before)",
     "SELECT c.id, count(*) FROM customers c JOIN orders o ON o.addr = c.name "
     "WHERE c.id < 'c0050' GROUP BY c.id ORDER BY c.id",
     {"customers": "scan", "orders": "scan"}, 0, ("GetItem", "Query")),
    ("self-join on a non-key comparison",
     "SELECT count(*) FROM orders a JOIN orders b ON a.total < b.total "
     "WHERE a.customer = 'c0001'",
     {"orders": "scan"}, 1, ("GetItem",)),
    ("three tables on keys",
     "SELECT c.tier, u.country, count(*) FROM orders o JOIN users u ON u.user_id = o.customer "
     "JOIN customers c ON c.id = o.customer GROUP BY 1, 2 ORDER BY 1, 2",
     {"orders": "scan", "users": "scan", "customers": "scan"}, 2 * LOOKUPS_BEFORE_SCAN, ()),
    ("GSI range on the outer side, key lookups inside",
     "SELECT o.customer, o.order_no, u.country FROM orders o JOIN users u "
     "ON u.user_id = o.customer WHERE o.status = 'returned' AND o.created > 1700002900 "
     "ORDER BY 1, 2",
     {"orders": (1, 0.5), "users": "scan"}, LOOKUPS_BEFORE_SCAN, ("BatchGetItem",)),
    ("sparse GSI through IS NOT NULL",
     "SELECT count(*), round(sum(o.total), 2) FROM orders o JOIN customers c ON c.id = o.customer "
     "WHERE o.status = 'paid' AND o.created IS NOT NULL AND c.tier = 'gold'",
     # Query by_status (600 items, 5 RCU) and a GetItem per gold order, or
     # both Scans (2 requests, 25.5 RCU): within 5% of each other.
     {"orders": "scan", "customers": "scan"}, LOOKUPS_BEFORE_SCAN, ()),
    ("small outer side: a lookup per row, never a Scan",
     "SELECT u.name, o.order_no, o.total FROM users u JOIN orders o ON o.customer = u.user_id "
     "WHERE u.user_id IN ('c0007', 'c0008') ORDER BY 1, 2",
     {"users": (1, 1.0), "orders": (2, 1.0)}, 0, ("Scan",)),
    ("LSI range per outer row",
     "SELECT u.user_id, o.total FROM users u JOIN orders o ON o.customer = u.user_id "
     "WHERE u.user_id = 'c0011' AND o.total > 250 ORDER BY 2",
     {"users": (1, 0.5), "orders": (1, 0.5)}, 0, ("Scan",)),
    ("correlated subquery per outer row",
     "SELECT u.user_id, (SELECT count(*) FROM orders o WHERE o.customer = u.user_id) "
     "FROM users u WHERE u.country = 'de' ORDER BY 1",
     {"users": "scan", "orders": "scan"}, LOOKUPS_BEFORE_SCAN, ()),
    ("IN (SELECT ...) on the key",
     "SELECT user_id, country FROM users WHERE user_id IN (SELECT customer FROM orders "
     "WHERE status = 'returned' AND created > 1700002800) ORDER BY 1",
     {"orders": (1, 0.5), "users": "scan"}, LOOKUPS_BEFORE_SCAN, ()),
    ("EXISTS on a non-key filter",
     "SELECT count(*) FROM customers c WHERE EXISTS (SELECT 1 FROM orders o "
     "WHERE o.customer = c.id AND o.total > 495)",
     {"customers": "scan", "orders": "scan"}, LOOKUPS_BEFORE_SCAN, ()),
]


def marked(statements):
    return cli_support.marked_statements(statements, MARK)


def split(out, count):
    return cli_support.split_at_marks(out, count, MARK)


class JoinPlanTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        import boto3
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("joins")
        cls.secret = cli_support.new_secret()
        client = boto3.client("dynamodb", endpoint_url=cls.url, region_name=cli_support.REGION,
                              aws_access_key_id=cls.key_id, aws_secret_access_key=cls.secret)
        cls.data = joins.generate()
        joins.load(client, cls.data)
        cls.sizes = {t: client.describe_table(TableName=t)["Table"]["TableSizeBytes"]
                     for t in cls.data}
        cls.tmp = tempfile.mkdtemp(prefix="ddbsql-joins-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url)

    def scan_bound(self, table):
        """Requests and RCU of one Scan of `table`."""
        size = self.sizes[table]
        return max(1, math.ceil(size / 2**20)), math.ceil(size / 4096) / 2

    def expected_db(self):
        """A plain SQLite file with the tables as ddbsql declares them."""
        columns = {}
        script = marked(["SELECT name, type FROM pragma_table_xinfo('%s') WHERE hidden = 0" % t
                         for t in self.data])
        out = self.run_cli(["-batch", "-csv"], self.env(), input=script).stdout
        for t, part in zip(self.data, split(out, len(self.data))):
            columns[t] = [tuple(r) for r in csv.reader(io.StringIO(part))]
        path = os.path.join(self.home, "expected.db")
        db = sqlite3.connect(path)
        for t, cols in columns.items():
            db.execute("CREATE TABLE %s(%s)" % (t, ", ".join("%s %s" % c for c in cols)))
            db.executemany("INSERT INTO %s VALUES (%s)" % (t, ", ".join("?" * len(cols))),
                           [[diffdata.sql_value(it.get(c[0])) for c in cols]
                            for it in self.data[t]])
        db.commit()
        db.close()
        return path

    def test_joins_cost_what_their_cheapest_plans_cost_and_answer_as_sqlite(self):
        statements = [sql for _, sql, *_ in JOINS]
        result = self.run_cli(["-batch", "-csv"], self.env(), input=marked(statements))
        got = split(result.stdout, len(JOINS))
        stat_lines = [l for l in result.stderr.splitlines() if l.startswith("requests:")]
        self.assertEqual(len(stat_lines), len(JOINS), result)
        want = cli_support.sqlite3_answers(self.expected_db(), statements, MARK)
        for (name, sql, cheapest, extra, absent), g, w, line in zip(JOINS, got, want, stat_lines):
            with self.subTest(name):
                self.assertEqual(g, w, "%s\n%s" % (sql, line))
                ops = {op: int(n) for op, n in re.findall(r"(GetItem|BatchGetItem|Query|Scan) (\d+)",
                                                           line)}
                rcu = float(re.search(r"capacity: ([\d.]+) RCU", line).group(1))
                requests = sum(ops.values())
                max_requests, max_rcu = extra, extra * LOOKUP_RCU
                for table, access in cheapest.items():
                    if access == "scan":
                        r, u = self.scan_bound(table)
                    else:
                        r, u = access
                    max_requests += r
                    max_rcu += u
                self.assertLessEqual(requests, max_requests, "%s\n%s" % (sql, line))
                self.assertLessEqual(rcu, max_rcu, "%s\n%s" % (sql, line))
                for op in absent:
                    self.assertEqual(ops.get(op, 0), 0, "%s must not use %s: %s" % (sql, op, line))

    def test_sparse_index_is_explained(self):
        result = self.run_cli(["-batch", "-cmd", "EXPLAIN QUERY PLAN SELECT count(*) FROM orders "
                               "WHERE status = 'paid'"], self.env(), input="")
        self.assertIn("Scan filter=(status=?1)", result.stdout)
        self.assertIn("sparse index: items without `created` are not in by_status",
                      result.stdout)
        result = self.run_cli(["-batch", "-cmd", "EXPLAIN QUERY PLAN SELECT count(*) FROM orders "
                               "WHERE status = 'paid' AND created IS NOT NULL"], self.env(),
                              input="")
        self.assertIn("Query index=by_status key=(status=?1)", result.stdout)

    def test_stats_line_only_when_requests_were_sent_and_reuse_shown(self):
        script = (".stats on\nSELECT 1;\n"
                  "SELECT count(*) FROM customers c JOIN orders o ON o.addr = c.name "
                  "WHERE c.id < 'c0003';\n")
        result = self.run_cli(["-batch"], self.env(), input=script)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result)  # none for SELECT 1
        self.assertRegex(lines[0], r"Scan 2\b")
        # Items DynamoDB returned (the 3 customers its filter kept, every
        # order: the join value is not sent as a filter), and more rows
        # SQLite used, as the inner side is read again from the copy.
        self.assertIn("returned: %d " % (3 + len(self.data["orders"])), lines[0])
        rows = int(re.search(r"rows: (\d+)", lines[0]).group(1))
        self.assertGreaterEqual(rows, 3 * len(self.data["orders"]))
        self.assertRegex(lines[0], r"reused: \d+ scans \(\d+ rows\) from this statement's copies")


class SchemaCacheTest(cli_support.CliTestCase):
    """Schema on start from ~/.cache/ddbsql, measured in requests through
    tests/fault_proxy.py (which logs each request's operation)."""

    @classmethod
    def setUpClass(cls):
        import boto3
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("schema")
        cls.secret = cli_support.new_secret()
        cls.client = boto3.client("dynamodb", endpoint_url=cls.url, region_name=cli_support.REGION,
                                  aws_access_key_id=cls.key_id, aws_secret_access_key=cls.secret)
        # More orders than the 100 items sampled: the sample sees part of it.
        data = joins.generate(orders=300, users=30, customers=30)
        joins.load(cls.client, data)
        cls.proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "fault_proxy.py"),
                                      cls.url, "--max-seconds", "300"], stdout=subprocess.PIPE,
                                     text=True)
        cls.proxy_url = "http://127.0.0.1:%d" % int(cls.proxy.stdout.readline())

    @classmethod
    def tearDownClass(cls):
        cls.proxy.terminate()
        cls.proxy.wait()

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION,
                             AWS_ENDPOINT_URL_DYNAMODB=self.proxy_url)

    def operations(self, script):
        """The operations one ddbsql run of `script` sends, in order, and its result."""
        import json
        import urllib.request
        urllib.request.urlopen(urllib.request.Request(self.proxy_url + "/__fault__/reset",
                                                      data=b"{}", method="POST")).read()
        result = self.run_cli(["-batch"], self.env(), input=script)
        log = json.load(urllib.request.urlopen(self.proxy_url + "/__fault__/log"))
        return [r["target"].split(".")[-1] for r in log["requests"]], result

    def test_a_point_lookup_script_costs_the_lookup_once_cached(self):
        script = "SELECT total FROM orders WHERE customer = 'c0001' AND order_no = 0;\n"
        first, r1 = self.operations(script)
        self.assertEqual(first, ["ListTables", "DescribeTable", "Scan", "GetItem"], r1)
        # The list and the sampled columns from the cache; the key schema
        # never: one DescribeTable a session.
        second, r2 = self.operations(script + script)
        self.assertEqual(second, ["DescribeTable", "GetItem", "GetItem"], r2)
        self.assertEqual(r1.stdout * 2, r2.stdout)
        self.assertTrue(os.path.isdir(os.path.join(self.home, ".cache", "ddbsql", "schema")))
        # .refresh TABLE: that table is described and sampled again.
        third, r3 = self.operations(".refresh orders\n" + script)
        self.assertEqual(third, ["ListTables", "DescribeTable", "Scan", "GetItem"], r3)
        fourth, r4 = self.operations(".refresh\n" + script)
        self.assertEqual(fourth, ["ListTables", "DescribeTable", "Scan", "GetItem"], r4)
        _, r5 = self.operations(".refresh nosuch\n")
        self.assertIn(".refresh: no DynamoDB table named nosuch", r5.stderr)
        # XDG_CACHE_HOME wins over ~/.cache.
        env = self.env()
        env["XDG_CACHE_HOME"] = os.path.join(self.home, "xdg")
        self.run_cli(["-batch"], env, input=script)
        self.assertTrue(os.path.isdir(os.path.join(self.home, "xdg", "ddbsql", "schema")))

    def test_an_attribute_the_sample_missed_gets_a_hint(self):
        # Scan order is hash order: an item far from the first page.
        key = {"customer": {"S": "zz-late"}, "order_no": {"N": "1"}}
        self.client.put_item(TableName="orders", Item=dict(key, nickname={"S": "x"}))
        try:
            _, result = self.operations("SELECT nickname FROM orders;\n")
            self.assertIn("no such column: nickname (the columns of orders come from a sample of "
                          "its items: read an attribute the sample missed as "
                          "item->>'nickname', or sample again with .refresh orders)",
                          result.stderr)
            _, result = self.operations(
                "SELECT item->>'nickname' FROM orders WHERE customer = 'zz-late';\n")
            self.assertEqual(result.stdout, "x\n", result)
            # users sampled whole just now: nothing to suggest.
            env = self.env()
            env["XDG_CACHE_HOME"] = os.path.join(self.home, "fresh-cache-" + str(time.time()))
            result = self.run_cli(["-batch"], env, input="SELECT nope FROM users;\n")
            self.assertIn("no such column: nope\n", result.stderr)
            # From the cache, a whole sample may be older than the table's
            # newest attributes: the hint is given.
            result = self.run_cli(["-batch"], env, input="SELECT nope FROM users;\n")
            self.assertIn("no such column: nope (the columns of users come from a sample",
                          result.stderr)
        finally:
            self.client.delete_item(TableName="orders", Key=key)

    def test_a_table_created_after_the_list_was_cached_is_found(self):
        self.operations("SELECT count(*) FROM users WHERE user_id = 'c0001';\n")
        name = "fresh_" + cli_support.new_key_id("t").lower()[-8:]
        self.client.create_table(
            TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        try:
            self.client.put_item(TableName=name, Item={"id": {"S": "a"}})
            # The cached list lacks it: one ListTables more, then the statement.
            ops, result = self.operations(f"SELECT id FROM {name};\nSELECT * FROM nosuch;\n")
            self.assertEqual(result.stdout, "a\n", result)
            self.assertEqual(ops[:2], ["ListTables", "DescribeTable"], ops)
            self.assertIn("no such table: nosuch", result.stderr)
            # A name still missing after the fresh list costs one ListTables, once.
            self.assertEqual(ops.count("ListTables"), 2, ops)
        finally:
            self.client.delete_table(TableName=name)

    def create(self, name, key):
        self.client.create_table(
            TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
        self.addCleanup(self.drop, name)

    def drop(self, name):
        try:
            self.client.delete_table(TableName=name)
        except self.client.exceptions.ResourceNotFoundException:
            pass

    def test_a_table_deleted_and_created_again_is_the_new_table(self):
        self.create("kx_t", "id")
        self.client.put_item(TableName="kx_t", Item={"id": {"S": "a"}, "v_id": {"N": "1"}})
        _, r = self.operations(".headers on\nSELECT * FROM kx_t;\n")
        self.assertEqual(r.stdout, "id|v_id\na|1\n", r)
        self.client.delete_table(TableName="kx_t")
        self.create("kx_t", "pk")
        self.client.put_item(TableName="kx_t", Item={"pk": {"S": "a"}, "v_pk": {"N": "1"}})
        # The cached sample is of another table: described and sampled anew,
        # with no .refresh.
        ops, r = self.operations(".headers on\nSELECT * FROM kx_t;\n"
                                 "SELECT v_pk FROM kx_t WHERE pk = 'a';\n")
        self.assertEqual(r.stdout, "pk|v_pk\na|1\nv_pk\n1\n", r)
        self.assertEqual(r.stderr, "", r)
        self.assertEqual(ops[:2], ["DescribeTable", "Scan"], ops)
        # The same table again: its sample is reused.
        ops, r = self.operations("SELECT v_pk FROM kx_t WHERE pk = 'a';\n")
        self.assertEqual(r.stdout, "1\n", r)
        self.assertEqual(ops[0], "DescribeTable", ops)
        self.assertEqual(ops.count("DescribeTable"), 1, ops)
        self.assertEqual(len(ops), 2, ops)  # and the lookup, no sample Scan

    def test_a_table_created_again_with_the_same_key_is_sampled_again(self):
        self.create("kc_t", "id")
        self.client.put_item(TableName="kc_t", Item={"id": {"S": "a"}, "old": {"N": "1"}})
        _, r = self.operations(".headers on\nSELECT * FROM kc_t;\n")
        self.assertEqual(r.stdout, "id|old\na|1\n", r)
        self.client.delete_table(TableName="kc_t")
        time.sleep(1.1)  # a creation time of its own, whatever the clock's resolution
        self.create("kc_t", "id")
        self.client.put_item(TableName="kc_t", Item={"id": {"S": "a"}, "new": {"N": "2"}})
        _, r = self.operations(".headers on\nSELECT * FROM kc_t;\n")
        self.assertEqual(r.stdout, "id|new\na|2\n", r)

    def tamper(self, table, **changes):
        """Edits the cached entry of `table`: `attributes` replaces the
        sampled columns, `arn` and `created` the description's."""
        import json
        root = os.path.join(self.home, ".cache", "ddbsql", "schema")
        found = 0
        for folder, _, files in os.walk(root):
            for name in files:
                path = os.path.join(folder, name)
                with open(path) as f:
                    entry = json.load(f)
                if entry.get("table") != table:
                    continue
                for key, value in changes.items():
                    if key == "attributes":
                        entry["attributes"] = value
                    else:
                        entry["desc"][key] = value
                with open(path, "w") as f:
                    json.dump(entry, f)
                found += 1
        self.assertEqual(found, 1, "one cache entry of %s" % table)

    def test_a_cached_sample_is_used_only_for_the_same_arn_and_creation_time(self):
        self.create("arn_t", "id")
        self.client.put_item(TableName="arn_t", Item={"id": {"S": "a"}, "real": {"N": "1"}})
        script = ".headers on\nSELECT * FROM arn_t WHERE id = 'a';\n"  # a GetItem
        _, r = self.operations(script)
        self.assertEqual(r.stdout, "id|real\na|1\n", r)
        # The entry is used as it stands while it describes this very table:
        # a column put into it shows, and nothing is sampled.
        fake = [["id", "S"], ["real", "N"], ["ghost", "S"]]
        self.tamper("arn_t", attributes=fake)
        ops, r = self.operations(script)
        self.assertEqual(r.stdout, "id|real|ghost\na|1|\n", r)
        self.assertEqual(ops, ["DescribeTable", "GetItem"], ops)
        # Another ARN, or another creation time: another table, sampled anew.
        for change in ({"arn": "arn:aws:dynamodb:us-east-1:000000000000:table/other"},
                       {"created": 1000000000.5}):
            with self.subTest(change=change):
                self.tamper("arn_t", attributes=fake, **change)
                ops, r = self.operations(script)
                self.assertEqual(r.stdout, "id|real\na|1\n", r)
                self.assertEqual(ops, ["DescribeTable", "Scan", "GetItem"], ops)

    def test_the_table_list_expires(self):
        import json
        script = "SELECT count(*) FROM users WHERE user_id = 'c0001';\n"
        self.operations(script)
        ops, _ = self.operations(script)
        self.assertNotIn("ListTables", ops)
        # An hour later (the files say), the list is asked for again; the
        # sampled columns of the same table are still used.
        root = os.path.join(self.home, ".cache", "ddbsql", "schema")
        for folder, _, files in os.walk(root):
            for name in files:
                path = os.path.join(folder, name)
                with open(path) as f:
                    entry = json.load(f)
                entry["saved_at"] -= 3601
                with open(path, "w") as f:
                    json.dump(entry, f)
        ops, r = self.operations(script)
        self.assertEqual(ops[:2], ["ListTables", "DescribeTable"], ops)
        self.assertNotIn("Scan", ops)
        self.assertEqual(r.stdout, "1\n", r)

    def test_writes_naming_an_attribute_no_column_holds_get_a_hint(self):
        self.create("hint_t", "id")
        # Described while empty: its columns are the key alone.
        _, r = self.operations("SELECT count(*) FROM hint_t;\n")
        self.assertEqual(r.stdout, "0\n", r)
        self.client.put_item(TableName="hint_t", Item={"id": {"S": "x"}, "n": {"N": "1"}})
        _, r = self.operations("INSERT INTO hint_t (id, n) VALUES ('y', 2);\n")
        self.assertIn("table hint_t has no column named n (the columns of hint_t come from a "
                      "sample of its items, and none of them is n: write an attribute no column holds "
                      "through the column item, as in INSERT INTO hint_t(..., item) VALUES "
                      "(..., json_object('n', value)), or sample again with .refresh hint_t)",
                      r.stderr)
        # A SET target is a write: the hint is the write, with the value.
        _, r = self.operations("UPDATE hint_t SET n = 3 WHERE id = 'x';\n")
        self.assertIn("no such column: n (the columns of hint_t come from a sample of its items, "
                      "and none of them is n: write an attribute no column holds through the "
                      "column item, as in SET item = json_set(item, '$.n', 3), or sample again "
                      "with .refresh hint_t)", r.stderr)
        # Read in the WHERE clause: how to read it and how to write it.
        _, r = self.operations("UPDATE hint_t SET id = id WHERE n = 1;\n")
        self.assertIn("no such column: n (the columns of hint_t come from a sample of its items, "
                      "and none of them is n: read an attribute no column holds as item->>'n' and write "
                      "it as SET item = json_set(item, '$.n', value), or sample again with "
                      ".refresh hint_t)", r.stderr)
        # The hinted statements do it.
        _, r = self.operations(
            "INSERT INTO hint_t(id, item) VALUES ('y', json_object('n', 2));\n"
            "UPDATE hint_t SET item = json_set(item, '$.n', 3) WHERE id = 'x';\n")
        self.assertEqual(r.stderr, "", r)
        items = self.client.scan(TableName="hint_t", ConsistentRead=True)["Items"]
        self.assertEqual(sorted((i["id"]["S"], i["n"]) for i in items),
                         [("x", {"N": "3"}), ("y", {"N": "2"})])

    def test_other_accounts_do_not_share_the_cache(self):
        script = "SELECT count(*) FROM users WHERE user_id = 'c0001';\n"
        self.operations(script)
        env = self.env()
        env["AWS_ACCESS_KEY_ID"] = cli_support.new_key_id("other")
        result = self.run_cli(["-batch"], env, input=script)
        # Another key id is another DynamoDB Local database, without tables.
        self.assertIn("no such table: users", result.stderr)


if __name__ == "__main__":
    cli_support.main()
