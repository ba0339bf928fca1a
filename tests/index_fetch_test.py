#!/usr/bin/env python3
"""Index key attributes are columns; index Queries fetch what the index lacks.

The table of issue 23, "an index key that is no column": gsi_t holds 3,000
items (pk S, the only key; n N, x S and a 2 KB pad S on every item) and two
sparse global secondary indexes:

  by_g  g S (HASH), KEYS_ONLY; g on 30 items (G0, G1, G2: 10 each)
  by_h  h S (HASH), hs N (RANGE), INCLUDE x; h on 200 items (H0: 160,
        H1: 40), hs on all but 40 of the H0 ones (items without hs are not
        in by_h)

The items holding g, h or hs are chosen among those the first 100-item Scan
page does not return, so ddbsql's sample sees none of them (the test checks
that it does not). Each statement's answer is compared byte for byte with
the sqlite3 shell's on a plain SQLite table of the same rows (columns as
ddbsql declares them, values as tests/differential/dataset.py maps them),
and its requests by operation and read capacity with what its cheapest plan
costs (as tests/join_plan_test.py does): a Query of the index (half a unit
per 4 KB of its small entries) plus BatchGetItem of the keys found (100 a
request, half a unit per item under 4 KB), against a Scan of the whole 6 MB
(7 requests, ~760 units).

tiny_t has the same indexes and 5 items: one Scan page is cheaper there than
a Query and a fetch, and the cost model must see that.

Usage: index_fetch_test.py --ddbsql PATH. Needs DDBSQL_TEST_DYNAMODB_URL and
the sqlite3 shell.
"""

import csv
import io
import math
import os
import re
import sqlite3

import cli_support

diffdata = cli_support.load_test_module("differential_data", "differential/dataset.py")

ITEMS = 3000
PAD = "p" * 2000
MARK = "@@index@@"


def create_indexed_table(client, name):
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t}
                              for a, t in (("pk", "S"), ("g", "S"), ("h", "S"), ("hs", "N"))],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "KEYS_ONLY"}},
            {"IndexName": "by_h", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"},
                                                {"AttributeName": "hs", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}}])
    client.get_waiter("table_exists").wait(TableName=name)


def write(client, name, items):
    for k in range(0, len(items), 25):
        request = {name: [{"PutRequest": {"Item": it}} for it in items[k:k + 25]]}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or None


def marked(statements):
    return cli_support.marked_statements(statements, MARK)


def split(out, count):
    return cli_support.split_at_marks(out, count, MARK)


def ops_of(line):
    return {op: int(n) for op, n in re.findall(r"(GetItem|BatchGetItem|Query|Scan) (\d+)", line)}


def rcu_of(line):
    return float(re.search(r"capacity: ([\d.]+) RCU", line).group(1))


def query_rcu(items):
    """Read units of a Query reading `items` index entries (about 120 bytes
    each: keys, x and DynamoDB's 100 bytes of overhead), one page."""
    return max(1, math.ceil(items * 120 / 4096)) * 0.5


# Read units of fetching `items` items (each under 4 KB) with BatchGetItem.
def fetch_rcu(items):
    return items * 0.5


# (name, SQL, operations it sends: exact counts, or "+" for at least one;
#  read units at most). A Scan of gsi_t would be 7 requests and ~760 RCU.
STATEMENTS = [
    ("count through the KEYS_ONLY index needs no fetch",
     "SELECT count(*) FROM gsi_t WHERE g = 'G1'",
     {"Query": 1, "BatchGetItem": 0, "Scan": 0}, query_rcu(10)),
    ("keys only: no fetch",
     "SELECT pk FROM gsi_t WHERE g = 'G1' ORDER BY pk",
     {"Query": 1, "BatchGetItem": 0, "Scan": 0}, query_rcu(10)),
    ("an attribute by_g lacks: Query, then BatchGetItem of the 10 keys",
     "SELECT pk, n, x FROM gsi_t WHERE g = 'G1' ORDER BY pk",
     {"Query": 1, "BatchGetItem": 1, "Scan": 0}, query_rcu(10) + fetch_rcu(10)),
    ("the whole item through a fetch",
     "SELECT item FROM gsi_t WHERE g = 'G2' ORDER BY pk",
     {"Query": 1, "BatchGetItem": 1, "Scan": 0}, query_rcu(10) + fetch_rcu(10)),
    ("a filter on an attribute by_g lacks is applied after the fetch, not sent to the Query",
     "SELECT pk, n FROM gsi_t WHERE g = 'G0' AND n > 1000 ORDER BY pk",
     {"Query": 1, "BatchGetItem": 1, "Scan": 0}, query_rcu(10) + fetch_rcu(10)),
    ("IS NULL on an attribute by_g lacks, after the fetch",
     "SELECT pk, n FROM gsi_t WHERE g = 'G0' AND hs IS NULL ORDER BY pk",
     {"Query": 1, "BatchGetItem": 1, "Scan": 0}, query_rcu(10) + fetch_rcu(10)),
    ("IN on the index key: a Query per value, one fetch",
     "SELECT g, count(*), sum(n) FROM gsi_t WHERE g IN ('G0', 'G2') GROUP BY g ORDER BY g",
     {"Query": 2, "Scan": 0, "BatchGetItem": 1}, 2 * query_rcu(10) + fetch_rcu(20)),
    ("INCLUDE: an included attribute needs no fetch",
     "SELECT pk, x FROM gsi_t WHERE h = 'H1' AND hs > 0 ORDER BY pk",
     {"Query": 1, "BatchGetItem": 0, "Scan": 0}, query_rcu(40)),
    ("INCLUDE: a filter on the included attribute goes to the Query",
     "SELECT pk, n FROM gsi_t WHERE h = 'H1' AND hs > 0 AND x >= 'x2' ORDER BY pk",
     {"Query": 1, "BatchGetItem": 1, "Scan": 0}, query_rcu(40) + fetch_rcu(40)),
    ("INCLUDE: IS NOT NULL on the included attribute, filtered by the Query",
     "SELECT pk, n FROM gsi_t WHERE h = 'H1' AND hs > 0 AND x IS NOT NULL ORDER BY pk",
     {"Query": 1, "BatchGetItem": 1, "Scan": 0}, query_rcu(40) + fetch_rcu(40)),
    ("INCLUDE: 120 keys are two BatchGetItem requests, sort key order kept",
     "SELECT pk, hs, n FROM gsi_t WHERE h = 'H0' AND hs >= 0 ORDER BY hs DESC",
     {"Query": 1, "BatchGetItem": 2, "Scan": 0}, query_rcu(120) + fetch_rcu(120)),
    ("LIMIT pushed through the fetch: 5 keys read, 5 items fetched",
     "SELECT count(*), count(n) FROM (SELECT n FROM gsi_t WHERE g = 'G1' LIMIT 5)",
     {"Query": 1, "BatchGetItem": 1, "Scan": 0}, query_rcu(5) + fetch_rcu(5)),
    # A number range is checked again by SQLite, so SQLite applies the
    # LIMIT: the first fetch (one request of at most 100 keys) is all it
    # reads, in the index's order.
    ("ORDER BY the index sort key through the fetch, LIMIT in SQLite",
     "SELECT hs, n, length(pad) FROM gsi_t WHERE h = 'H0' AND hs > 100 ORDER BY hs LIMIT 5",
     {"Query": 1, "BatchGetItem": 1, "Scan": 0}, query_rcu(120) + fetch_rcu(100)),
    ("sparse sort key: without a condition on hs the index cannot answer",
     "SELECT count(*), sum(n) FROM gsi_t WHERE h = 'H1'",
     {"Query": 0, "BatchGetItem": 0, "Scan": "+"}, 1000),
    ("a join whose inner side fetches through the index",
     "SELECT a.pk, b.pk, b.n FROM gsi_t a JOIN gsi_t b ON b.g = a.g "
     "WHERE a.pk = (SELECT min(pk) FROM gsi_t WHERE g = 'G2') ORDER BY 2",
     {"GetItem": 1, "Query": 2, "BatchGetItem": 1, "Scan": 0},
     fetch_rcu(1) + 2 * query_rcu(10) + fetch_rcu(10)),
]


class IndexFetchTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("index")
        cls.secret = cli_support.new_secret()
        client = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cls.client = client
        create_indexed_table(client, "gsi_t")
        items = {"p%04d" % i: {"pk": {"S": "p%04d" % i}, "n": {"N": str(i)},
                               "x": {"S": "x%d" % (i % 7)}, "pad": {"S": PAD}}
                 for i in range(ITEMS)}
        write(client, "gsi_t", list(items.values()))
        # What ddbsql's sample (one Scan page of 100 items) will see.
        cls.sampled = {it["pk"]["S"] for it in
                       client.scan(TableName="gsi_t", Limit=100)["Items"]}
        unseen = [pk for pk in sorted(items) if pk not in cls.sampled]
        for k, pk in enumerate(unseen[::97][:30]):
            items[pk]["g"] = {"S": "G%d" % (k % 3)}
        for k, pk in enumerate(unseen[5::13][:200]):
            items[pk]["h"] = {"S": "H0" if k % 5 else "H1"}
            if k % 5 != 4:
                items[pk]["hs"] = {"N": str(k * 3)}
        changed = [it for it in items.values() if "g" in it or "h" in it]
        write(client, "gsi_t", changed)
        cls.items = list(items.values())

        create_indexed_table(client, "tiny_t")
        write(client, "tiny_t", [{"pk": {"S": "t%d" % i}, "n": {"N": str(i)},
                                  "g": {"S": "G%d" % (i % 2)}} for i in range(5)])

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url)

    def run_script(self, script):
        return self.run_cli(["-batch", "-csv"], self.env(), input=script)

    def test_the_sample_sees_no_index_key(self):
        # The premise of the other tests: ddbsql's sample misses g, h and hs.
        first = self.client.scan(TableName="gsi_t", Limit=100)["Items"]
        self.assertEqual({it["pk"]["S"] for it in first}, self.sampled)
        self.assertFalse([it for it in first if {"g", "h", "hs"} & set(it)])

    def columns(self, table):
        out = self.run_script("SELECT name, type FROM pragma_table_xinfo('%s') "
                              "WHERE hidden = 0;\n" % table)
        self.assertEqual(out.returncode, 0, out)
        return [tuple(r) for r in csv.reader(io.StringIO(out.stdout))]

    def test_index_keys_are_typed_columns_without_refresh(self):
        cols = self.columns("gsi_t")
        self.assertEqual(cols, [("pk", "TEXT"), ("n", "NUMERIC"), ("pad", "TEXT"),
                                ("x", "TEXT"), ("g", "TEXT"), ("h", "TEXT"),
                                ("hs", "NUMERIC")])
        result = self.run_script("SELECT count(*) FROM gsi_t WHERE g = 'G1';\n")
        self.assert_ok(result)
        self.assertEqual(result.stdout, "10\n")

    def test_declared_columns_keep_the_index_keys(self):
        script = ("CREATE VIRTUAL TABLE temp.d USING dynamodb(table='gsi_t', "
                  "columns='x TEXT, hs TEXT');\n"
                  "SELECT group_concat(name || ':' || type, ' ') FROM pragma_table_xinfo('d');\n"
                  "SELECT count(*), sum(hs) FROM d WHERE h = 'H1' AND hs IS NOT NULL;\n")
        result = self.run_script(script)
        self.assert_ok(result)
        # hs is N in AttributeDefinitions: NUMERIC whatever was declared.
        want_sum = sum(int(it["hs"]["N"]) for it in self.items
                       if it.get("h") == {"S": "H1"} and "hs" in it)
        self.assertEqual(result.stdout,
                         "\"pk:TEXT x:TEXT hs:NUMERIC g:TEXT h:TEXT item:\"\n40,%d\n" % want_sum)

    def test_plans_say_query_and_fetch(self):
        result = self.run_script(
            "EXPLAIN QUERY PLAN SELECT n FROM gsi_t WHERE g = 'G1';\n"
            "EXPLAIN QUERY PLAN SELECT count(*) FROM gsi_t WHERE g = 'G1';\n"
            "EXPLAIN QUERY PLAN SELECT n FROM gsi_t WHERE h = 'H0' AND hs > 3 AND x = 'x1' "
            "AND n > 5 ORDER BY hs DESC;\n"
            "EXPLAIN QUERY PLAN SELECT n FROM tiny_t WHERE g = 'G1';\n")
        self.assert_ok(result)
        lines = [l for l in result.stdout.splitlines() if "VIRTUAL TABLE" in l]
        self.assertEqual(len(lines), 4, result)
        self.assertIn("Query index=by_g key=(g=?1) fetch=BatchGetItem project=n,g,pk", lines[0])
        self.assertIn("Query index=by_g key=(g=?1) project=g,pk", lines[1])
        self.assertNotIn("fetch", lines[1])
        # x is in by_h: filtered by the Query; n is not: SQLite checks it
        # after the fetch.
        self.assertIn("Query index=by_h key=(h=?1, hs>?2) filter=(x=?3) order=desc "
                      "fetch=BatchGetItem project=n,x,h,hs,pk", lines[2])
        # Five items: one Scan page costs less than a Query and a fetch.
        self.assertIn("Scan filter=(g=?1) project=g,n,pk -- a Query of by_g and BatchGetItem "
                      "of the attributes it lacks would cost more", lines[3])

    def expected_db(self):
        cols = self.columns("gsi_t")
        path = os.path.join(self.home, "expected.db")
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE gsi_t(%s, item)" % ", ".join("%s %s" % c for c in cols))
        db.executemany("INSERT INTO gsi_t VALUES (%s)" % ", ".join("?" * (len(cols) + 1)),
                       [[diffdata.sql_value(it.get(c[0])) for c in cols] +
                        [diffdata.item_json(it)] for it in self.items])
        db.commit()
        db.close()
        return path

    def test_index_queries_answer_as_sqlite_at_their_cost(self):
        statements = [sql for _, sql, _, _ in STATEMENTS]
        result = self.run_script(marked(statements))
        self.assertEqual(result.returncode, 0, result)
        got = split(result.stdout, len(statements))
        stat_lines = [l for l in result.stderr.splitlines() if l.startswith("requests:")]
        self.assertEqual(len(stat_lines), len(statements), result)
        want = cli_support.sqlite3_answers(self.expected_db(), statements, MARK)
        for (name, sql, ops, max_rcu), g, w, line in zip(STATEMENTS, got, want, stat_lines):
            with self.subTest(name):
                self.assertTrue(w, sql)
                self.assertEqual(g, w, "%s\n%s" % (sql, line))
                got_ops = ops_of(line)
                for op, n in ops.items():
                    if n == "+":
                        self.assertGreater(got_ops.get(op, 0), 0, "%s\n%s" % (sql, line))
                    else:
                        self.assertEqual(got_ops.get(op, 0), n, "%s\n%s" % (sql, line))
                self.assertLessEqual(rcu_of(line), max_rcu, "%s\n%s" % (sql, line))

    def test_fetch_reads_consistently_when_asked(self):
        # by_g is global (never read consistently); the fetch is: 1 RCU per
        # item instead of 0.5.
        sql = "SELECT sum(n) FROM %s WHERE g = 'G1';\n"
        script = (".stats on\nCREATE VIRTUAL TABLE temp.c USING dynamodb(table='gsi_t', "
                  "consistent=1);\n" + sql % "gsi_t" + sql % "c")
        result = self.run_script(script)
        self.assertEqual(result.returncode, 0, result)
        lines = [l for l in result.stderr.splitlines() if l.startswith("requests:")]
        self.assertEqual(len(lines), 2, result)
        self.assertEqual(result.stdout.splitlines()[0], result.stdout.splitlines()[1])
        for line in lines:
            self.assertEqual(ops_of(line).get("BatchGetItem"), 1, line)
        self.assertAlmostEqual(rcu_of(lines[1]) - rcu_of(lines[0]), 10 * 0.5, delta=0.01)


if __name__ == "__main__":
    cli_support.main()
