#!/usr/bin/env python3
"""Bulk INSERT outside BEGIN (README "Writes", vtab/write_bulk.h): a
statement's INSERT rows go up to 100 to a TransactWriteItems of conditional
puts, and keep SQLite's meaning: an existing key is a UNIQUE constraint error
naming it and nothing is overwritten, INSERT OR IGNORE skips exactly the keys
that exist, a key twice in one statement meets its first write. Run against
DynamoDB Local, checked with boto3 and the sqlite3 shell."""

import os
import re
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

MARK = "@@bulk"


def series(first, last):
    """SQL for the rows `value` from first to last."""
    return (f"(WITH RECURSIVE s(value) AS (SELECT {first} UNION ALL SELECT value + 1 FROM s"
            f" WHERE value < {last}) SELECT value FROM s)")


# Declared columns, the same in ddbsql (a virtual table) and sqlite3.
COLUMNS = "n NUMERIC, name TEXT, score REAL, tag TEXT"


def rows_sql(table, first, last, verb="INSERT"):
    """An INSERT ... SELECT of rows k<first>..k<last> (every 7th without tag;
    score never integral: an integral N reads back as INTEGER, README "Tables
    and values")."""
    return (f"{verb} INTO {table}(id, n, name, score, tag) SELECT 'k' || value, value,"
            f" 'name ' || value, value * 1.5 + 0.25,"
            f" CASE WHEN value % 7 THEN 'tag' || (value % 10) END FROM {series(first, last)}")


class BulkInsertTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("bulk")
        cls.secret = cli_support.new_secret()
        cls.ddb = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cli_support.create_table(cls.ddb, "bulk")

    def setUp(self):
        super().setUp()
        for page in self.ddb.get_paginator("scan").paginate(TableName="bulk"):
            for item in page["Items"]:
                self.ddb.delete_item(TableName="bulk", Key={"id": item["id"]})

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION,
                             XDG_STATE_HOME=os.path.join(self.home, "state"))

    def sql(self, script, url=None):
        declare = (f"CREATE VIRTUAL TABLE temp.b USING dynamodb(table='bulk', "
                   f"columns='{COLUMNS}');\n")
        return self.run_cli(["--endpoint-url", url or self.url], self.env(),
                            input=declare + script)

    def get(self, key):
        return self.ddb.get_item(TableName="bulk", Key={"id": {"S": key}},
                                 ConsistentRead=True).get("Item")

    def keys(self):
        out = set()
        for page in self.ddb.get_paginator("scan").paginate(TableName="bulk",
                                                            ConsistentRead=True):
            out.update(item["id"]["S"] for item in page["Items"])
        return out

    def put_old(self, *keys):
        for k in keys:
            self.ddb.put_item(TableName="bulk", Item={"id": {"S": k}, "name": {"S": "old"}})

    def assert_done(self, r):
        """Exit 0 with nothing on stderr but .stats' lines."""
        self.assertEqual(r.returncode, 0, r)
        other = [line for line in r.stderr.splitlines() if not line.startswith("writes:")]
        self.assertEqual(other, [], r)

    @staticmethod
    def writes_line(stderr):
        lines = [line for line in stderr.splitlines() if line.startswith("writes:")]
        return lines[0] if lines else ""

    def test_bulk_insert_equals_sqlite3_on_the_same_rows(self):
        statements = ["SELECT * FROM b ORDER BY id",
                      "SELECT count(*), sum(n), sum(score), count(tag) FROM b",
                      "SELECT tag, count(*) FROM b GROUP BY tag ORDER BY tag"]
        r = self.sql(".stats on\n" + rows_sql("b", 1, 300) + ";\n")
        self.assert_done(r)
        # 300 rows: three TransactWriteItems of 100, no PutItem.
        self.assertIn("writes: 3 (PutItem 0,", self.writes_line(r.stderr))
        self.assertIn("TransactWriteItems 3)  items written: 300  conditional failures: 0",
                      self.writes_line(r.stderr))
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "oracle.db")
            with sqlite3.connect(db) as con:
                con.execute(f"CREATE TABLE b(id TEXT PRIMARY KEY, {COLUMNS})")
                con.execute(rows_sql("b", 1, 300))
            want = cli_support.sqlite3_answers(db, statements, MARK)
        r = self.run_cli(["--endpoint-url", self.url, "-csv"], self.env(), input=(
            f"CREATE VIRTUAL TABLE temp.b USING dynamodb(table='bulk', columns='{COLUMNS}');\n" +
            cli_support.marked_statements(statements, MARK).replace(".stats on\n", "")))
        self.assert_ok(r)
        got = cli_support.split_at_marks(r.stdout, len(statements), MARK)
        self.assertEqual(got, want)
        self.assertEqual(got[1].strip(), "300,45150,67800.0,258")

    def test_a_clash_in_the_middle_of_a_chunk_stops_the_statement_there(self):
        # k120 exists: rows k1..k119 are written (SQLite's order, as if the
        # statement had stopped at k120), k120 keeps its value, k121..k150
        # are not written, and the message says how many were.
        self.put_old("k120")
        r = self.sql(rows_sql("b", 1, 150) + ";\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("UNIQUE constraint failed: INSERT into bulk (id='k120')", r.stderr)
        self.assertIn("119 items were written", r.stderr)
        self.assertEqual(self.get("k120")["name"], {"S": "old"})
        self.assertEqual(self.keys(), {f"k{i}" for i in range(1, 121)})

    def test_insert_or_ignore_skips_exactly_the_keys_that_exist(self):
        # Existing keys first, last and inside chunks: only those are
        # skipped, and .changes counts what DynamoDB wrote.
        existing = ["k1", "k2", "k57", "k100", "k101", "k199", "k250"]
        self.put_old(*existing)
        r = self.sql(".changes on\n.stats on\n" + rows_sql("b", 1, 250, "INSERT OR IGNORE") +
                     ";\n")
        self.assert_done(r)
        self.assertIn(f"changes: {250 - len(existing)}   total_changes: {250 - len(existing)}"
                      f"   conditional failures: {len(existing)}", r.stdout)
        self.assertIn(f"items written: {250 - len(existing)}  conditional failures: "
                      f"{len(existing)}", self.writes_line(r.stderr))
        self.assertEqual(self.keys(), {f"k{i}" for i in range(1, 251)})
        for k in existing:
            self.assertEqual(self.get(k)["name"], {"S": "old"}, k)
        self.assertEqual(self.get("k3")["name"], {"S": "name 3"})

    def test_a_bad_row_stops_the_statement_after_the_rows_before_it(self):
        # Row 150 holds a value column n cannot take: rows k1..k149 (some
        # still waiting for their request) are written and counted, none after.
        r = self.sql("INSERT INTO b(id, n) SELECT 'k' || value, CASE value WHEN 150 THEN 'abc' "
                     "ELSE value END FROM " + series(1, 200) + ";\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("TEXT 'abc' is not a number", r.stderr)
        self.assertIn("149 items were written", r.stderr)
        self.assertEqual(self.keys(), {f"k{i}" for i in range(1, 150)})

    def test_one_key_twice_in_a_statement(self):
        # As in SQLite: the second INSERT of k10 meets the first (written
        # first): INSERT fails there with the rows before it written, OR
        # IGNORE skips it.
        values = ", ".join(f"('k{i}', {i})" for i in list(range(1, 30)) + [10] +
                           list(range(30, 51)))
        r = self.sql(f"INSERT INTO b(id, n) VALUES {values};\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("UNIQUE constraint failed: INSERT into bulk (id='k10')", r.stderr)
        self.assertIn("29 items were written", r.stderr)
        self.assertEqual(self.keys(), {f"k{i}" for i in range(1, 30)})
        self.setUp()
        r = self.sql(f".changes on\nINSERT OR IGNORE INTO b(id, n) VALUES {values};\n"
                     "INSERT OR IGNORE INTO b(id, n) VALUES ('x', 1), ('x', 2);\n")
        self.assert_ok(r)
        self.assertIn("changes: 50   total_changes: 50   conditional failures: 1", r.stdout)
        self.assertEqual(self.keys(), {f"k{i}" for i in range(1, 51)} | {"x"})
        self.assertEqual(self.get("x")["n"], {"N": "1"})

    def test_rows_beyond_4_mb_go_in_several_requests(self):
        # 15 items of ~350 KB: over DynamoDB's 4 MB for one transaction.
        r = self.sql(".stats on\nINSERT INTO b(id, name) SELECT 'big' || value, "
                     "printf('%.*c', 350000, 'x') FROM " + series(1, 15) + ";\n")
        self.assert_done(r)
        self.assertRegex(self.writes_line(r.stderr),
                         r"TransactWriteItems [2-9]\)  items written: 15 ")
        self.assertEqual(len(self.keys()), 15)
        # One item over 400 KB: refused before anything is sent.
        r = self.sql("INSERT INTO b(id, name) SELECT 'huge' || value, "
                     "printf('%.*c', CASE value WHEN 3 THEN 420000 ELSE 10 END, 'x') FROM " +
                     series(1, 5) + ";\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("huge3", r.stderr)
        self.assertIn("400 KB", r.stderr)
        self.assertFalse({k for k in self.keys() if k.startswith("huge3")})

    def test_cancelled_for_a_conflict_or_throttling_is_sent_again(self):
        proxy = cli_support.FaultProxy(self.url)
        self.addCleanup(proxy.stop)
        proxy.control("", {"plan": ["cancel:TransactionConflict", "cancel:ThrottlingError"],
                           "only": ["TransactWriteItems"]})
        r = self.sql(".stats on\n" + rows_sql("b", 1, 100) + ";\n", url=proxy.url)
        self.assert_done(r)
        sent = [q for q in proxy.log()["requests"] if q["target"].endswith("TransactWriteItems")]
        self.assertEqual([q["fault"] for q in sent],
                         ["cancel:TransactionConflict", "cancel:ThrottlingError", "ok"])
        self.assertIn("items written: 100 ", self.writes_line(r.stderr))
        self.assertEqual(len(self.keys()), 100)
        # A reason that is no conflict is the statement's error, naming the item.
        self.setUp()
        proxy.control("", {"plan": ["cancel:ValidationError"], "only": ["TransactWriteItems"]})
        r = self.sql(rows_sql("b", 1, 100) + ";\n", url=proxy.url)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("INSERT into bulk (id='k1'): DynamoDB cancelled the write", r.stderr)
        self.assertIn("ValidationError", r.stderr)
        self.assertIn("0 items were written", r.stderr)
        self.assertEqual(self.keys(), set())

    def test_a_lost_answer_is_not_mistaken_for_a_clash(self):
        # The transaction is applied but its answer lost: the retry carries
        # the same ClientRequestToken, so DynamoDB answers it as done rather
        # than refusing the puts for keys the first attempt wrote.
        proxy = cli_support.FaultProxy(self.url)
        self.addCleanup(proxy.stop)
        proxy.control("", {"plan": ["lost"], "only": ["TransactWriteItems"]})
        r = self.sql(".changes on\n" + rows_sql("b", 1, 100) + ";\n", url=proxy.url)
        self.assert_ok(r)
        self.assertIn("changes: 100", r.stdout)
        self.assertEqual(len(self.keys()), 100)

    def test_insertcheck_batch_reads_the_keys_then_writes_in_batches(self):
        # The same meaning as the default (the clash stops the statement at
        # its row; OR IGNORE skips exactly the existing keys), through a
        # consistent BatchGetItem and BatchWriteItem instead of transactions.
        r = self.run_cli(["--endpoint-url", self.url], self.env(), input=(
            ".insertcheck\n.insertcheck batch\n.insertcheck\n.insertcheck maybe\n"))
        self.assertEqual(r.stdout.splitlines(), ["transact", "batch"])
        self.assertIn("usage: .insertcheck transact|batch", r.stderr)
        self.put_old("k120")
        r = self.sql(".insertcheck batch\n.stats on\n" + rows_sql("b", 1, 150) + ";\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("UNIQUE constraint failed: INSERT into bulk (id='k120')", r.stderr)
        self.assertIn("119 items were written", r.stderr)
        self.assertIn("TransactWriteItems 0)", self.writes_line(r.stderr))
        self.assertIn("BatchGetItem 2,", r.stderr)
        self.assertEqual(self.get("k120")["name"], {"S": "old"})
        self.assertEqual(self.keys(), {f"k{i}" for i in range(1, 121)})
        r = self.sql(".insertcheck batch\n.changes on\n" +
                     rows_sql("b", 100, 250, "INSERT OR IGNORE") + ";\n")
        self.assert_ok(r)
        self.assertIn("changes: 130   total_changes: 130   conditional failures: 21", r.stdout)
        self.assertEqual(self.keys(), {f"k{i}" for i in range(1, 251)})
        self.assertEqual(self.get("k120")["name"], {"S": "old"})
        self.assertEqual(self.get("k110")["name"], {"S": "name 110"})

    def test_writeparallel(self):
        r = self.run_cli(["--endpoint-url", self.url], self.env(), input=(
            ".writeparallel\n.writeparallel 4\n.writeparallel\n"
            ".writeparallel 0\n.writeparallel 257\n.writeparallel x\n"))
        self.assertEqual(r.stdout.splitlines(), ["32", "4"])
        self.assertEqual(len(re.findall(r"usage: \.writeparallel N", r.stderr)), 3, r.stderr)
        # One request at a time still writes everything.
        r = self.sql(".writeparallel 1\n" + rows_sql("b", 1, 250) + ";\n"
                     "REPLACE INTO b(id, n) SELECT 'k' || value, 0 FROM " + series(1, 60) + ";\n"
                     "UPDATE b SET n = n + 1 WHERE id IN ('k1', 'k2', 'k200');\n"
                     "DELETE FROM b WHERE id IN ('k3', 'k4');\n")
        self.assert_ok(r)
        self.assertEqual(len(self.keys()), 248)
        self.assertEqual(self.get("k1")["n"], {"N": "1"})
        self.assertEqual(self.get("k200")["n"], {"N": "201"})
        self.assertEqual(self.get("k61")["n"], {"N": "61"})


if __name__ == "__main__":
    cli_support.main()
