#!/usr/bin/env python3
"""Writes through DynamoDB tables (README "Writes"): INSERT, REPLACE, UPDATE,
DELETE, BEGIN ... COMMIT, read-only sessions and refused schema changes, run
by ddbsql against DynamoDB Local and checked with boto3 as the peer that
reads what was written."""

import os
import sqlite3
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402


def series(first, last):
    """SQL for the rows `value` from first to last (no generate_series here)."""
    return (f"(WITH RECURSIVE s(value) AS (SELECT {first} UNION ALL SELECT value + 1 FROM s"
            f" WHERE value < {last}) SELECT value FROM s)")


class WritesTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("writes")
        cls.secret = cli_support.new_secret()
        cls.ddb = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cli_support.create_table(cls.ddb, "items")
        cli_support.create_table(cls.ddb, "events", key="pk", range_key=("sk", "N"))
        cli_support.create_table(cls.ddb, "blobs", key="k", key_type="B")

    def setUp(self):
        super().setUp()
        for table, key in (("items", ["id"]), ("events", ["pk", "sk"]), ("blobs", ["k"])):
            for page in self.ddb.get_paginator("scan").paginate(TableName=table):
                for item in page["Items"]:
                    self.ddb.delete_item(TableName=table, Key={k: item[k] for k in key})

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION,
                             XDG_STATE_HOME=os.path.join(self.home, "state"))

    def sql(self, script, *flags):
        return self.run_cli(["--endpoint-url", self.url, *flags], self.env(), input=script)

    def get(self, table, key):
        return self.ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")

    def count(self, table):
        return self.ddb.scan(TableName=table, Select="COUNT", ConsistentRead=True)["Count"]

    def test_insert_types_read_back_by_boto3(self):
        r = self.sql("CREATE VIRTUAL TABLE temp.i USING dynamodb(table='items', "
                     "columns='n NUMERIC, s TEXT, b BLOB, flag INTEGER, tags TEXT');\n"
                     "INSERT INTO i(id, n, s, b, item) VALUES ('a', '12345678901234567890123', 42,"
                     " x'00ff', '{\"doc\": {\"x\": [1, \"y\", true, null]}, \"f\": 1.5}');\n"
                     "INSERT INTO i(id, n, s) VALUES ('b', 0.1, 'text');\n")
        self.assert_ok(r)
        a = self.get("items", {"id": {"S": "a"}})
        self.assertEqual(a["n"], {"N": "12345678901234567890123"})
        self.assertEqual(a["s"], {"S": "42"})  # TEXT column: the number's text
        self.assertEqual(a["b"], {"B": b"\x00\xff"})
        self.assertEqual(a["f"], {"N": "1.5"})
        self.assertEqual(a["doc"], {"M": {"x": {"L": [{"N": "1"}, {"S": "y"}, {"BOOL": True},
                                                      {"NULL": True}]}}})
        b = self.get("items", {"id": {"S": "b"}})
        self.assertEqual(b["n"], {"N": "0.1"})
        self.assertNotIn("b", b)  # NULL: no attribute

    def test_insert_clash_is_a_constraint_error_and_writes_nothing(self):
        self.ddb.put_item(TableName="items", Item={"id": {"S": "a"}, "v": {"S": "old"}})
        r = self.sql("INSERT INTO items(id, item) VALUES ('a', '{\"v\": \"new\"}');\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("UNIQUE constraint failed", r.stderr)
        self.assertIn("items", r.stderr)
        self.assertIn("id='a'", r.stderr)
        self.assertEqual(self.get("items", {"id": {"S": "a"}})["v"], {"S": "old"})
        # INSERT OR IGNORE skips it; REPLACE overwrites it.
        self.assert_ok(self.sql("INSERT OR IGNORE INTO items(id, item) VALUES ('a', '{\"v\": 1}');"))
        self.assertEqual(self.get("items", {"id": {"S": "a"}})["v"], {"S": "old"})
        self.assert_ok(self.sql("REPLACE INTO items(id, item) VALUES ('a', '{\"v\": \"new\"}');"))
        self.assertEqual(self.get("items", {"id": {"S": "a"}})["v"], {"S": "new"})

    def test_one_key_twice_in_a_statement_is_written_in_order(self):
        # As in SQLite: the first row is written first; the second clashes
        # (INSERT), is skipped (OR IGNORE) or overwrites it (REPLACE).
        for i in range(3):
            rows = "VALUES ('{0}', '{{\"n\": 1}}'), ('{0}', '{{\"n\": 2}}');"
            r = self.sql("INSERT INTO items(id, item) " + rows.format(f"d{i}"))
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("1 item was written", r.stderr)
            self.assert_ok(self.sql("INSERT OR IGNORE INTO items(id, item) " +
                                    rows.format(f"i{i}")))
            self.assert_ok(self.sql("REPLACE INTO items(id, item) " + rows.format(f"r{i}")))
            for key, n in ((f"d{i}", "1"), (f"i{i}", "1"), (f"r{i}", "2")):
                self.assertEqual(self.get("items", {"id": {"S": key}})["n"], {"N": n}, key)

    def test_replace_many_goes_in_batches(self):
        r = self.sql("REPLACE INTO items(id, item) SELECT 'r' || value, json_object('n', value)"
                     " FROM " + series(1, 260) + ";")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.count("items"), 260)
        self.assertEqual(self.get("items", {"id": {"S": "r77"}})["n"], {"N": "77"})

    def test_insert_select_many(self):
        r = self.sql("INSERT INTO items(id, item) SELECT 'i' || value, json_object('n', value)"
                     " FROM " + series(1, 300) + ";\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.count("items"), 300)

    def test_update_sets_changed_attributes_and_null_removes(self):
        self.ddb.put_item(TableName="items", Item={
            "id": {"S": "u"}, "n": {"N": "1"}, "keep": {"SS": ["a", "b"]}, "gone": {"S": "x"}})
        r = self.sql("UPDATE items SET n = n + 1, gone = NULL WHERE id = 'u';\n"
                     "UPDATE items SET item = json_set(item, '$.extra', 'e') WHERE id = 'u';\n")
        self.assert_ok(r)
        u = self.get("items", {"id": {"S": "u"}})
        self.assertEqual(u["n"], {"N": "2"})
        self.assertNotIn("gone", u)
        self.assertEqual(set(u["keep"]["SS"]), {"a", "b"})  # untouched, still a set
        self.assertEqual(u["extra"], {"S": "e"})

    def test_item_json_rewrites_only_what_changed(self):
        # The item column shows B as base64 and sets as arrays; writing it
        # back must keep every value the statement did not change, at any
        # depth, exactly as stored.
        doc = {"M": {"b": {"B": b"zz"}, "tags": {"SS": ["q", "r"]}, "nums": {"NS": ["1.50"]}}}
        self.ddb.put_item(TableName="items", Item={"id": {"S": "u1"}, "doc": doc,
                                                   "lst": {"L": [{"B": b"\x01"}]},
                                                   "n": {"N": "1.50"}})
        before = self.get("items", {"id": {"S": "u1"}})  # as DynamoDB keeps it
        self.assert_ok(self.sql("UPDATE items SET item = json_set(item, '$.x', 1) "
                                "WHERE id = 'u1';"))
        self.assertEqual(self.get("items", {"id": {"S": "u1"}}), dict(before, x={"N": "1"}))
        self.assert_ok(self.sql("UPDATE items SET item = json_set(item, '$.doc.c', 5, "
                                "'$.doc.tags', json_array('q', 'r', 's')) WHERE id = 'u1';"))
        item = self.get("items", {"id": {"S": "u1"}})
        self.assertEqual(item["doc"], {"M": {"b": {"B": b"zz"}, "tags": {"SS": ["q", "r", "s"]},
                                             "nums": before["doc"]["M"]["nums"],
                                             "c": {"N": "5"}}})
        self.assertEqual(item["lst"], {"L": [{"B": b"\x01"}]})

    def test_update_without_key_condition_and_delete(self):
        for i in range(30):
            self.ddb.put_item(TableName="events", Item={"pk": {"S": "p"}, "sk": {"N": str(i)},
                                                        "v": {"N": str(i)}})
        r = self.sql("UPDATE events SET v = v * 10 WHERE v >= 20;\n"
                     "DELETE FROM events WHERE sk < 5;\n")
        self.assert_ok(r)
        self.assertEqual(self.count("events"), 25)
        self.assertEqual(self.get("events", {"pk": {"S": "p"}, "sk": {"N": "21"}})["v"],
                         {"N": "210"})
        self.assertEqual(self.get("events", {"pk": {"S": "p"}, "sk": {"N": "19"}})["v"],
                         {"N": "19"})

    def test_key_change_moves_the_item(self):
        self.ddb.put_item(TableName="items", Item={"id": {"S": "old"}, "v": {"N": "5"}})
        self.ddb.put_item(TableName="items", Item={"id": {"S": "taken"}})
        self.assert_ok(self.sql("UPDATE items SET id = 'new' WHERE id = 'old';"))
        self.assertIsNone(self.get("items", {"id": {"S": "old"}}))
        self.assertEqual(self.get("items", {"id": {"S": "new"}})["v"], {"N": "5"})
        r = self.sql("UPDATE items SET id = 'taken' WHERE id = 'new';")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("UNIQUE constraint failed", r.stderr)
        self.assertIsNotNone(self.get("items", {"id": {"S": "new"}}))
        # A new key and new values in one statement: the put carries both.
        self.assert_ok(self.sql("UPDATE items SET id = 'newer', item = json_set(item, '$.v', 6,"
                                " '$.w', 'x') WHERE id = 'new';"))
        self.assertIsNone(self.get("items", {"id": {"S": "new"}}))
        self.assertEqual(self.get("items", {"id": {"S": "newer"}}),
                         {"id": {"S": "newer"}, "v": {"N": "6"}, "w": {"S": "x"}})

    def test_transaction_all_or_nothing(self):
        self.ddb.put_item(TableName="items", Item={"id": {"S": "exists"}})
        r = self.sql("BEGIN;\nINSERT INTO items(id) VALUES ('t1');\n"
                     "INSERT INTO items(id) VALUES ('exists');\nCOMMIT;\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("COMMIT: nothing written", r.stderr)
        self.assertIn("id='exists'", r.stderr)
        self.assertIsNone(self.get("items", {"id": {"S": "t1"}}))
        r = self.sql("BEGIN;\nINSERT INTO items(id) VALUES ('t1');\n"
                     "INSERT INTO events(pk, sk) VALUES ('x', 1);\nROLLBACK;\n")
        self.assert_ok(r)
        self.assertEqual(self.count("events"), 0)
        r = self.sql("BEGIN;\nINSERT INTO items(id) VALUES ('t1');\n"
                     "INSERT INTO events(pk, sk) VALUES ('x', 1);\n"
                     "DELETE FROM items WHERE id = 'exists';\nCOMMIT;\n")
        self.assert_ok(r)
        self.assertIsNotNone(self.get("items", {"id": {"S": "t1"}}))
        self.assertIsNone(self.get("items", {"id": {"S": "exists"}}))
        self.assertEqual(self.count("events"), 1)

    def test_a_failed_statement_inside_begin_is_undone_as_in_sqlite(self):
        # The second statement fails at its second row: its first row must
        # not reach COMMIT. ROLLBACK TO drops what followed the savepoint.
        r = self.sql("BEGIN;\nINSERT INTO items(id) VALUES ('ok');\n"
                     "INSERT INTO items(id) VALUES ('m1'), ('m2');\n"
                     "INSERT INTO items(id) SELECT json(v) FROM (SELECT '\"half\"' AS v "
                     "UNION ALL SELECT 'bad{');\n"
                     "INSERT INTO items(id, item) VALUES ('y', '{}'), ('z', 'notjson');\n"
                     "INSERT INTO items(id, item) VALUES ('w', 'notjson');\n"
                     "INSERT INTO items(id) VALUES ('ok');\n"  # twice in one transaction
                     "SAVEPOINT s1;\nINSERT INTO items(id) VALUES ('gone');\nROLLBACK TO s1;\n"
                     "INSERT INTO items(id) VALUES ('kept');\nCOMMIT;\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("malformed JSON", r.stderr)
        self.assertIn("invalid JSON", r.stderr)
        self.assertIn("the same item is written twice in this transaction", r.stderr)
        self.assertNotIn("COMMIT:", r.stderr)
        ids = sorted(i["id"]["S"] for i in self.ddb.scan(TableName="items",
                                                         ConsistentRead=True)["Items"])
        self.assertEqual(ids, ["kept", "m1", "m2", "ok"])

    def test_transaction_over_the_limit_writes_nothing(self):
        r = self.sql("BEGIN;\nINSERT INTO items(id) SELECT 'x' || value FROM " + series(1, 101) + ";"
                     "\nCOMMIT;\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("at most 100 writes", r.stderr)
        self.assertEqual(self.count("items"), 0)

    def test_bad_input_is_refused_before_anything_is_written(self):
        cases = [
            ("INSERT INTO items(id, item) VALUES (NULL, '{\"v\": 1}');", "cannot be NULL"),
            ("INSERT INTO events(pk, sk) VALUES ('p', 'abc');", "not a number"),
            ("INSERT INTO blobs(k) VALUES ('text');", "not a BLOB"),
            ("INSERT INTO items(id, item) VALUES ('big', json_object('body', "
             "printf('%.*c', 500000, 'x')));", "over DynamoDB's 400 KB limit"),
            ("INSERT INTO items(id, item) VALUES ('n', '{\"n\": 1e200}');", "DynamoDB number"),
            ("INSERT INTO items(id, item) VALUES ('j', 'not json');", "column item"),
        ]
        for sql, needle in cases:
            with self.subTest(sql=sql):
                r = self.sql(sql)
                self.assertEqual(r.returncode, 1, r)
                self.assertIn(needle, r.stderr)
        self.assertEqual(self.count("items") + self.count("events") + self.count("blobs"), 0)
        r = self.sql("INSERT INTO items(id, item) VALUES ('big', json_object('body', "
                     "printf('%.*c', 500000, 'x'), 'small', 'y'));")
        self.assertIn("body (", r.stderr)
        self.assertIn("S3-backed column", r.stderr)

    def test_writes_keep_each_attributes_stored_type(self):
        # Other programs read these tables with fixed models: a value that
        # converts keeps the stored type, one that does not is an error that
        # names attribute, type and value, and the item is left as it was.
        stored = {"id": {"S": "t"}, "count": {"N": "5"}, "nums": {"NS": ["1", "2"]},
                  "doc": {"M": {"a": {"N": "1"}}}, "tags": {"SS": ["x", "y"]},
                  "flag": {"BOOL": True}, "raw": {"B": b"\x00\x01"}, "lst": {"L": []},
                  "name": {"S": "n"}}
        self.ddb.put_item(TableName="items", Item=stored)
        refused = [
            ("count = 'abc'", "count holds DynamoDB type N", "TEXT 'abc'"),
            ("count = x'01'", "count holds DynamoDB type N", "BLOB x'01'"),
            ("nums = '[1, \"a\"]'", "nums holds DynamoDB type NS", "TEXT '[1, \"a\"]'"),
            ("doc = 'plain'", "doc holds DynamoDB type M", "TEXT 'plain'"),
            ("doc = '[1]'", "doc holds DynamoDB type M", "TEXT '[1]'"),
            ("tags = 'z'", "tags holds DynamoDB type SS", "TEXT 'z'"),
            ("flag = 7", "flag holds DynamoDB type BOOL", "INTEGER 7"),
            ("raw = 'text'", "raw holds DynamoDB type B", "TEXT 'text'"),
            ("lst = '{}'", "lst holds DynamoDB type L", "TEXT '{}'"),
            ("name = x'00'", "name holds DynamoDB type S", "BLOB x'00'"),
        ]
        for assignment, *needles in refused:
            with self.subTest(assignment=assignment):
                r = self.sql(f"UPDATE items SET {assignment} WHERE id = 't';\n")
                self.assert_one_line_error(r, 1, "UPDATE items (id='t')", *needles,
                                           "through the item column")
        self.assertEqual(self.get("items", {"id": {"S": "t"}}), stored)
        # Values that convert keep the stored type.
        self.assert_ok(self.sql(
            "UPDATE items SET count = '12', nums = '[3, 4.5]', doc = '{\"b\": 2}',"
            " tags = json_array('z'), flag = '0', raw = x'ff', lst = '[\"q\"]', name = 42"
            " WHERE id = 't';\n"))
        self.assertEqual(self.get("items", {"id": {"S": "t"}}), {
            "id": {"S": "t"}, "count": {"N": "12"}, "nums": {"NS": ["3", "4.5"]},
            "doc": {"M": {"b": {"N": "2"}}}, "tags": {"SS": ["z"]}, "flag": {"BOOL": False},
            "raw": {"B": b"\xff"}, "lst": {"L": [{"S": "q"}]}, "name": {"S": "42"}})
        # A new item gets the column's type: 'abc' is no number for count.
        r = self.sql("INSERT INTO items(id, count) VALUES ('new', 'abc');\n")
        self.assert_one_line_error(r, 1, "count holds DynamoDB type N", "TEXT 'abc'")
        self.assertIsNone(self.get("items", {"id": {"S": "new"}}))
        # On purpose, through the item column: its JSON says the type.
        self.assert_ok(self.sql(
            "UPDATE items SET item = json_set(item, '$.count', 'abc', '$.doc', 'plain')"
            " WHERE id = 't';\n"))
        t = self.get("items", {"id": {"S": "t"}})
        self.assertEqual((t["count"], t["doc"]), ({"S": "abc"}, {"S": "plain"}))

    def test_readonly_refuses_every_write(self):
        r = self.sql("INSERT INTO items(id) VALUES ('ro');", "--readonly")
        self.assert_one_line_error(r, 1, "read-only")
        r = self.sql(".readonly on\nDELETE FROM items;\n.readonly off\n"
                     "INSERT INTO items(id) VALUES ('rw');\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("read-only", r.stderr)
        self.assertEqual(self.count("items"), 1)

    def test_a_readonly_session_stays_readonly(self):
        # As sqlite3's -readonly: the script it runs cannot switch it off.
        script = os.path.join(self.home, "s.sql")
        with open(script, "w") as f:
            f.write(".readonly off\nINSERT INTO items(id) VALUES ('x');\n")
        r = self.run_cli(["--endpoint-url", self.url, "--readonly", script], self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("s.sql:1: .readonly off: this session was started with --readonly",
                      r.stderr)
        self.assertIn("s.sql:2: table items: read-only session (--readonly)", r.stderr)
        self.assertEqual(self.count("items"), 0)
        r = self.sql(".readonly\n", "--readonly")
        self.assertEqual(r.stdout, "readonly: on (--readonly)\n")

    def test_readonly_allows_local_work(self):
        # Read-only means nothing is written to DynamoDB or S3: temp tables,
        # an attached database (README's slice workflow) and .import into a
        # local table are local work.
        self.ddb.put_item(TableName="items", Item={"id": {"S": "a"}, "n": {"N": "1"}})
        self.ddb.put_item(TableName="items", Item={"id": {"S": "b"}, "n": {"N": "2"}})
        slice_db = os.path.join(self.home, "slice.db")
        data = os.path.join(self.home, "data.csv")
        with open(data, "w") as f:
            f.write("k,v\nx,1\ny,2\n")
        r = self.sql(
            "CREATE TEMP TABLE t AS SELECT id, n FROM items;\n"
            "SELECT sum(n) FROM t;\n"
            f"ATTACH '{slice_db}' AS s;\n"
            "CREATE TABLE s.items AS SELECT * FROM items WHERE n > 1;\n"
            "SELECT id FROM s.items;\n"
            f".import --csv {data} imported\n"
            "SELECT sum(v) FROM imported;\n"
            "CREATE TABLE local(x); INSERT INTO local VALUES (1); SELECT x FROM local;\n",
            "--readonly")
        self.assert_ok(r)
        self.assertEqual(r.stdout, "3\nb\n3\n1\n")
        with sqlite3.connect(slice_db) as db:
            self.assertEqual(db.execute("SELECT id, n FROM items").fetchall(), [("b", 2)])
        # DynamoDB tables stay untouched, whatever the way in.
        for sql in ("INSERT INTO items(id) SELECT id || '2' FROM items;",
                    "UPDATE items SET n = 9;", "DELETE FROM items;",
                    f".import --csv {data} items"):
            with self.subTest(sql=sql):
                r = self.sql(sql + "\n", "--readonly")
                self.assertEqual(r.returncode, 1, r)
        self.assertEqual(self.count("items"), 2)
        self.assertEqual(self.get("items", {"id": {"S": "a"}})["n"], {"N": "1"})

    def test_drop_and_alter_are_refused(self):
        r = self.sql("DROP TABLE items;\n")
        self.assert_one_line_error(r, 1, "DROP TABLE items refused", "DynamoDB is untouched")
        r = self.sql("ALTER TABLE items RENAME TO other;\n")
        self.assert_one_line_error(r, 1, "ALTER TABLE items refused")
        r = self.sql("DROP TABLE items;\nSELECT count(*) FROM items;\n")
        self.assertIn("0", r.stdout)  # still there
        r = self.sql("CREATE VIRTUAL TABLE temp.x USING dynamodb(table='items');\nDROP TABLE x;\n")
        self.assert_ok(r)

    def test_concurrent_updates_one_wins_one_reports_the_conflict(self):
        self.ddb.put_item(TableName="items", Item={"id": {"S": "c"}, "n": {"N": "0"}})
        # Both read n = 0 first (the read is slow enough to overlap: a scan
        # through sleeping rows), then write n + 1 conditioned on n = 0.
        script = ("UPDATE items SET n = n + 1 WHERE id = 'c' AND "
                  "(SELECT count(*) FROM " + series(1, 3000000) + ") > 0;\n")
        results = [None, None]

        def run(i):
            results[i] = self.sql(script)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        n = self.get("items", {"id": {"S": "c"}})["n"]["N"]
        failed = [r for r in results if r.returncode != 0]
        if n == "2":
            self.skipTest("the two updates did not overlap")
        self.assertEqual(n, "1")
        self.assertEqual(len(failed), 1, results)
        self.assertIn("changed or was deleted since the statement read it", failed[0].stderr)

    def test_changes_and_stats_count_what_dynamodb_wrote(self):
        """`.changes` counts items DynamoDB wrote, not rows SQLite handed over,
        and reports conditional failures; `.stats` shows the write requests."""
        self.ddb.put_item(TableName="items", Item={"id": {"S": "a"}})
        r = self.sql(".changes on\n.stats on\n"
                     "INSERT OR IGNORE INTO items(id) VALUES ('a'), ('b'), ('c');\n"
                     "REPLACE INTO items(id) SELECT 'r' || value FROM " + series(1, 30) + ";\n"
                     "BEGIN;\nINSERT INTO items(id) VALUES ('t');\n"
                     "INSERT INTO items(id) VALUES ('a');\nCOMMIT;\n"
                     "INSERT INTO items(id) VALUES ('d');\n"
                     "SELEC 1;\n")  # a failed input that wrote nothing prints no count
        self.assertEqual(r.returncode, 1, r)
        changes = [line for line in r.stdout.splitlines() if line.startswith("changes:")]
        self.assertEqual(changes, [
            # 'a' exists: two of three written, one conditional failure
            "changes: 2   total_changes: 2   conditional failures: 1",
            "changes: 30   total_changes: 32",
            "changes: 30   total_changes: 32",  # BEGIN (as sqlite3: the last count)
            "changes: 1   total_changes: 33",  # inside BEGIN: counted by SQLite
            "changes: 1   total_changes: 34",
            # COMMIT writes nothing (as sqlite3, total_changes keeps the rows)
            "changes: 0   total_changes: 34   conditional failures: 1",
            "changes: 1   total_changes: 35",
        ])
        writes = [line for line in r.stderr.splitlines() if line.startswith("writes:")]
        self.assertEqual(len(writes), 4, r.stderr)
        self.assertIn("writes: 3 (PutItem 3,", writes[0])
        self.assertIn("items written: 2  conditional failures: 1  capacity: 2.0 WCU", writes[0])
        self.assertIn("BatchWriteItem 2,", writes[1])  # 30 puts, 25 a request
        self.assertIn("items written: 30  conditional failures: 0", writes[1])
        self.assertIn("TransactWriteItems 1)  items written: 0  conditional failures: 1",
                      writes[2])
        self.assertEqual(self.count("items"), 1 + 2 + 30 + 1)
        self.assertIsNone(self.get("items", {"id": {"S": "t"}}))

    def test_ctrl_c_during_a_write_says_what_was_written(self):
        # Interrupted outside BEGIN: the items written stay, and the message
        # counts them and the requests cancelled in flight (which DynamoDB
        # may have applied).
        import re
        import signal
        import time

        proc = subprocess.Popen(
            [cli_support.DDBSQL, "--endpoint-url", self.url, "-c",
             "INSERT INTO items(id) SELECT 'c' || value FROM " + series(1, 50000)],
            env=self.env(), cwd=self.home, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        deadline = time.time() + 20
        while self.count("items") < 50 and time.time() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 1, err)
        m = re.search(r"interrupted \((\d+) items written(?:; (\d+) write requests were "
                      r"cancelled in flight: DynamoDB may have applied them)?\)", err)
        self.assertIsNotNone(m, err)
        written, cancelled = int(m.group(1)), int(m.group(2) or 0)
        stored = self.count("items")
        self.assertGreaterEqual(stored, written)
        self.assertLessEqual(stored, written + cancelled)

    def test_deterministic_pynamodb_mate_values_are_written_bit_exact(self):
        """Each deterministic vector of tests/data/pynamodb_mate/vectors.json,
        INSERTed as its plain value, is stored byte for byte as pynamodb_mate
        stores it (boto3 reads the B attribute back)."""
        import base64
        import json

        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "data", "pynamodb_mate", "vectors.json")) as f:
            vectors = [v for v in json.load(f)
                       if v.get("determinative") is True and v["codec"].startswith(
                           "pynamodb_mate.Encrypted") and "Json" not in v["codec"]]
        vectors = [v for v in vectors if v["password"] == vectors[0]["password"]]
        self.assertGreater(len(vectors), 5)
        catalog = os.path.join(self.home, "catalog.json")
        columns = {}
        for i, v in enumerate(vectors):
            columns[f"v{i}"] = {"codec": v["codec"].split(".")[1], "determinative": True,
                                "key": "env:DDBSQL_WRITES_TEST_PASSWORD"}
        with open(catalog, "w") as f:
            json.dump({"tables": {"items": {"columns": columns}}}, f)
        names = ", ".join(columns)

        def literal(v):
            if "Number" in v["codec"]:
                # As text: a NUMERIC column keeps all its digits (beyond int64 too).
                return "'" + str(v["value"]) + "'"
            if "Binary" in v["codec"]:
                return "x'" + base64.b64decode(v["value_b64"]).hex() + "'"
            return "'" + str(v["value"]).replace("'", "''") + "'"

        values = ", ".join(literal(v) for v in vectors)
        env = self.env()
        env["DDBSQL_WRITES_TEST_PASSWORD"] = vectors[0]["password"]
        r = self.run_cli(["--endpoint-url", self.url, "--catalog", catalog], env,
                         input=f"INSERT INTO items(id, {names}) VALUES ('pm', {values});\n")
        self.assertEqual(r.returncode, 0, r)
        item = self.get("items", {"id": {"S": "pm"}})
        for i, v in enumerate(vectors):
            with self.subTest(codec=v["codec"], value=v.get("value", v.get("value_b64"))):
                self.assertEqual(base64.b64encode(item[f"v{i}"]["B"]).decode(), v["stored_B"])


if __name__ == "__main__":
    cli_support.main()
