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
        # Indexed, and large enough that lookups beat a Scan (BatchGetItem).
        cls.ddb.create_table(
            TableName="txn", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t}
                                  for n, t in (("pk", "S"), ("sk", "N"), ("g", "S"), ("n", "N"))],
            GlobalSecondaryIndexes=[{"IndexName": "by_g", "Projection": {"ProjectionType": "ALL"},
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                                   {"AttributeName": "n", "KeyType": "RANGE"}]}],
            LocalSecondaryIndexes=[{"IndexName": "by_n", "Projection": {"ProjectionType": "ALL"},
                                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                  {"AttributeName": "n", "KeyType": "RANGE"}]}])
        cls.txn_rows = []
        for p in range(20):
            for sk in range(1, 21):
                row = {"pk": "p%02d" % p, "sk": sk, "n": sk, "v": "v%d" % (sk % 5)}
                if sk % 4:
                    row["g"] = "g%d" % (sk % 3)  # a sparse index
                cls.txn_rows.append(row)
        for k in range(0, len(cls.txn_rows), 25):
            cls.ddb.batch_write_item(RequestItems={"txn": [
                {"PutRequest": {"Item": {c: ({"N": str(v)} if isinstance(v, int) else {"S": v})
                                         for c, v in row.items()}}}
                for row in cls.txn_rows[k:k + 25]]})

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

    def interleaved(self, before, between, after, *flags):
        """Runs ddbsql on `before`, then `between()` (boto3, as another
        writer would) while the session waits, then `after`."""
        return self.run_cli_interleaved(["--endpoint-url", self.url, *flags], self.env(), before,
                                        between, after)

    def test_transaction_all_or_nothing(self):
        self.ddb.put_item(TableName="items", Item={"id": {"S": "exists"}, "v": {"N": "0"}})
        # Another writer creates 'late' after the INSERT found no such key:
        # COMMIT's put is still conditioned on it, and nothing is written.
        r = self.interleaved("BEGIN;\nINSERT INTO items(id) VALUES ('t1');\n"
                             "INSERT INTO items(id) VALUES ('late');\n",
                             lambda: self.ddb.put_item(TableName="items",
                                                       Item={"id": {"S": "late"}}),
                             "COMMIT;\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("COMMIT: nothing written", r.stderr)
        self.assertIn("INSERT into items (id='late'): UNIQUE constraint failed", r.stderr)
        self.assertIsNone(self.get("items", {"id": {"S": "t1"}}))
        # A key that exists when the INSERT runs fails that statement, as in
        # SQLite; the transaction goes on and COMMIT writes the rest.
        r = self.sql("BEGIN;\nINSERT INTO items(id) VALUES ('t2');\n"
                     "INSERT INTO items(id) VALUES ('exists');\nCOMMIT;\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stderr, "<stdin>:3: UNIQUE constraint failed: INSERT into items "
                                   "(id='exists'): an item with this key exists\n")
        self.assertIsNotNone(self.get("items", {"id": {"S": "t2"}}))
        r = self.sql("BEGIN;\nINSERT OR IGNORE INTO items(id, v) VALUES ('exists', 1), ('t3', 2);"
                     "\nCOMMIT;\n")
        self.assert_ok(r)
        self.assertEqual(self.get("items", {"id": {"S": "exists"}}),
                         {"id": {"S": "exists"}, "v": {"N": "0"}})
        self.assertEqual(self.get("items", {"id": {"S": "t3"}}),
                         {"id": {"S": "t3"}, "v": {"N": "2"}})
        self.ddb.delete_item(TableName="items", Key={"id": {"S": "t2"}})
        self.ddb.delete_item(TableName="items", Key={"id": {"S": "t3"}})
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
        self.assertIn("<stdin>:7: UNIQUE constraint failed: INSERT into items (id='ok')", r.stderr)
        self.assertNotIn("COMMIT:", r.stderr)
        ids = sorted(i["id"]["S"] for i in self.ddb.scan(TableName="items",
                                                         ConsistentRead=True)["Items"])
        self.assertEqual(ids, ["kept", "m1", "m2", "ok"])

    def test_a_transaction_sees_its_own_writes_on_every_access_path(self):
        """Inside BEGIN every plan sees the transaction's writes: each query
        answers as sqlite3 does on a local copy of the table with the same
        writes, and is served by the access path named beside it."""
        import sqlite3

        writes = [
            "INSERT INTO txn(pk, sk, g, n, v) VALUES ('p01', 100, 'g1', 100, 'new')",
            "DELETE FROM txn WHERE pk = 'p01' AND sk = 2",
            "UPDATE txn SET n = 50, g = 'g2' WHERE pk = 'p01' AND sk = 3",
            "UPDATE txn SET g = NULL WHERE pk = 'p01' AND sk = 5",  # out of the sparse index
            "DELETE FROM txn WHERE pk = 'p02' AND sk = 7",
            "INSERT INTO txn(pk, sk, n, v) VALUES ('p02', 7, 70, 'again')",  # DELETE then INSERT
            "UPDATE txn SET v = 'twice' WHERE pk = 'p02' AND sk = 7",
            "INSERT INTO txn(pk, sk, g, n, v) VALUES ('p02', 0, 'g0', 0, 'gone')",
            "DELETE FROM txn WHERE pk = 'p02' AND sk = 0",  # INSERT then DELETE
        ]
        queries = [
            ("GetItem", "SELECT v, n FROM txn WHERE pk = 'p01' AND sk = 100"),
            ("GetItem", "SELECT v FROM txn WHERE pk = 'p01' AND sk = 2"),
            ("BatchGetItem", "SELECT sk, v FROM txn WHERE pk = 'p01' AND sk IN (2, 3, 100, 4)"
                             " ORDER BY sk"),
            ("order=desc limit", "SELECT sk FROM txn WHERE pk = 'p01' ORDER BY sk DESC LIMIT 3"),
            ("Query key=(pk=?1, sk<", "SELECT sk, v FROM txn WHERE pk = 'p01' AND sk < 6"
                                      " ORDER BY sk"),
            ("index=by_g", "SELECT n FROM txn WHERE g = 'g2' AND n >= 14 ORDER BY n"),
            ("index=by_g", "SELECT n FROM txn WHERE g = 'g0' AND n IS NOT NULL ORDER BY n DESC"),
            ("Query", "SELECT n, sk FROM txn WHERE pk = 'p01' AND n > 17 ORDER BY n"),
            ("Scan", "SELECT count(*), sum(n) FROM txn"),
            ("filter=(g IS NULL)", "SELECT pk, sk FROM txn WHERE g IS NULL AND sk % 4 != 0"
                                   " ORDER BY pk, sk"),
            ("project=*", "SELECT item ->> 'v' FROM txn WHERE pk = 'p02' AND sk = 7"),
            ("", "SELECT a.sk, b.sk FROM txn a JOIN txn b ON b.pk = a.pk AND b.n = a.n * 2"
                 " WHERE a.pk = 'p01' ORDER BY 1"),
            # 60 lookups: after a few the table is read once, and the copy
            # answers the rest.
            ("GetItem", "SELECT count(*), sum(t.n), group_concat(t.v) FROM want w"
                        " CROSS JOIN txn t ON t.pk = w.pk AND t.sk = w.sk"),
        ]
        setup = ("CREATE TEMP TABLE want(pk TEXT, sk INTEGER);\n"
                 "INSERT INTO want VALUES ('p01', 100), ('p01', 2), ('p02', 7), ('p02', 0);\n"
                 "INSERT INTO want SELECT printf('p%02d', value / 20), value % 20 + 1 FROM " +
                 series(40, 95) + ";\n")
        script = [setup, "BEGIN;"] + [w + ";" for w in writes]
        for n, (_, q) in enumerate(queries):
            script += [".print @@%d" % n, "EXPLAIN QUERY PLAN " + q + ";", ".print @@q%d" % n,
                       q + ";"]
        script += [".print @@end", "COMMIT;"]
        r = self.sql("\n".join(script) + "\n", "-list")
        self.assert_ok(r)
        local = sqlite3.connect(":memory:")
        local.execute("CREATE TABLE txn(pk TEXT, sk NUMERIC, g TEXT, n NUMERIC, v TEXT, "
                      "PRIMARY KEY(pk, sk))")
        for row in self.txn_rows:
            local.execute("INSERT INTO txn(pk, sk, g, n, v) VALUES (?, ?, ?, ?, ?)",
                          (row["pk"], row["sk"], row.get("g"), row["n"], row["v"]))
        local.executescript(setup)
        for w in writes:
            local.execute(w)
        for n, (path, q) in enumerate(queries):
            with self.subTest(query=q):
                plan = r.stdout.split("@@%d\n" % n)[1].split("@@q%d\n" % n)[0]
                got = r.stdout.split("@@q%d\n" % n)[1].split("@@")[0]
                self.assertIn(path, plan)
                want = "\n".join("|".join("" if v is None else str(v) for v in row)
                                 for row in local.execute(q.replace("item ->> 'v'", "v")))
                self.assertEqual(got.strip("\n"), want)
        # And DynamoDB holds what the local copy does.
        items = {(i["pk"]["S"], int(i["sk"]["N"])): i for i in self.ddb.scan(
            TableName="txn", ConsistentRead=True)["Items"]}
        self.assertEqual(len(items), local.execute("SELECT count(*) FROM txn").fetchone()[0])
        self.assertEqual(items[("p02", 7)], {"pk": {"S": "p02"}, "sk": {"N": "7"},
                                             "n": {"N": "70"}, "v": {"S": "twice"}})
        self.assertNotIn(("p02", 0), items)
        self.assertNotIn(("p01", 2), items)
        self.assertEqual(items[("p01", 3)]["g"], {"S": "g2"})
        # Put the table back as it was for the other tests.
        self.ddb.delete_item(TableName="txn", Key={"pk": {"S": "p01"}, "sk": {"N": "100"}})
        for row in self.txn_rows:
            if (row["pk"], row["sk"]) in (("p01", 2), ("p01", 3), ("p01", 5), ("p02", 7)):
                self.ddb.put_item(TableName="txn", Item={
                    c: ({"N": str(v)} if isinstance(v, int) else {"S": v})
                    for c, v in row.items()})

    def other_writer_sets(self, item_id, attribute, value):
        self.ddb.update_item(TableName="items", Key={"id": {"S": item_id}},
                             UpdateExpression="SET #a = :v",
                             ExpressionAttributeNames={"#a": attribute},
                             ExpressionAttributeValues={":v": value})

    def test_writes_of_one_item_combine_into_one_action(self):
        # The issue's two cases: INSERT then DELETE leaves nothing; DELETE
        # then INSERT replaces the row (one put, not "written twice").
        self.ddb.put_item(TableName="items", Item={"id": {"S": "k03"}, "a": {"N": "1"},
                                                   "b": {"S": "b"}, "old": {"S": "x"}})
        r = self.sql(".stats on\nBEGIN;\nINSERT INTO items (id, a) VALUES ('z1', 41);\n"
                     "DELETE FROM items WHERE id = 'z1';\n"
                     "DELETE FROM items WHERE id = 'k03';\n"
                     "INSERT INTO items (id, a) VALUES ('k03', 2);\n"
                     "SELECT id, a, old FROM items ORDER BY id;\nCOMMIT;\n", "-csv")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("k03,2,\n", r.stdout)
        self.assertNotIn("z1", r.stdout)
        self.assertRegex(r.stderr, r"writes: 1 \(.*TransactWriteItems 1\)  items written: 1 ")
        self.assertIsNone(self.get("items", {"id": {"S": "z1"}}))
        self.assertEqual(self.get("items", {"id": {"S": "k03"}}),
                         {"id": {"S": "k03"}, "a": {"N": "2"}})
        # INSERT then UPDATE: one put of the new values. UPDATE then UPDATE:
        # one UpdateItem with the final values, which leaves what another
        # writer changed meanwhile in other attributes alone.
        r = self.interleaved(
            "BEGIN;\nINSERT INTO items (id, a) VALUES ('n1', 1);\n"
            "UPDATE items SET a = a + 10, b = 'x' WHERE id = 'n1';\n"
            "UPDATE items SET a = a + 1 WHERE id = 'k03';\n"
            "UPDATE items SET a = a * 10, b = 'y' WHERE id = 'k03';\n"
            "SELECT id, a, b FROM items WHERE id IN ('k03', 'n1') ORDER BY id;\n",
            lambda: self.other_writer_sets("k03", "theirs", {"S": "yes"}),
            "COMMIT;\n", "-csv")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "k03,30,y\nn1,11,x\n")
        self.assertEqual(self.get("items", {"id": {"S": "n1"}}),
                         {"id": {"S": "n1"}, "a": {"N": "11"}, "b": {"S": "x"}})
        self.assertEqual(self.get("items", {"id": {"S": "k03"}}),
                         {"id": {"S": "k03"}, "a": {"N": "30"}, "b": {"S": "y"},
                          "theirs": {"S": "yes"}})
        # The combined UPDATE keeps the first one's condition on what it read
        # from DynamoDB: another writer changing `a` in between wins, and
        # COMMIT writes nothing.
        r = self.interleaved(
            "BEGIN;\nUPDATE items SET a = a + 1 WHERE id = 'k03';\n"
            "UPDATE items SET a = a + 1 WHERE id = 'k03';\n"
            "INSERT INTO items (id) VALUES ('n2');\n",
            lambda: self.other_writer_sets("k03", "a", {"N": "-1"}),
            "COMMIT;\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("COMMIT: nothing written, DynamoDB cancelled the transaction; UPDATE items "
                      "(id='k03'): the item changed or was deleted since it was read", r.stderr)
        self.assertEqual(self.get("items", {"id": {"S": "k03"}})["a"], {"N": "-1"})
        self.assertIsNone(self.get("items", {"id": {"S": "n2"}}))
        # DELETE then INSERT is a put on condition the item still exists.
        r = self.interleaved(
            "BEGIN;\nDELETE FROM items WHERE id = 'k03';\n"
            "INSERT INTO items (id, a) VALUES ('k03', 5);\n",
            lambda: self.ddb.delete_item(TableName="items", Key={"id": {"S": "k03"}}),
            "COMMIT;\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("DELETE from items (id='k03'): the item changed or was deleted since it "
                      "was read", r.stderr)
        self.assertIsNone(self.get("items", {"id": {"S": "k03"}}))

    def test_rollback_to_restores_a_combined_write(self):
        self.ddb.put_item(TableName="items", Item={"id": {"S": "r"}, "a": {"N": "1"},
                                                   "b": {"S": "b"}})
        r = self.sql("BEGIN;\nUPDATE items SET a = 2 WHERE id = 'r';\nSAVEPOINT s;\n"
                     "UPDATE items SET a = 3, b = 'x' WHERE id = 'r';\n"
                     "DELETE FROM items WHERE id = 'r';\nROLLBACK TO s;\n"
                     "SELECT a, b FROM items WHERE id = 'r';\n"
                     # a statement failing at its second row leaves the first undone too
                     "UPDATE items SET a = 4 WHERE id = 'r';\n"
                     "INSERT INTO items (id) VALUES ('r2'), ('r');\n"
                     "SELECT count(*) FROM items WHERE id = 'r2';\n"
                     "COMMIT;\n", "-csv")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stdout, "2,b\n0\n")
        self.assertIn("<stdin>:9: UNIQUE constraint failed: INSERT into items (id='r')", r.stderr)
        self.assertEqual(self.get("items", {"id": {"S": "r"}}),
                         {"id": {"S": "r"}, "a": {"N": "4"}, "b": {"S": "b"}})
        self.assertIsNone(self.get("items", {"id": {"S": "r2"}}))

    def test_the_100_item_limit_counts_items_after_combining(self):
        # 100 items, each written twice: one action each, 100 in all.
        self.ddb.put_item(TableName="items", Item={"id": {"S": "seed"}, "v": {"N": "0"}})
        r = self.sql("BEGIN;\nINSERT INTO items(id, v) SELECT 'x' || value, value FROM " +
                     series(1, 100) + ";\nUPDATE items SET v = v + 1 WHERE id != 'seed';\n"
                     "COMMIT;\n")
        self.assert_ok(r)
        self.assertEqual(self.count("items"), 101)
        self.assertEqual(self.get("items", {"id": {"S": "x7"}})["v"], {"N": "8"})

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
        # The key and a small attribute do not bring it over 400 KB: not listed.
        self.assertNotIn("small (", r.stderr)
        self.assertNotIn("(0.0 KB)", r.stderr)

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

    def held_write(self, script, hold, between, expect_held=1):
        """Runs `script` in ddbsql behind a fault proxy that holds its `hold`
        requests (the writes) until `between()` has run: the statement has
        read its rows, another writer acts, then the writes reach DynamoDB.
        Returns the Result."""
        proxy = cli_support.FaultProxy(self.url)
        self.addCleanup(proxy.stop)
        proxy.control("", {"plan": [], "hold": hold})
        result = {}
        thread = threading.Thread(target=lambda: result.update(
            r=self.run_cli(["--endpoint-url", proxy.url], self.env(), input=script)))
        thread.start()
        try:
            log = proxy.wait_held(expect_held)
            self.assertGreaterEqual(log["held"], expect_held, log)
            between()
        finally:
            proxy.control("/release")
            thread.join()
        return result["r"]

    def test_concurrent_updates_one_wins_one_reports_the_conflict(self):
        self.ddb.put_item(TableName="items", Item={"id": {"S": "c"}, "n": {"N": "0"}})
        # The first session has read n = 0 and its write waits in the proxy;
        # the second (straight to DynamoDB) updates n to 1 meanwhile. The
        # first write is conditioned on n still being 0: refused, not retried.
        script = "UPDATE items SET n = n + 1 WHERE id = 'c';\n"
        other = []
        first = self.held_write(script, ["UpdateItem", "PutItem"],
                                lambda: other.append(self.sql(script)))
        self.assert_ok(other[0])
        self.assertEqual(first.returncode, 1, first)
        self.assertIn("table items: 1 item was not written because it changed or was deleted "
                      "since the statement read it (", first.stderr)
        self.assertIn("nothing was overwritten; 0 items were written", first.stderr)
        self.assertEqual(self.get("items", {"id": {"S": "c"}})["n"]["N"], "1")

    def test_a_conflict_finishes_the_other_rows_then_names_the_keys(self):
        for k in ("x", "y", "z"):
            self.ddb.put_item(TableName="items", Item={"id": {"S": k}, "n": {"N": "0"}})
        # One Scan reads the three rows before any write is sent; y changes
        # while the writes are held. x and z are written, y is named.
        r = self.held_write("UPDATE items SET n = n + 10 WHERE n = 0;\n",
                            ["UpdateItem", "PutItem"],
                            lambda: self.ddb.put_item(TableName="items", Item={
                                "id": {"S": "y"}, "n": {"N": "5"}}))
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("table items: 1 item was not written because it changed or was deleted "
                      "since the statement read it (", r.stderr)
        self.assertIn("'y'", r.stderr)
        self.assertNotIn("'x'", r.stderr)
        self.assertIn("nothing was overwritten; 2 items were written", r.stderr)
        got = {k: self.get("items", {"id": {"S": k}})["n"]["N"] for k in ("x", "y", "z")}
        self.assertEqual(got, {"x": "10", "y": "5", "z": "10"})

    def test_delete_is_conditioned_on_the_item_still_existing(self):
        for k in ("d1", "d2", "d3"):
            self.ddb.put_item(TableName="items", Item={"id": {"S": k}, "n": {"N": "1"}})
        # d2 is deleted by another writer after the statement read it: its
        # DeleteItem is refused (the item no longer exists), d1 and d3 go.
        r = self.held_write("DELETE FROM items WHERE n = 1;\n", ["DeleteItem"],
                            lambda: self.ddb.delete_item(TableName="items",
                                                         Key={"id": {"S": "d2"}}))
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("table items: 1 item was not written because it changed or was deleted "
                      "since the statement read it (", r.stderr)
        self.assertIn("'d2'", r.stderr)
        self.assertIn("2 items were written", r.stderr)
        for k in ("d1", "d2", "d3"):
            self.assertIsNone(self.get("items", {"id": {"S": k}}), k)

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
            # INSERT of 'a' inside BEGIN: a UNIQUE error at once, no count
            "changes: 0   total_changes: 33",  # COMMIT wrote 't'
            "changes: 1   total_changes: 34",
        ])
        writes = [line for line in r.stderr.splitlines() if line.startswith("writes:")]
        self.assertEqual(len(writes), 4, r.stderr)
        # The three rows in one TransactWriteItems, cancelled for 'a'; then
        # 'b' and 'c' in another.
        self.assertIn("writes: 2 (PutItem 0,", writes[0])
        self.assertIn("TransactWriteItems 2)  items written: 2  conditional failures: 1  ",
                      writes[0])
        self.assertIn("BatchWriteItem 2,", writes[1])  # 30 puts, 25 a request
        self.assertIn("items written: 30  conditional failures: 0", writes[1])
        self.assertIn("TransactWriteItems 1)  items written: 1  conditional failures: 0",
                      writes[2])
        self.assertEqual(self.count("items"), 1 + 2 + 30 + 1 + 1)
        self.assertIsNotNone(self.get("items", {"id": {"S": "t"}}))
        # COMMIT refused by DynamoDB (another writer created the key after
        # the INSERT looked): nothing written, the refusal counted.
        r = self.interleaved(".changes on\n.stats on\nBEGIN;\nINSERT INTO items(id) VALUES "
                             "('u');\n",
                             lambda: self.ddb.put_item(TableName="items", Item={"id": {"S": "u"}}),
                             "COMMIT;\n")
        self.assertEqual(r.returncode, 1, r)
        changes = [line for line in r.stdout.splitlines() if line.startswith("changes:")]
        self.assertEqual(changes[-1], "changes: 0   total_changes: 1   conditional failures: 1")
        self.assertIn("TransactWriteItems 1)  items written: 0  conditional failures: 1",
                      r.stderr)

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
        m = re.search(r"interrupted \((\d+) items? written(?:; (\d+) write requests?"
                      r"(?: of (\d+) items)? (?:was|were) cancelled in flight: DynamoDB may "
                      r"have applied (?:it|them))?\)", err)
        self.assertIsNotNone(m, err)
        # A request may carry many items (100 in a bulk INSERT's transaction).
        written, cancelled = int(m.group(1)), int(m.group(3) or m.group(2) or 0)
        stored = self.count("items")
        self.assertGreaterEqual(stored, written)
        self.assertLessEqual(stored, written + cancelled)
        # Requests cancelled in flight may still be applied by DynamoDB Local
        # after ddbsql has gone: wait until the table stops changing, so that
        # they do not land in the next test's table after its clean-up.
        settle = time.time() + 10
        while time.time() < settle:
            time.sleep(0.5)
            now = self.count("items")
            if now == stored:
                break
            stored = now

    def test_a_transaction_reads_its_own_encrypted_values(self):
        import json

        catalog = os.path.join(self.home, "catalog.json")
        key = "env:DDBSQL_WRITES_TEST_KEY"
        with open(catalog, "w") as f:
            json.dump({"tables": {"items": {"columns": {
                "secret": {"chain": [{"aead": "aes-256-siv", "key": key}], "as": "text"},
                "sealed": {"chain": [{"aead": "aes-256-gcm", "key": key}], "as": "text"},
            }}}}, f)
        env = self.env()
        env["DDBSQL_WRITES_TEST_KEY"] = "ab" * 32
        r = self.run_cli(["--endpoint-url", self.url, "--catalog", catalog, "-csv"], env, input=(
            "BEGIN;\nINSERT INTO items(id, secret, sealed) VALUES ('e1', 'abc', 'xyz');\n"
            "EXPLAIN QUERY PLAN SELECT id FROM items WHERE secret = 'abc';\n"
            "SELECT id, sealed FROM items WHERE secret = 'abc';\n"
            "UPDATE items SET sealed = 'new', secret = 'def' WHERE id = 'e1';\n"
            "SELECT id, secret, sealed FROM items WHERE id = 'e1';\n"
            "SELECT count(*) FROM items WHERE secret = 'abc';\n"
            "COMMIT;\nSELECT id, secret, sealed FROM items WHERE secret = 'def';\n"))
        self.assert_ok(r)
        lines = r.stdout.splitlines()
        self.assertIn("filter=(secret=?1)", lines[1])  # the encrypted literal is pushed down
        self.assertEqual(lines[2:], ["e1,xyz", "e1,def,new", "0", "e1,def,new"])
        self.assertIn("B", self.get("items", {"id": {"S": "e1"}})["sealed"])

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
