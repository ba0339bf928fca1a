#!/usr/bin/env python3
"""The crash matrix of writes through S3 columns (README "Writes"): ddbsql is
killed with SIGKILL at each step of an INSERT, UPDATE and DELETE touching one
to three S3 columns, restarted (start-up recovery runs before the first
statement), and boto3 then checks S3 and DynamoDB: zero orphaned objects,
zero dangling references, no committed write lost, no uncommitted write
visible, nothing left pending in the ledger. The kill comes from the
test-only hook DDBSQL_TEST_CRASH_AT (engine/ledger/ledger.h: TestCrashPoint).
Some restarts run while the killed process is still a zombie (not reaped),
and an owner stopped mid-write (DDBSQL_TEST_PAUSE_AT) holds its lock: its
entry is left alone. Beyond single rows: a transaction's COMMIT, a batched
multi-row INSERT, shared S3Backed objects. (A key move writes no S3: an
S3Backed URI is copied as stored, and the rest is refused, so it has no
ledger step to crash at.)

Also the failure paths without a crash: DynamoDB refuses the write (the key
exists, the item is too large, throttling past the retry budget through the
fault proxy) and S3 is left exactly as it was."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

TABLE = "crash_items"
BUCKET = "ddbsql-crash-test"
COLUMNS = ["c1", "c2", "c3"]


def s3_url():
    return os.environ.get("DDBSQL_TEST_S3_URL") or None


class CrashMatrixTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        if not s3_url():
            if cli_support.emulators_required():
                raise AssertionError("DDBSQL_TEST_S3_URL is not set")
            raise cli_support.unittest.SkipTest("DDBSQL_TEST_S3_URL is not set")
        import boto3

        cls.key_id = cli_support.new_key_id("crash")
        cls.secret = cli_support.new_secret()
        cls.ddb = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cls.s3 = boto3.client("s3", endpoint_url=s3_url(), region_name=cli_support.REGION,
                              aws_access_key_id=cls.key_id, aws_secret_access_key=cls.secret)
        cli_support.create_table(cls.ddb, TABLE)
        try:
            cls.s3.create_bucket(Bucket=BUCKET)
        except cls.s3.exceptions.BucketAlreadyOwnedByYou:
            pass

    def setUp(self):
        super().setUp()
        self.catalog = os.path.join(self.home, "catalog.json")
        columns = {c: {"codec": "LargeAttribute", "bucket": BUCKET, "prefix": "large",
                       "as": "text"} for c in COLUMNS}
        with open(self.catalog, "w") as f:
            json.dump({"tables": {TABLE: {"columns": columns}}}, f)
        self.ledger = os.path.join(self.home, "ledger.db")
        self.clear()

    def clear(self):
        for page in self.ddb.get_paginator("scan").paginate(TableName=TABLE):
            for item in page["Items"]:
                self.ddb.delete_item(TableName=TABLE, Key={"id": item["id"]})
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for o in page.get("Contents", []):
                self.s3.delete_object(Bucket=BUCKET, Key=o["Key"])

    def env(self, **extra):
        settings = dict(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                        AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url,
                        AWS_ENDPOINT_URL_S3=s3_url(),
                        XDG_STATE_HOME=os.path.join(self.home, "state"))
        settings.update(extra)
        return self.base_env(**settings)

    def sql(self, script, **extra):
        return self.run_cli(["--catalog", self.catalog, "--ledger", self.ledger], self.env(**extra),
                            input=script)

    # What S3 and DynamoDB hold.
    def objects(self):
        keys = set()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            keys.update(o["Key"] for o in page.get("Contents", []))
        return keys

    def references(self):
        """{(id, column): object key} of every item."""
        refs = {}
        for page in self.ddb.get_paginator("scan").paginate(TableName=TABLE, ConsistentRead=True):
            for item in page["Items"]:
                for c in COLUMNS:
                    if c in item:
                        uri = item[c]["S"]
                        self.assertTrue(uri.startswith(f"s3://{BUCKET}/"), uri)
                        refs[(item["id"]["S"], c)] = uri[len(f"s3://{BUCKET}/"):]
        return refs

    def pending(self):
        if not os.path.exists(self.ledger):
            return 0
        with sqlite3.connect(self.ledger) as db:
            return db.execute("SELECT count(*) FROM intents WHERE state = 'pending'").fetchone()[0]

    def body(self, key):
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()

    def check_invariants(self, label, expect):
        """expect: {(id, column): value} the items must hold, exactly."""
        objects = self.objects()
        refs = self.references()
        orphans = objects - set(refs.values())
        dangling = {k for k in refs.values() if k not in objects}
        held = {ref: self.body(key) for ref, key in refs.items() if key in objects}
        self.assertEqual(orphans, set(), f"{label}: orphaned objects")
        self.assertEqual(dangling, set(), f"{label}: dangling references")
        self.assertEqual(held, expect, f"{label}: the item is neither all old nor all new")
        self.assertEqual(self.pending(), 0, f"{label}: ledger entries left pending")
        return len(orphans), len(dangling)

    def statements(self, op, n):
        cols = COLUMNS[:n]
        old = {("k", c): f"old {c}" for c in cols}
        new = {("k", c): f"new {c} " + "x" * 100 for c in cols}
        if op == "INSERT":
            values = ", ".join(f"'{v}'" for v in new.values())
            return (f"INSERT INTO {TABLE}(id, {', '.join(cols)}) VALUES ('k', {values});",
                    {}, new)
        setup_values = ", ".join(f"'{v}'" for v in old.values())
        setup = f"INSERT INTO {TABLE}(id, {', '.join(cols)}) VALUES ('k', {setup_values});"
        if op == "UPDATE":
            sets = ", ".join(f"{c} = '{new[('k', c)]}'" for c in cols)
            return f"UPDATE {TABLE} SET {sets} WHERE id = 'k';", setup, old, new
        return f"DELETE FROM {TABLE} WHERE id = 'k';", setup, old, {}

    def test_crash_matrix(self):
        runs = crashed = orphans = dangling = 0
        lost = visible = 0
        lines = []
        for op in ("INSERT", "UPDATE", "DELETE"):
            for n in (1, 2, 3):
                if op == "INSERT":
                    statement, _, new = self.statements(op, n)
                    setup, old = None, {}
                    steps = ["after-ledger"] + [f"after-put-{i}" for i in range(1, n + 1)] + [
                        "before-dynamodb", "after-dynamodb"]
                else:
                    statement, setup, old, new = self.statements(op, n)
                    puts = [f"after-put-{i}" for i in range(1, n + 1)] if op == "UPDATE" else []
                    steps = (["after-ledger"] + puts + ["before-dynamodb", "after-dynamodb"] +
                             [f"{w}-delete-{i}" for i in range(1, n + 1)
                              for w in ("before", "after")])
                for step in steps:
                    label = f"{op} with {n} S3 column(s), kill -9 at {step}"
                    with self.subTest(label):
                        self.clear()
                        for suffix in ("", "-wal", "-shm"):
                            if os.path.exists(self.ledger + suffix):
                                os.remove(self.ledger + suffix)
                        if setup:
                            self.assertEqual(self.sql(setup).returncode, 0)
                        r = self.sql(statement, DDBSQL_TEST_CRASH_AT=step)
                        runs += 1
                        self.assertEqual(r.returncode, -signal.SIGKILL,
                                         f"{label}: not killed there: {r}")
                        crashed += 1
                        self.assertGreaterEqual(self.pending(), 1, label)
                        # Restart: recovery runs before the first statement.
                        r = self.sql("SELECT 1;")
                        self.assertEqual(r.returncode, 0, r)
                        committed = step.startswith("after-dynamodb") or "delete" in step
                        expect = new if committed else old
                        refs = self.references()
                        got = {ref: self.body(key) for ref, key in refs.items()
                               if key in self.objects()}
                        lost += committed and got != new
                        visible += (not committed) and got != old
                        o, d = self.check_invariants(label, expect)
                        orphans += o
                        dangling += d
                        lines.append(f"  {label}: ok")
        print(f"\ncrash matrix: {runs} runs, {crashed} killed and recovered; "
              f"orphaned objects {orphans}, dangling references {dangling}, "
              f"committed writes lost {lost}, uncommitted writes visible {visible}")
        self.assertEqual(runs, 63)
        self.assertEqual((orphans, dangling, lost, visible), (0, 0, 0, 0))

    def test_refused_writes_leave_s3_as_it_was(self):
        r = self.sql(f"INSERT INTO {TABLE}(id, c1, c2) VALUES ('k', 'one', 'two');")
        self.assertEqual(r.returncode, 0, r)
        before = {k: self.body(k) for k in self.objects()}
        cases = [
            # The key exists: DynamoDB refuses the put after the objects went up.
            (f"INSERT INTO {TABLE}(id, c1, c2) VALUES ('k', 'other', 'values');",
             "UNIQUE constraint failed", {}),
            # Too large for DynamoDB: refused before anything is sent.
            (f"INSERT INTO {TABLE}(id, c1, item) VALUES ('big', 'x', json_object('pad', "
             f"printf('%.*c', 450000, 'y')));", "over DynamoDB's 400 KB limit", {}),
            # Throttled on every attempt (AWS_MAX_ATTEMPTS=1 and a proxy that
            # answers ThrottlingException): see test_throttled_write below.
        ]
        for sql, needle, extra in cases:
            with self.subTest(sql=sql[:60]):
                r = self.sql(sql, **extra)
                self.assertEqual(r.returncode, 1, r)
                self.assertIn(needle, r.stderr)
                self.assertEqual({k: self.body(k) for k in self.objects()}, before)
                self.assertEqual(self.pending(), 0)
        self.check_invariants("after the refusals", {("k", "c1"): "one", ("k", "c2"): "two"})
        # Refused, with the same values: the "new" objects are the ones the
        # item holds (content-addressed keys) and must stay.
        r = self.sql(f"INSERT OR IGNORE INTO {TABLE}(id, c1, c2) VALUES ('k', 'one', 'two');")
        self.assertEqual(r.returncode, 0, r)
        r = self.sql(f"INSERT INTO {TABLE}(id, c1, c2) VALUES ('k', 'one', 'two');")
        self.assertIn("UNIQUE constraint failed", r.stderr)
        self.assertEqual({k: self.body(k) for k in self.objects()}, before)
        self.check_invariants("after refusals of equal values",
                              {("k", "c1"): "one", ("k", "c2"): "two"})

    def shared_column_cli(self):
        """A function that runs SQL with c1 declared an S3Backed column."""
        catalog = os.path.join(self.home, "shared.json")
        with open(catalog, "w") as f:
            json.dump({"tables": {TABLE: {"columns": {"c1": {
                "codec": "S3BackedUnicodeAttribute", "bucket": BUCKET}}}}}, f)

        def run(sql):
            return self.run_cli(["--catalog", catalog, "--ledger", self.ledger], self.env(),
                                input=sql)
        return run

    def test_shared_s3backed_objects_are_never_deleted_for_one_item(self):
        # S3Backed* key_template: equal values of any item share one object.
        run = self.shared_column_cli()
        r = run(f"INSERT INTO {TABLE}(id, c1) VALUES ('a', 'same'), ('b', 'same');\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(len(self.objects()), 1)
        for sql in (f"DELETE FROM {TABLE} WHERE id = 'a';\n",
                    f"INSERT OR IGNORE INTO {TABLE}(id, c1) VALUES ('b', 'same');\n",
                    f"UPDATE {TABLE} SET c1 = 'other' WHERE id = 'c';\n"):
            r = run(sql)
            self.assertEqual(r.returncode, 0, r)
        r = run(f"SELECT id, c1 FROM {TABLE};\n")
        self.assertEqual((r.returncode, r.stdout), (0, "b|same\n"), r)
        self.assertEqual(self.pending(), 0)

    def test_an_ignored_row_leaves_the_shared_object_of_an_equal_row(self):
        # INSERT OR IGNORE of an existing item and of new ones, all with one
        # value: their writes are in flight together and all upload (or find)
        # the one shared object; the existing item's write is refused, and
        # what it uploaded is what the new items reference: nothing on the
        # write path may delete it (.sweep checks the whole table).
        run = self.shared_column_cli()
        r = run(f"INSERT INTO {TABLE}(id, c1) VALUES ('a', 'old');\n")
        self.assertEqual(r.returncode, 0, r)
        ids = ["a", "b", "c", "d", "e", "f"]
        rows = ", ".join(f"('{i}', 'same value')" for i in ids)
        r = run(f"INSERT OR IGNORE INTO {TABLE}(id, c1) VALUES {rows};\n")
        self.assertEqual(r.returncode, 0, r)
        objects = self.objects()
        dangling = {ref: k for ref, k in self.references().items() if k not in objects}
        self.assertEqual(dangling, {})
        r = run(f"SELECT id, c1 FROM {TABLE} ORDER BY id;\n")
        expect = "a|old\n" + "".join(f"{i}|same value\n" for i in ids[1:])
        self.assertEqual((r.returncode, r.stdout), (0, expect), r)
        self.assertEqual(self.pending(), 0)

    def test_readonly_cannot_be_turned_on_inside_a_transaction(self):
        r = self.sql(f"BEGIN;\nINSERT INTO {TABLE}(id) VALUES ('t');\n.readonly on\nROLLBACK;\n"
                     f".readonly on\nSELECT count(*) FROM {TABLE};\n")
        self.assertIn("not inside a transaction", r.stderr)
        self.assertEqual(r.stdout, "0\n", r)

    def test_update_to_null_and_same_value(self):
        self.assertEqual(self.sql(f"INSERT INTO {TABLE}(id, c1, c2) VALUES ('k', 'a', 'b');")
                         .returncode, 0)
        before = self.objects()
        # The same content: the same content-addressed key, nothing uploaded.
        r = self.sql(f"UPDATE {TABLE} SET c1 = 'a' WHERE id = 'k';")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.objects(), before)
        r = self.sql(f"UPDATE {TABLE} SET c2 = NULL WHERE id = 'k';")
        self.assertEqual(r.returncode, 0, r)
        self.check_invariants("c2 removed", {("k", "c1"): "a"})
        key = self.references()[("k", "c1")]
        self.assertRegex(key, r"^large/pk=k/attr=c1/md5=[0-9a-f]{32}$")
        head = self.s3.head_object(Bucket=BUCKET, Key=key)
        self.assertEqual(head["Metadata"].get("pk"), "k")
        self.assertEqual(head["Metadata"].get("attr"), "c1")
        # update_at is sent too, but moto's server drops metadata names with an
        # underscore (an object boto3 puts with it loses it the same way).

    def test_sweep_lists_then_deletes_unreferenced_objects(self):
        self.assertEqual(self.sql(f"INSERT INTO {TABLE}(id, c1) VALUES ('k', 'kept');")
                         .returncode, 0)
        kept = self.references()[("k", "c1")]
        self.s3.put_object(Bucket=BUCKET, Key="large/pk=gone/attr=c1/md5=0", Body=b"orphan")
        self.s3.put_object(Bucket=BUCKET, Key="elsewhere/x", Body=b"not under the prefix")
        r = self.sql(f".sweep {TABLE} c1\n")  # default grace: a day, nothing that old
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("0 orphans", r.stdout)
        r = self.sql(f".sweep {TABLE} c1 0s\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn(f"orphan s3://{BUCKET}/large/pk=gone/attr=c1/md5=0", r.stdout)
        self.assertIn("dry run", r.stdout)
        self.assertIn("large/pk=gone/attr=c1/md5=0", self.objects())
        r = self.sql(f".sweep {TABLE} c1 0s delete\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.objects(), {kept, "elsewhere/x"})
        r = self.sql(f".sweep {TABLE} nope\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("no S3 column", r.stderr)

    def test_a_read_only_session_leaves_recovery_for_later(self):
        r = self.sql(f"INSERT INTO {TABLE}(id, c1) VALUES ('k', 'v');",
                     DDBSQL_TEST_CRASH_AT="before-dynamodb")
        self.assertEqual(r.returncode, -signal.SIGKILL, r)
        objects = self.objects()
        self.assertEqual(len(objects), 1)  # uploaded, never referenced
        r = self.run_cli(["--readonly", "--catalog", self.catalog, "--ledger", self.ledger],
                         self.env(), input="SELECT 1;\n.recover\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stdout, "1\n")
        self.assertIn("1 S3 write pending", r.stderr)  # a count agrees with its noun
        self.assertIn("is left as it is in a read-only session", r.stderr)
        self.assertIn("recover: read-only session", r.stderr)
        self.assertIn("1 pending S3 write left as it is", r.stderr)
        self.assertEqual(self.objects(), objects)
        self.assertEqual(self.pending(), 1)
        r = self.sql("SELECT 1;")  # not read-only: recovered
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.objects(), set())
        self.assertEqual(self.pending(), 0)

    def test_sweep_never_touches_other_columns_objects(self):
        # c1 and c2 share the prefix: a sweep of c1 leaves c2's objects (its
        # referenced one and its orphan) alone; a sweep of c2 takes its own.
        r = self.sql(f"INSERT INTO {TABLE}(id, c1, c2) VALUES ('k', 'one', 'two');")
        self.assertEqual(r.returncode, 0, r)
        refs = self.references()
        self.s3.put_object(Bucket=BUCKET, Key="large/pk=gone/attr=c2/md5=0", Body=b"orphan")
        r = self.sql(f".sweep {TABLE} c1 0s delete\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("0 orphans deleted", r.stdout)
        self.assertEqual(self.objects(), {refs[("k", "c1")], refs[("k", "c2")],
                                          "large/pk=gone/attr=c2/md5=0"})
        # Read-only: listed, never deleted.
        r = self.run_cli(["--readonly", "--catalog", self.catalog, "--ledger", self.ledger],
                         self.env(), input=f".sweep {TABLE} c2 0s delete\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("read-only session", r.stderr)
        self.assertIn("large/pk=gone/attr=c2/md5=0", self.objects())
        r = self.sql(f".sweep {TABLE} c2 0s delete\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.objects(), {refs[("k", "c1")], refs[("k", "c2")]})

    def test_a_shared_object_with_other_content_is_refused(self):
        # Two S3Backed columns under one template, one gzip'd and one not:
        # the same value names the same object with other bytes.
        catalog = os.path.join(self.home, "clash.json")
        with open(catalog, "w") as f:
            json.dump({"tables": {TABLE: {"columns": {
                "sb": {"codec": "S3BackedUnicodeAttribute", "bucket": BUCKET},
                "sr": {"codec": "S3BackedUnicodeAttribute", "bucket": BUCKET,
                       "compressed": False}}}}}, f)
        run = lambda script: self.run_cli(["--catalog", catalog, "--ledger", self.ledger],  # noqa
                                          self.env(), input=script)
        r = run(f"INSERT INTO {TABLE}(id, sb) VALUES ('b', 'same value');")
        self.assertEqual(r.returncode, 0, r)
        objects = self.objects()
        r = run(f"INSERT INTO {TABLE}(id, sr) VALUES ('c', 'same value');")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("exists with other content", r.stderr)
        self.assertIn("column sr", r.stderr)
        self.assertEqual(self.objects(), objects)
        r = run(f"SELECT id, sb, sr FROM {TABLE};")
        self.assertEqual((r.returncode, r.stdout), (0, "b|same value|\n"), r)

    def test_sweep_keeps_objects_other_tables_share(self):
        # S3Backed objects are named by content: another declared table's
        # item holding the same value references the same object.
        other = TABLE + "_other"
        try:
            cli_support.create_table(self.ddb, other)
        except self.ddb.exceptions.ResourceInUseException:
            pass
        self.addCleanup(self.ddb.delete_table, TableName=other)
        catalog = os.path.join(self.home, "shared.json")
        column = {"codec": "S3BackedUnicodeAttribute", "bucket": BUCKET}
        with open(catalog, "w") as f:
            json.dump({"tables": {TABLE: {"columns": {"sb": column}},
                                  other: {"columns": {"sb": column}}}}, f)
        run = lambda script: self.run_cli(["--catalog", catalog, "--ledger", self.ledger],  # noqa
                                          self.env(), input=script)
        r = run(f"INSERT INTO {other}(id, sb) VALUES ('x', 'shared value');")
        self.assertEqual(r.returncode, 0, r)
        shared = self.objects()
        self.assertEqual(len(shared), 1)
        r = run(f".sweep {TABLE} sb 0s delete\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertIn(f"references also read from {other}.sb", r.stdout)
        self.assertEqual(self.objects(), shared)
        r = run(f"SELECT sb FROM {other};")
        self.assertEqual((r.returncode, r.stdout), (0, "shared value\n"), r)

    def test_recovery_leaves_other_sessions_entries_pending(self):
        # An entry of other credentials: kept, with one warning line.
        self.assertEqual(self.sql(f"INSERT INTO {TABLE}(id, c1) VALUES ('k', 'v');").returncode, 0)
        with sqlite3.connect(self.ledger) as db:
            db.execute("INSERT INTO intents(statement, created, owner_host, owner_pid,"
                       " owner_start, endpoint, region, access_key_id, table_name, item_key,"
                       " attribute, s3_endpoint, bucket, object_key, old_object_keys, state)"
                       " VALUES ('s', '2026-01-01T00:00:00Z', 'h', 1, 1, 'http://other', 'r',"
                       " 'OTHER', 't', '{}', 'a', 'http://s3', 'b', 'k', '[]', 'pending')")
        r = self.sql("SELECT 1;")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(len(r.stderr.splitlines()), 1, r)
        self.assertIn("1 S3 write in ", r.stderr)
        self.assertIn("stays pending", r.stderr)
        r = self.sql(".recover\n")
        self.assertIn("0 pending S3 writes resolved", r.stdout)
        self.assertEqual(self.pending(), 1)

    def test_transactions_put_objects_only_at_commit(self):
        r = self.sql(f"BEGIN;\nINSERT INTO {TABLE}(id, c1) VALUES ('t1', 'one');\nROLLBACK;\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(self.objects(), set())
        r = self.sql(f"BEGIN;\nINSERT INTO {TABLE}(id, c1) VALUES ('t1', 'one');\n"
                     f"INSERT INTO {TABLE}(id, c1, c2) VALUES ('t2', 'two', 'deux');\nCOMMIT;\n")
        self.assertEqual(r.returncode, 0, r)
        expect = {("t1", "c1"): "one", ("t2", "c1"): "two", ("t2", "c2"): "deux"}
        self.check_invariants("committed", expect)
        # One write refused: the whole transaction, S3 included, is undone.
        # (Another writer creates t3 after the INSERT found no such key.)
        r = self.run_cli_interleaved(
            ["--catalog", self.catalog, "--ledger", self.ledger], self.env(),
            f"BEGIN;\nUPDATE {TABLE} SET c1 = 'changed' WHERE id = 't2';\n"
            f"INSERT INTO {TABLE}(id, c1) VALUES ('t3', 'clash');\n",
            lambda: self.ddb.put_item(TableName=TABLE, Item={"id": {"S": "t3"}}), "COMMIT;\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("COMMIT: nothing written", r.stderr)
        self.ddb.delete_item(TableName=TABLE, Key={"id": {"S": "t3"}})
        self.check_invariants("cancelled", expect)

    def test_a_transaction_reads_its_pending_s3_objects(self):
        # Inside BEGIN an S3 column's object is only put at COMMIT: the
        # transaction reads it from memory. INSERT then UPDATE puts only the
        # last object; DELETE then INSERT removes the old objects.
        r = self.sql(f"BEGIN;\nINSERT INTO {TABLE}(id, c1) VALUES ('t', 'one');\n"
                     f"SELECT c1 FROM {TABLE} WHERE id = 't';\n"
                     f"UPDATE {TABLE} SET c1 = 'two', c2 = 'second' WHERE id = 't';\n"
                     f"SELECT c1, c2 FROM {TABLE};\nCOMMIT;\n"
                     f"SELECT c1, c2 FROM {TABLE} WHERE id = 't';\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "one\ntwo|second\ntwo|second\n")
        self.check_invariants("combined", {("t", "c1"): "two", ("t", "c2"): "second"})
        self.assertEqual(len(self.objects()), 2)  # 'one' never reached S3
        r = self.sql(f"BEGIN;\nDELETE FROM {TABLE} WHERE id = 't';\n"
                     f"INSERT INTO {TABLE}(id, c1) VALUES ('t', 'three');\n"
                     f"SELECT c1, c2 FROM {TABLE} WHERE id = 't';\nCOMMIT;\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "three|\n")
        self.check_invariants("replaced", {("t", "c1"): "three"})
        self.assertEqual(self.pending(), 0)

    def test_a_bucket_that_does_not_exist_leaves_nothing_pending(self):
        catalog = os.path.join(self.home, "nobucket.json")
        with open(catalog, "w") as f:
            json.dump({"tables": {TABLE: {"columns": {"c1": {
                "codec": "LargeAttribute", "bucket": BUCKET + "-missing", "prefix": "large",
                "as": "text"}}}}}, f)
        r = self.run_cli(["--catalog", catalog, "--ledger", self.ledger], self.env(),
                         input=f"INSERT INTO {TABLE}(id, c1) VALUES ('k', 'v');\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("NoSuchBucket", r.stderr)
        self.assertIn("0 items were written", r.stderr)
        self.assertNotIn("left for recovery", r.stderr)
        self.assertEqual(self.references(), {})
        # Nothing was put, so nothing is left for recovery to warn about.
        self.assertEqual(self.pending(), 0)
        r = self.run_cli(["--catalog", catalog, "--ledger", self.ledger], self.env(),
                         input="SELECT 1;\n")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "1\n", ""))

    def test_unreadable_key_reference_writes_nothing(self):
        catalog = os.path.join(self.home, "enc.json")
        with open(catalog, "w") as f:
            json.dump({"tables": {TABLE: {"columns": {
                "c1": {"codec": "LargeAttribute", "bucket": BUCKET, "prefix": "large",
                       "as": "text"},
                "secret": {"codec": "EncryptedUnicodeAttribute",
                           "key": "env:DDBSQL_CRASH_TEST_NO_SUCH_KEY"}}}}}, f)
        r = self.run_cli(["--catalog", catalog, "--ledger", self.ledger], self.env(),
                         input=f"INSERT INTO {TABLE}(id, c1, secret) VALUES ('k', 'v', 's');\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("DDBSQL_CRASH_TEST_NO_SUCH_KEY", r.stderr)
        self.assertEqual(self.objects(), set())
        self.assertEqual(self.references(), {})

    def test_throttled_past_the_retry_budget_leaves_s3_as_it_was(self):
        import subprocess
        import urllib.request

        r = self.sql(f"INSERT INTO {TABLE}(id, c1) VALUES ('k', 'before');")
        self.assertEqual(r.returncode, 0, r)
        before = {k: self.body(k) for k in self.objects()}
        proxy = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "fault_proxy.py"), self.url, "--max-seconds", "120"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(proxy.wait, 5)
        self.addCleanup(proxy.terminate)
        port = int(proxy.stdout.readline().strip())
        proxy.stdout.close()
        url = f"http://127.0.0.1:{port}"
        # ListTables, DescribeTable, the sample Scan and the UPDATE's GetItem
        # pass; every request after them is throttled.
        plan = json.dumps({"plan": ["ok"] * 4, "then": "throttle"}).encode()
        with urllib.request.urlopen(urllib.request.Request(url + "/__fault__", data=plan,
                                                           method="POST"), timeout=5) as resp:
            resp.read()
        r = self.run_cli(["--catalog", self.catalog, "--ledger", self.ledger],
                         self.env(AWS_ENDPOINT_URL_DYNAMODB=url, AWS_MAX_ATTEMPTS="2"),
                         input=f"UPDATE {TABLE} SET c1 = 'after' WHERE id = 'k';\n"
                               f"INSERT INTO {TABLE}(id, c1) VALUES ('n', 'new');\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("Throttling", r.stderr)
        with urllib.request.urlopen(url + "/__fault__/log", timeout=5) as resp:
            log = json.loads(resp.read())
        targets = [e["target"].split(".")[-1] for e in log["requests"] if e["fault"] == "throttle"]
        # The writes reached DynamoDB after their objects went up, and were refused.
        self.assertIn("UpdateItem", targets)
        self.assertIn("PutItem", targets)
        # The UPDATE's new object is gone at once (what the item held was
        # read first); the refused INSERT's needs the item read again, which
        # may be throttled too: then recovery, at the next start against the
        # same endpoint, finishes.
        with urllib.request.urlopen(urllib.request.Request(url + "/__fault__/reset", data=b"{}",
                                                           method="POST"), timeout=5) as resp:
            resp.read()
        r = self.run_cli(["--catalog", self.catalog, "--ledger", self.ledger],
                         self.env(AWS_ENDPOINT_URL_DYNAMODB=url), input="SELECT 1;\n")
        self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r)
        self.assertEqual({k: self.body(k) for k in self.objects()}, before)
        self.assertEqual(self.pending(), 0)


    # --- Owners that are zombies or alive, recovery that never waits (issue 20) ---

    def remove_ledger(self):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.ledger + suffix):
                os.remove(self.ledger + suffix)

    def start(self, script, catalog=None, **extra):
        """ddbsql on `script`, not waited for (nor reaped)."""
        p = subprocess.Popen([cli_support.DDBSQL, "--catalog", catalog or self.catalog,
                              "--ledger", self.ledger], env=self.env(**extra), cwd=self.home,
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        p.stdin.write(script)
        p.stdin.close()
        return p

    def wait_state(self, pid, states):
        """Waits until /proc says `pid` is in one of `states` ("Z", "T")."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            state = stat[stat.rindex(")") + 2]
            if state in states:
                return state
            time.sleep(0.005)
        self.fail(f"process {pid} never reached state {states}")

    def test_restarts_while_the_killed_process_is_a_zombie(self):
        # A container whose PID 1 does not reap keeps the killed ddbsql as a
        # zombie with its pid and start time: its lock is free all the same.
        runs = lost = visible = 0
        slowest = 0.0
        for op in ("INSERT", "UPDATE", "DELETE"):
            if op == "INSERT":
                statement, _, new = self.statements(op, 1)
                setup, old = None, {}
                steps = ["after-ledger", "after-put-1", "before-dynamodb", "after-dynamodb"]
            else:
                statement, setup, old, new = self.statements(op, 1)
                steps = (["after-ledger"] + (["after-put-1"] if op == "UPDATE" else []) +
                         ["before-dynamodb", "after-dynamodb", "before-delete-1",
                          "after-delete-1"])
            for step in steps:
                label = f"{op}, kill -9 at {step}, restart beside the zombie"
                with self.subTest(label):
                    self.clear()
                    self.remove_ledger()
                    if setup:
                        self.assertEqual(self.sql(setup).returncode, 0)
                    p = self.start(statement, DDBSQL_TEST_CRASH_AT=step)
                    self.assertEqual(self.wait_state(p.pid, "Z"), "Z", label)
                    r = self.sql("SELECT 1;")  # the zombie is still there
                    slowest = max(slowest, r.elapsed)
                    self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r)
                    self.assertNotIn("stay pending", r.stderr, r)
                    self.assertEqual(p.wait(), -signal.SIGKILL)
                    runs += 1
                    committed = step.startswith("after-dynamodb") or "delete" in step
                    objects = self.objects()
                    got = {ref: self.body(key) for ref, key in self.references().items()
                           if key in objects}
                    lost += committed and got != new
                    visible += (not committed) and got != old
                    self.check_invariants(label, new if committed else old)
        print(f"\nzombie restarts: {runs} runs, committed writes lost {lost}, uncommitted "
              f"writes visible {visible}; slowest restart {slowest:.2f} s")
        self.assertEqual(runs, 15)
        self.assertEqual((lost, visible), (0, 0))

    def test_an_owner_that_holds_its_lock_is_left_alone(self):
        p = self.start(f"INSERT INTO {TABLE}(id, c1) VALUES ('k', 'v');",
                       DDBSQL_TEST_PAUSE_AT="before-dynamodb")
        self.assertEqual(self.wait_state(p.pid, "T"), "T")
        objects = self.objects()
        self.assertEqual(len(objects), 1)
        r = self.sql("SELECT 1;")
        self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r)
        self.assertIn("1 of processes still running", r.stderr)
        self.assertEqual(self.objects(), objects)  # not deleted under the writer
        self.assertEqual(self.pending(), 1)
        os.kill(p.pid, signal.SIGCONT)
        self.assertEqual(p.wait(30), 0)
        self.check_invariants("the owner went on", {("k", "c1"): "v"})

    def dead_url(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return f"http://127.0.0.1:{s.getsockname()[1]}"  # nobody listens once closed

    def test_an_unreachable_s3_costs_one_attempt_and_one_line(self):
        r = self.sql(f"INSERT INTO {TABLE}(id, c1) VALUES ('k0', 'v');",
                     DDBSQL_TEST_CRASH_AT="before-dynamodb")
        self.assertEqual(r.returncode, -signal.SIGKILL, r)
        dead = self.dead_url()
        # 20 entries of a session whose S3 endpoint is now down.
        with sqlite3.connect(self.ledger) as db:
            db.execute("UPDATE intents SET s3_endpoint = replace(s3_endpoint, ?, ?)",
                       (s3_url().rstrip("/"), dead))
            cols = [c[1] for c in db.execute("PRAGMA table_info(intents)") if c[1] != "id"]
            values = ", ".join("?" if c == "item_key" else c for c in cols)
            for n in range(1, 20):
                db.execute(f"INSERT INTO intents({', '.join(cols)}) SELECT {values}"
                           " FROM intents WHERE id = 1", (json.dumps({"id": {"S": f"k{n}"}}),))
        self.assertEqual(self.pending(), 20)
        s3_dead = dict(AWS_ENDPOINT_URL_S3=dead)
        r = self.sql(".ledger\n", **s3_dead)
        self.assertEqual(r.returncode, 0, r)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["id", "age", "host", "endpoint", "bucket", "table",
                                            "key", "state"])
        self.assertEqual(len(lines), 22, r)
        self.assertIn("owner gone", lines[1])
        self.assertIn('"k0"', lines[1])
        r = self.sql("SELECT 1;", **s3_dead)
        print(f"\nSELECT 1 with 20 entries pending for an unreachable S3: {r.elapsed:.2f} s")
        self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r)
        self.assertEqual(len(r.stderr.splitlines()), 1, r)
        self.assertIn("20 S3 writes left pending", r.stderr)
        self.assertIn(dead, r.stderr)
        self.assertIn(".recover once it answers", r.stderr)
        self.assertLess(r.elapsed, 3.0, r)  # about 0.1 s alone; the machine is shared
        self.assertEqual(self.pending(), 20)
        r = self.sql(".recover\n", **s3_dead)
        self.assertIn("cannot be reached", r.stderr)
        # Forgotten: nobody resolves them; the objects they leave are named.
        r = self.sql(".ledger forget 1\n.ledger forget all\n.ledger\n", **s3_dead)
        self.assertEqual(r.returncode, 0, r)
        (kept,) = self.objects()
        self.assertIn(f"forgot 1: left s3://{BUCKET}/{kept}", r.stdout)
        self.assertIn("\n1 entry marked abandoned", r.stdout)  # a count agrees with its noun
        self.assertIn("19 entries marked abandoned", r.stdout)
        self.assertIn("nothing pending", r.stdout)
        self.assertEqual(self.pending(), 0)
        r = self.sql(".ledger forget 1\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("no pending entry 1", r.stderr)

    def test_a_corrupt_ledger_warns_unless_the_session_writes_s3(self):
        with open(self.ledger, "w") as f:
            f.write("not a database\n" * 1000)
        r = self.run_cli(["--readonly", "--catalog", self.catalog, "--ledger", self.ledger],
                         self.env(), input="SELECT 1;\n")
        self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r)
        self.assertIn(f"warning: ledger {self.ledger} cannot be read", r.stderr)
        r = self.run_cli(["--ledger", self.ledger], self.env(), input="SELECT 1;\n")
        self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r)  # no S3 column: a warning
        r = self.sql("SELECT 1;")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f"ledger {self.ledger} cannot be read", r.stderr)
        self.assertIn(f"mv {self.ledger} {self.ledger}.broken", r.stderr)

    def test_no_state_file_until_an_s3_write_and_never_a_missing_home(self):
        state = os.path.join(self.home, "state")
        r = self.run_cli(["--catalog", self.catalog], self.env(), input="SELECT 1;\n")
        self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r)
        self.assertFalse(os.path.exists(state))
        missing = os.path.join(self.home, "nonexistent")
        r = self.run_cli([], self.env(HOME=missing, XDG_STATE_HOME=None, XDG_CACHE_HOME=None),
                         input="SELECT 1;\n")
        self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r)
        self.assertFalse(os.path.exists(missing))
        # An S3 write creates ddbsql's own folder below XDG_STATE_HOME ...
        os.makedirs(state)
        r = self.run_cli(["--catalog", self.catalog], self.env(),
                         input=f"INSERT INTO {TABLE}(id, c1) VALUES ('k', 'v');\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertTrue(os.path.exists(os.path.join(state, "ddbsql", "ledger.db")))
        # ... but never a missing XDG_STATE_HOME: the write is refused first.
        r = self.run_cli(["--catalog", self.catalog],
                         self.env(XDG_STATE_HOME=os.path.join(self.home, "gone")),
                         input=f"INSERT INTO {TABLE}(id, c1) VALUES ('k2', 'v');\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("does not exist", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.home, "gone")))

    def run_scenario(self, label, catalog, setup, statement, steps, atomic, swept=()):
        """Crashes `statement` at each of `steps` after `setup`, restarts, and
        checks: no orphan, no dangling reference, nothing pending, and the
        items all before or all after (`atomic`), else each item before or
        after. Shared objects (S3Backed) a crash left unreferenced are not
        the ledger's to delete (another item may reference them by then):
        the columns `swept` are swept (.sweep ... delete) before the check
        for orphans. Returns (runs killed, steps never reached)."""
        def run(sql, **extra):
            return self.run_cli(["--catalog", catalog, "--ledger", self.ledger],
                                self.env(**extra), input=sql)

        def state():
            items = {}
            for ref, key in self.references().items():
                # Bytes: S3Backed objects are compressed.
                items.setdefault(ref[0], {})[ref[1]] = self.s3.get_object(
                    Bucket=BUCKET, Key=key)["Body"].read()
            return items

        self.clear()
        self.remove_ledger()
        if setup:
            self.assertEqual(run(setup).returncode, 0)
        before = state()
        r = run(statement)
        self.assertEqual(r.returncode, 0, r)
        after = state()
        self.assertNotEqual(before, after, label)
        killed = unreached = 0
        for step in steps:
            with self.subTest(f"{label}, kill -9 at {step}"):
                self.clear()
                self.remove_ledger()
                if setup:
                    self.assertEqual(run(setup).returncode, 0)
                r = run(statement, DDBSQL_TEST_CRASH_AT=step)
                if r.returncode == 0:
                    unreached += 1
                    continue
                self.assertEqual(r.returncode, -signal.SIGKILL, r)
                killed += 1
                r = run("SELECT 1;")
                self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r)
                for column in swept:
                    r = run(f".sweep {TABLE} {column} 0s delete\n")
                    self.assertEqual(r.returncode, 0, r)
                objects = self.objects()
                refs = self.references()
                self.assertEqual(objects - set(refs.values()), set(), f"{label} {step}: orphans")
                self.assertEqual({k for k in refs.values() if k not in objects}, set(),
                                 f"{label} {step}: dangling")
                self.assertEqual(self.pending(), 0)
                got = state()
                if atomic:
                    self.assertIn(got, (before, after), f"{label} {step}")
                else:
                    for item in set(before) | set(after) | set(got):
                        self.assertIn(got.get(item), (before.get(item), after.get(item)),
                                      f"{label} {step}: item {item}")
        return killed, unreached

    def test_crashes_beyond_single_row_statements(self):
        shared = os.path.join(self.home, "shared.json")
        with open(shared, "w") as f:
            json.dump({"tables": {TABLE: {"columns": {c: {
                "codec": "S3BackedUnicodeAttribute", "bucket": BUCKET} for c in COLUMNS}}}}, f)
        steps = (["after-ledger"] + [f"after-put-{i}" for i in range(1, 4)] +
                 ["before-dynamodb", "after-dynamodb"] +
                 [f"{w}-delete-{i}" for i in range(1, 3) for w in ("before", "after")])
        scenarios = [
            ("COMMIT of a transaction", self.catalog,
             f"INSERT INTO {TABLE}(id, c1) VALUES ('t0', 'zero');",
             f"BEGIN;\nINSERT INTO {TABLE}(id, c1, c2) VALUES ('t1', 'one', 'un');\n"
             f"UPDATE {TABLE} SET c1 = 'nil' WHERE id = 't0';\nCOMMIT;", True, ()),
            ("batched multi-row INSERT", self.catalog, None,
             f"INSERT INTO {TABLE}(id, c1) VALUES ('a', 'x'), ('b', 'y'), ('c', 'z');", False,
             ()),
            ("shared S3Backed objects", shared,
             f"INSERT INTO {TABLE}(id, c1) VALUES ('a', 'same'), ('b', 'same');",
             f"UPDATE {TABLE} SET c1 = 'other' WHERE id = 'a';", False, ("c1",)),
        ]
        lines = []
        for label, catalog, setup, statement, atomic, swept in scenarios:
            killed, unreached = self.run_scenario(label, catalog, setup, statement, steps, atomic,
                                                  swept)
            lines.append(f"  {label}: {killed} crashes recovered, "
                         f"{unreached} steps not on its path")
            self.assertGreater(killed, 0, label)
        print("\ncrashes beyond single rows:\n" + "\n".join(lines))


    def proxy(self, target):
        """A fault proxy (tests/fault_proxy.py) in front of `target`: its URL
        and a function that sets its plan."""
        import urllib.request

        proxy = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "fault_proxy.py"), target, "--max-seconds", "300"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(proxy.wait, 5)
        self.addCleanup(proxy.terminate)
        url = f"http://127.0.0.1:{int(proxy.stdout.readline().strip())}"
        proxy.stdout.close()

        def control(path, plan=None):
            data = json.dumps(plan or {}).encode()
            get = path.endswith("/log")
            request = urllib.request.Request(url + path, data=None if get else data,
                                             method="GET" if get else "POST")
            with urllib.request.urlopen(request, timeout=5) as resp:
                return json.loads(resp.read())
        return url, lambda plan: control("/__fault__", plan), lambda: control("/__fault__/log")

    def requests_before(self, log, wanted):
        """How many requests of `log` came before the first `wanted` one."""
        for n, e in enumerate(log["requests"]):
            if wanted(e):
                return n
        self.fail(f"no such request in {log}")

    def test_applied_but_the_answer_was_lost(self):
        url, plan, log = self.proxy(self.url)
        via = dict(AWS_ENDPOINT_URL_DYNAMODB=url, AWS_MAX_ATTEMPTS="1")
        # Two probes: the first fills the schema cache, the second counts.
        for key in ("p1", "p2"):
            plan({"plan": []})
            r = self.sql(f"INSERT INTO {TABLE}(id, c1) VALUES ('{key}', 'probe');", **via)
            self.assertEqual(r.returncode, 0, r)
        n = self.requests_before(log(), lambda e: e["target"].endswith("PutItem"))
        self.clear()
        # PutItem reaches DynamoDB, its answer does not come back; so does
        # the GetItem that would tell: the entry stays for recovery.
        plan({"plan": ["ok"] * n, "then": "lost"})
        r = self.sql(f"INSERT INTO {TABLE}(id, c1) VALUES ('k', 'applied');", **via)
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(self.pending(), 1)
        plan({"plan": []})
        r = self.sql("SELECT 1;", **via)
        self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r)
        self.check_invariants("applied, answer lost", {("k", "c1"): "applied"})

    def test_an_s3_fault_in_the_middle_of_a_write(self):
        url, plan, log = self.proxy(s3_url())
        via = dict(AWS_ENDPOINT_URL_S3=url, AWS_MAX_ATTEMPTS="1")
        setup = f"INSERT INTO {TABLE}(id, c1, c2) VALUES ('k', 'old c1', 'old c2');"
        update = f"UPDATE {TABLE} SET c1 = 'new c1', c2 = 'new c2' WHERE id = 'k';"
        self.assertEqual(self.sql(setup, **via).returncode, 0)
        plan({"plan": []})
        self.assertEqual(self.sql(update, **via).returncode, 0)
        puts = [n for n, e in enumerate(log()["requests"]) if e["method"] == "PUT"]
        self.assertEqual(len(puts), 2, log())
        self.clear()
        self.assertEqual(self.sql(setup, **via).returncode, 0)
        # The first object goes up, the second PUT fails, and so does every
        # S3 request after it (the clean-up too): recovery finishes.
        plan({"plan": ["ok"] * puts[1], "then": "500"})
        r = self.sql(update, **via)
        self.assertEqual(r.returncode, 1, r)
        plan({"plan": []})
        r = self.sql("SELECT 1;", **via)
        self.assertEqual((r.returncode, r.stdout), (0, "1\n"), r)
        self.check_invariants("S3 failed mid-write", {("k", "c1"): "old c1", ("k", "c2"): "old c2"})


if __name__ == "__main__":
    cli_support.main()
