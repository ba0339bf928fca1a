#!/usr/bin/env python3
"""Codec columns read back as plain values.

A table written the pynamodb_mate way by tests/pynamodb_mate_writer.py (boto3
and the `cryptography` module; objects in moto's S3 in both the 5.x S3Backed*
layout and the 6.x large-attribute layout, plus ddbsql chains) is read
through `ddbsql -csv` with a catalog, and every value compared with what the
writer put in. Also: equality and IN on a deterministic encrypted column
pushed down (EXPLAIN QUERY PLAN and .stats), a join and GROUP BY on decoded
columns, CREATE TABLE AS SELECT, every output mode, the catalog's discovery
and declaration, and each bad input's error.
"""

import csv
import http.server
import io
import json
import os
import sys
import threading
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402
import pynamodb_mate_writer as writer  # noqa: E402

PASSWORD_ENV = "PAGES_PASSWORD"
COUNT = 10
SPARSE_ITEMS = 250


class DeniedS3(http.server.BaseHTTPRequestHandler):
    """An S3 endpoint that refuses every request as S3 does without permission."""

    def do_GET(self):
        body = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                b"<Message>Access Denied</Message></Error>")
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class CodecReadTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.s3_url = cli_support.require_s3(cls)
        cls.key_id = cli_support.new_key_id("codec")
        cls.secret = cli_support.new_secret()
        cls.password = cli_support.new_secret("password")
        cls.bucket = "codec-" + uuid.uuid4().hex[:12]
        cls.ddb, cls.s3 = writer.clients(cls.url, cls.s3_url, cls.key_id, cls.secret,
                                         cli_support.REGION)
        cls.rows = writer.write_pages(cls.ddb, cls.s3, "pages", cls.bucket, cls.password, COUNT,
                                      html_bytes=3000, people_table="people",
                                      people_filler=200)
        cls.catalog_doc = writer.catalog_for("pages", cls.bucket, PASSWORD_ENV,
                                             people_table="people")
        # ddbsql's own AEAD chain, bound to table, item and attribute.
        cls.sealed_key = os.urandom(32).hex()
        cli_support.SECRETS.add(cls.sealed_key)
        pages_columns = cls.catalog_doc["tables"]["pages"]["columns"]
        pages_columns["sealed"] = {"chain": [{"aead": "aes-256-gcm", "key": "env:SEALED_KEY"}],
                                   "as": "text"}
        cls.sealed = {}
        for r in cls.rows:
            cls.sealed[r["id"]] = writer.ddbsql_gcm_encrypt(
                cls.sealed_key, "pages", "sealed", [("id", "S", r["id"].encode())],
                f"sealed {r['id']}".encode())
            cls.ddb.update_item(TableName="pages", Key={"id": {"S": r["id"]}},
                                UpdateExpression="SET sealed = :v",
                                ExpressionAttributeValues={":v": {"B": cls.sealed[r["id"]]}})
        cls.catalog_doc["tables"]["bad"] = {"columns": dict(pages_columns)}
        # Items that are each wrong in one way, in a table of their own.
        cls.write_bad_items()
        cls.write_sparse_table()

    @classmethod
    def write_bad_items(cls):
        writer.create_table(cls.ddb, "bad")
        good = writer.stored_item(cls.s3, cls.bucket, writer.page_row(0), cls.password)
        missing_uri = f"s3://{cls.bucket}/pynamodb-mate/s3backed/{'0' * 64}"
        items = {
            "not-cipher": {"ssn": {"B": b"hello, not a ciphertext"}},
            "not-gzip": {"title": {"B": b"plain text, not gzip"}},
            "missing": {"html": {"S": missing_uri}},
            "not-uri": {"html": {"S": "just some text"}},
            "tampered": {"sealed": {"B": b"\x01" + os.urandom(60)}},
            # Another item's ciphertext: the associated data does not match.
            "pasted": {"sealed": {"B": cls.sealed["p00001"]}},
            "good": {},
        }
        stored = []
        for key, override in items.items():
            item = dict(good)
            item.update(override)
            item["id"] = {"S": key}
            stored.append(item)
        writer.batch_put(cls.ddb, "bad", stored)

    @classmethod
    def write_sparse_table(cls):
        """`sparse`: SPARSE_ITEMS items, of which only the last a Scan reads
        holds `ssn` (the key of the index by_ssn) and `tin` (no index), both
        pynamodb_mate's deterministic AES-ECB. A key check that reads the
        first 100 items of the table finds neither."""
        table = "sparse"
        if table in cls.ddb.list_tables()["TableNames"]:
            cls.ddb.delete_table(TableName=table)
            cls.ddb.get_waiter("table_not_exists").wait(TableName=table)
        cls.ddb.create_table(
            TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                  {"AttributeName": "ssn", "AttributeType": "B"}],
            GlobalSecondaryIndexes=[{"IndexName": "by_ssn",
                                     "KeySchema": [{"AttributeName": "ssn", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "ALL"}}],
            BillingMode="PAY_PER_REQUEST")
        cls.ddb.get_waiter("table_exists").wait(TableName=table)
        writer.batch_put(cls.ddb, table,
                         [{"id": {"S": f"s{i:04d}"}} for i in range(SPARSE_ITEMS)])
        ids = [it["id"]["S"] for page in cls.ddb.get_paginator("scan").paginate(TableName=table)
               for it in page["Items"]]
        cls.sparse_id = ids[-1]
        cls.ddb.update_item(
            TableName=table, Key={"id": {"S": cls.sparse_id}},
            UpdateExpression="SET ssn = :s, tin = :t",
            ExpressionAttributeValues={
                ":s": {"B": writer.pmate_encrypt(cls.password, b"900-00-0000")},
                ":t": {"B": writer.pmate_encrypt(cls.password, b"tin-1")}})
        key = f"env:{PASSWORD_ENV}"
        cls.catalog_doc["tables"][table] = {"columns": {
            name: {"codec": "EncryptedUnicodeAttribute", "key": key, "determinative": True}
            for name in ("ssn", "tin")}}

    def setUp(self):
        super().setUp()
        self.catalog = os.path.join(self.home, "catalog.json")
        self.write_catalog(self.catalog_doc)

    def write_catalog(self, doc, path=None):
        path = path or self.catalog
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def env(self, **extra):
        values = dict(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                      AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url,
                      AWS_ENDPOINT_URL_S3=self.s3_url)
        values[PASSWORD_ENV] = self.password
        values["SEALED_KEY"] = self.sealed_key
        values.update(extra)
        return self.base_env(**values)

    def ddbsql(self, *args, catalog=True, env=None, input=None):
        argv = (["--catalog", self.catalog] if catalog else []) + list(args)
        return self.run_cli(argv, env or self.env(), input=input)

    def csv_rows(self, sql, *args, **kw):
        r = self.ddbsql("-csv", *args, "-c", sql, **kw)
        self.assert_ok(r)
        return list(csv.reader(io.StringIO(r.stdout)))

    def plan(self, sql):
        """The EXPLAIN QUERY PLAN text of `sql`."""
        r = self.ddbsql("-c", "EXPLAIN QUERY PLAN " + sql)
        self.assert_ok(r)
        return r.stdout

    def stats(self, sql, warm_up=True):
        """(rows as CSV, the .stats lines) of one statement; with `warm_up`
        the same statement runs once before in the session, so that what
        it counts leaves out the key check (once per session: see
        test_the_key_is_checked_once_per_session)."""
        first = ["-c", sql] if warm_up else []
        r = self.ddbsql("-csv", *first, "-c", ".stats on", "-c", sql)
        self.assertEqual(r.returncode, 0, r)
        out = r.stdout[len(r.stdout) // 2:] if warm_up else r.stdout
        return list(csv.reader(io.StringIO(out))), r.stderr

    # --- values -------------------------------------------------------------

    def test_every_column_reads_as_its_value(self):
        got = self.csv_rows(
            "SELECT id, html, hex(raw), doc, body, title, hex(blob), meta, ssn, secret, amount,"
            " note, archive, team, sealed FROM pages ORDER BY id")
        want = []
        for r in self.rows:
            want.append([r["id"], r["html"], r["raw"].hex().upper(), json.dumps(r["doc"]),
                         r["body"], r["title"], r["blob"].hex().upper(), json.dumps(r["meta"]),
                         r["ssn"], r["secret"], str(r["amount"]), r["note"],
                         json.dumps(r["archive"]), r["team"], f"sealed {r['id']}"])
        self.assertEqual(got, want)

    def test_declared_types(self):
        got = self.csv_rows("SELECT typeof(html), typeof(raw), typeof(title), typeof(blob),"
                            " typeof(amount), typeof(doc) FROM pages WHERE id = 'p00001'")
        self.assertEqual(got, [["text", "blob", "text", "blob", "real", "text"]])
        got = self.csv_rows("SELECT json_extract(doc, '$.n'), json_extract(meta, '$.name'),"
                            " json_extract(archive, '$.i') FROM pages WHERE id = 'p00003'")
        self.assertEqual(got, [["3", "m3", "3"]])

    def test_output_modes(self):
        title = self.rows[2]["title"]
        for mode in ("-json", "-line", "-list", "-quote", "-insert", "-html", "-markdown",
                     "-box", "-table", "-column", "-tabs", "-ascii"):
            r = self.ddbsql(mode, "-c", "SELECT title, ssn FROM pages WHERE id = 'p00002'")
            self.assert_ok(r)
            self.assertIn(title.split(" ")[0], r.stdout, mode)
            self.assertIn(self.rows[2]["ssn"], r.stdout, mode)
        r = self.ddbsql("-json", "-c", "SELECT title, amount FROM pages WHERE id = 'p00002'")
        self.assertEqual(json.loads(r.stdout), [{"title": title, "amount": 20}])

    # --- pushdown -----------------------------------------------------------

    def test_where_on_encrypted_column_is_pushed_down(self):
        wanted = "101-00-0001"
        ids = [r["id"] for r in self.rows if r["ssn"] == wanted]
        self.assertEqual(len(ids), 3)
        self.assertIn("Scan filter=(ssn=?1)",
                      self.plan(f"SELECT id FROM pages WHERE ssn = '{wanted}'"))
        rows, stats = self.stats(f"SELECT id FROM pages WHERE ssn = '{wanted}' ORDER BY id")
        self.assertEqual([r[0] for r in rows], ids)
        # DynamoDB applied the filter: only the matching items came back.
        self.assertIn(f"items scanned: {COUNT}  returned: 3", stats)

    def test_in_on_encrypted_column_is_pushed_down(self):
        wanted = ["100-00-0000", "103-00-0003", "999-99-9999"]
        ids = [r["id"] for r in self.rows if r["ssn"] in wanted]
        rows, stats = self.stats(
            "SELECT id FROM pages WHERE ssn IN ('100-00-0000', '103-00-0003', '999-99-9999')"
            " ORDER BY id")
        self.assertEqual([r[0] for r in rows], ids)
        self.assertIn(f"returned: {len(ids)}", stats)

    def test_encrypted_key_is_looked_up(self):
        self.assertIn("GetItem key=(ssn=?1)",
                      self.plan("SELECT name FROM people WHERE ssn = '102-00-0002'"))
        rows, stats = self.stats("SELECT name, ssn FROM people WHERE ssn = '102-00-0002'")
        self.assertEqual(rows, [["person 102-00-0002", "102-00-0002"]])
        self.assertIn("GetItem 1", stats)
        rows, stats = self.stats(
            "SELECT name FROM people WHERE ssn IN ('100-00-0000', '101-00-0001') ORDER BY 1")
        self.assertEqual(rows, [["person 100-00-0000"], ["person 101-00-0001"]])
        self.assertIn("BatchGetItem 1", stats)

    def test_in_lists_that_change_per_row_are_not_reused(self):
        # A correlated IN on an encrypted column: each outer row sends its
        # own list, never the copy of another row's scan.
        sql = ("WITH g(name, a, b) AS (VALUES ('first', '100-00-0000', '101-00-0001'), "
               "('second', '102-00-0002', '103-00-0003')) "
               "SELECT g.name, (SELECT count(*) FROM pages p WHERE p.ssn IN (g.a, g.b)) FROM g")
        want = [[name, str(sum(r["ssn"] in pair for r in self.rows))]
                for name, pair in (("first", ("100-00-0000", "101-00-0001")),
                                   ("second", ("102-00-0002", "103-00-0003")))]
        self.assertEqual(self.csv_rows(sql), want)

    def test_insert_into_a_table_keyed_by_an_encrypted_column(self):
        r = self.ddbsql("-csv", "-c", "INSERT INTO people(ssn, name) VALUES ('555-55-5555', 'new')",
                        "-c", "SELECT name FROM people WHERE ssn = '555-55-5555'",
                        "-c", "DELETE FROM people WHERE ssn = '555-55-5555'",
                        "-c", "SELECT count(*) FROM people WHERE ssn = '555-55-5555'")
        self.assert_ok(r)
        self.assertEqual(r.stdout, "new\n0\n")

    def test_changing_a_key_rewrites_values_bound_to_it(self):
        # An encrypted key column is encrypted again; an aes-256-gcm value
        # (its associated data holds the item key) is re-encrypted for the
        # new key instead of being copied where it no longer decrypts.
        self.addCleanup(self.ddbsql, "-c", "DELETE FROM pages WHERE id IN ('mv-1', 'mv-2')",
                        "-c", "DELETE FROM people WHERE ssn IN ('556-00-0000', '557-00-0000')")
        r = self.ddbsql(
            "-csv", "-c", "INSERT INTO people(ssn, name) VALUES ('556-00-0000', 'mover')",
            "-c", "UPDATE people SET ssn = '557-00-0000' WHERE ssn = '556-00-0000'",
            "-c", "SELECT name, ssn FROM people WHERE ssn IN ('556-00-0000', '557-00-0000')",
            "-c", "INSERT INTO pages(id, sealed, title, html) VALUES ('mv-1', 'kept', 't', 'h')",
            "-c", "UPDATE pages SET id = 'mv-2' WHERE id = 'mv-1'",
            "-c", "SELECT id, sealed, title, html FROM pages WHERE id IN ('mv-1', 'mv-2')")
        self.assert_ok(r)
        self.assertEqual(r.stdout, "mover,557-00-0000\nmv-2,kept,t,h\n")
        stored = self.ddb.get_item(TableName="people", Key={"ssn": {"B": writer.pmate_encrypt(
            self.password, b"557-00-0000")}}, ConsistentRead=True)
        self.assertEqual(stored["Item"]["name"], {"S": "mover"})
        # A value in S3 named after the key (the large-attribute layout)
        # cannot move: refused, and the item stays as it was.
        r = self.ddbsql("-c", "UPDATE pages SET body = 'b' WHERE id = 'mv-2'",
                        "-c", "UPDATE pages SET id = 'mv-3' WHERE id = 'mv-2'")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("changing the key of an item with a value in S3 column body", r.stderr)
        self.assertEqual(self.csv_rows("SELECT id, body FROM pages WHERE id LIKE 'mv-%'"),
                         [["mv-2", "b"]])

    # --- a deterministic cipher's key is checked before it finds rows -------

    def test_a_wrong_key_is_an_error_not_an_empty_answer(self):
        # Equality on a deterministic cipher is sent as the literal's
        # ciphertext: with a wrong key it would match nothing and the answer
        # would be empty, exit 0. Every path that encrypts a literal checks
        # the key against stored values first.
        wrong = cli_support.new_secret("wrong")
        env = self.env(**{PASSWORD_ENV: wrong})
        cases = [
            ("SELECT id FROM pages WHERE ssn = '101-00-0001'", "pages"),  # FilterExpression
            ("SELECT id FROM pages WHERE ssn IN ('100-00-0000', '103-00-0003')", "pages"),
            ("SELECT name FROM people WHERE ssn = '102-00-0002'", "people"),  # GetItem
            ("SELECT name FROM people WHERE ssn IN ('100-00-0000', '101-00-0001')",
             "people"),  # BatchGetItem
            ("WITH w(s) AS (VALUES ('102-00-0002')) SELECT q.name FROM w JOIN people q"
             " ON q.ssn = w.s", "people"),  # a lookup per outer row
            ("SELECT id FROM sparse WHERE ssn = '900-00-0000'", "sparse"),  # Query on by_ssn
            # No value among the items the check reads: not pushed down, and
            # the first value SQLite decodes fails.
            ("SELECT id FROM sparse WHERE tin = 'tin-1'", "sparse"),
        ]
        for sql, table in cases:
            with self.subTest(sql=sql):
                r = self.assert_error(sql, f"table {table}", "column ", env=env)
                self.assertEqual(r.stdout, "")
                self.assertNotIn(wrong, r.stderr)
                if "tin" not in sql:
                    self.assertIn(f"the key env:{PASSWORD_ENV} does not decrypt", r.stderr)
                    self.assertIn("wrong key?", r.stderr)
        # The right key answers each of them.
        self.assertEqual(len(self.csv_rows(cases[0][0])), 3)
        self.assertEqual(self.csv_rows(cases[2][0]), [["person 102-00-0002"]])
        self.assertEqual(self.csv_rows(cases[4][0]), [["person 102-00-0002"]])
        self.assertEqual(self.csv_rows(cases[5][0]), [[self.sparse_id]])
        self.assertEqual(self.csv_rows(cases[6][0]), [[self.sparse_id]])

    def test_the_key_is_checked_once_per_session(self):
        # One small Scan per table, column and key, in the first statement
        # that needs it: Limit'ed, projecting the attribute and the key.
        sql = "SELECT name FROM people WHERE ssn = '102-00-0002'"
        r = self.ddbsql("-csv", "-cmd", ".stats on", "-c", sql, "-c", sql)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "\"person 102-00-0002\"\n" * 2)
        first, second = r.stderr.splitlines()
        self.assertIn("(GetItem 1, BatchGetItem 0, Query 0, Scan 1,", first)
        self.assertIn("items scanned: 5 ", first)  # 4 for the check (of 200 and more), 1 found
        self.assertIn("(GetItem 1, BatchGetItem 0, Query 0, Scan 0,", second)
        # A sparse attribute of an index: the index is read, one item.
        rows, stats = self.stats("SELECT id FROM sparse WHERE ssn = '900-00-0000'", warm_up=False)
        self.assertEqual(rows, [[self.sparse_id]])
        self.assertIn("(GetItem 0, BatchGetItem 0, Query 1, Scan 1,", stats)
        self.assertIn("items scanned: 2 ", stats)
        # No value in the first 100 items: the literal is not sent.
        rows, stats = self.stats("SELECT id FROM sparse WHERE tin = 'tin-1'")
        self.assertEqual(rows, [[self.sparse_id]])
        self.assertIn(f"returned: {SPARSE_ITEMS} ", stats)

    def test_non_searchable_columns_stay_with_sqlite(self):
        # A compressed column, an S3 column, a non-deterministic cipher and a
        # range on an encrypted one: none may reach DynamoDB as a condition.
        for where in ("title = 'Title 4 — ünïcode'", f"html = '{self.rows[4]['html']}'",
                      "secret = 'secret 4'", "ssn >= '100-00-0000' AND id = 'p00004'",
                      "sealed = 'sealed p00004'"):
            self.assertNotIn("filter=", self.plan(f"SELECT id FROM pages WHERE {where}"), where)
            self.assertEqual(self.csv_rows(f"SELECT id FROM pages WHERE {where}"), [["p00004"]],
                             where)

    # --- SQL over decoded values -------------------------------------------

    def test_join_on_decoded_column(self):
        sql = "SELECT p.id, q.name FROM pages p JOIN people q ON q.ssn = p.ssn ORDER BY p.id"
        # One lookup of the encrypted key per row of pages.
        self.assertIn("GetItem key=(ssn=?1)", self.plan(sql))
        got = self.csv_rows(sql)
        self.assertEqual(got, [[r["id"], "person " + r["ssn"]] for r in self.rows])

    def test_group_by_decoded_column(self):
        got = self.csv_rows("SELECT ssn, count(*), sum(length(html)) FROM pages GROUP BY ssn"
                            " ORDER BY ssn")
        want = {}
        for r in self.rows:
            n, total = want.get(r["ssn"], (0, 0))
            want[r["ssn"]] = (n + 1, total + len(r["html"]))
        self.assertEqual(got, [[k, str(n), str(t)] for k, (n, t) in sorted(want.items())])

    def test_create_table_as_select(self):
        got = self.csv_rows("CREATE TABLE local AS SELECT id, html, ssn, amount FROM pages;"
                            " SELECT count(*), sum(length(html)), typeof(ssn), count(DISTINCT ssn)"
                            " FROM local")
        total = sum(len(r["html"]) for r in self.rows)
        self.assertEqual(got, [[str(COUNT), str(total), "text", "4"]])

    def test_s3_objects_counted_and_cached(self):
        rows, stats = self.stats("SELECT count(*), sum(length(html)) FROM pages", warm_up=False)
        self.assertEqual(rows, [[str(COUNT), str(sum(len(r["html"]) for r in self.rows))]])
        self.assertIn(f"S3: {COUNT} GETs", stats)
        # The same objects twice in one statement: the second read is cached.
        rows, stats = self.stats("SELECT sum(length(a.html)) FROM pages a JOIN pages b USING (id)"
                                 " WHERE length(b.html) > 0", warm_up=False)
        self.assertRegex(stats, r"S3: \d+ GETs, \d+ bytes, [1-9]\d* cache hits, in flight max \d+")

    def test_read_ahead_starts_small(self):
        # The objects of the next rows are fetched together, 4 rows at first
        # (README "Reading codec columns"): LIMIT 1 costs a few GETs, not
        # the page's ten.
        import re
        rows, stats = self.stats("SELECT length(html) FROM pages LIMIT 1", warm_up=False)
        self.assertEqual(len(rows), 1, rows)
        m = re.search(r"S3: (\d+) GETs", stats)
        self.assertIsNotNone(m, stats)
        self.assertGreaterEqual(int(m.group(1)), 1, stats)
        self.assertLessEqual(int(m.group(1)), 4, stats)

    def test_unused_codec_column_costs_nothing(self):
        rows, stats = self.stats("SELECT id, team FROM pages WHERE id = 'p00001'", warm_up=False)
        self.assertEqual(rows, [["p00001", "team-1"]])
        self.assertNotIn("S3:", stats)

    # --- catalog discovery and declaration ------------------------------------

    def test_catalog_from_environment_and_config_dir(self):
        sql = "SELECT ssn FROM pages WHERE id = 'p00001'"
        r = self.ddbsql("-csv", "-c", sql, catalog=False,
                        env=self.env(DDBSQL_CATALOG=self.catalog))
        self.assertEqual(r.stdout, "101-00-0001\n", r)
        xdg = os.path.join(self.home, "xdg")
        os.makedirs(os.path.join(xdg, "ddbsql"))
        self.write_catalog(self.catalog_doc, os.path.join(xdg, "ddbsql", "catalog.json"))
        r = self.ddbsql("-csv", "-c", sql, catalog=False, env=self.env(XDG_CONFIG_HOME=xdg))
        self.assertEqual(r.stdout, "101-00-0001\n", r)
        os.makedirs(os.path.join(self.home, ".config", "ddbsql"))
        self.write_catalog(self.catalog_doc,
                           os.path.join(self.home, ".config", "ddbsql", "catalog.json"))
        r = self.ddbsql("-csv", "-c", sql, catalog=False)
        self.assertEqual(r.stdout, "101-00-0001\n", r)

    def test_catalog_never_from_current_directory(self):
        # run_cli runs in self.home, where setUp wrote catalog.json.
        self.assertTrue(os.path.exists(os.path.join(self.home, "catalog.json")))
        r = self.ddbsql("-csv", "-c", "SELECT typeof(ssn) FROM pages WHERE id = 'p00001'",
                        catalog=False)
        self.assertEqual(r.stdout, "blob\n", r)

    def test_named_catalog_must_exist(self):
        r = self.run_cli(["--catalog", os.path.join(self.home, "nope.json"), "-c", "SELECT 1"],
                         self.env())
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("nope.json", r.stderr)

    def test_catalog_error_names_file_table_column_before_any_request(self):
        bad = json.loads(json.dumps(self.catalog_doc))
        bad["tables"]["pages"]["columns"]["title"] = {"codec": "NoSuchAttribute"}
        path = self.write_catalog(bad, os.path.join(self.home, "bad.json"))
        # Nothing listens on the DynamoDB endpoint: a request would fail differently.
        env = self.env(AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:9")
        r = self.run_cli(["--catalog", path, "-c", "SELECT 1"], env)
        self.assertNotEqual(r.returncode, 0, r)
        for needle in ("bad.json", "pages", "title", "NoSuchAttribute"):
            self.assertIn(needle, r.stderr)
        self.assertNotIn("127.0.0.1:9", r.stderr)

    def test_key_with_non_deterministic_codec_is_refused(self):
        doc = {"tables": {"people": {"columns": {"ssn": {
            "codec": "EncryptedUnicodeAttribute", "key": f"env:{PASSWORD_ENV}",
            "determinative": False}}}}}
        path = self.write_catalog(doc, os.path.join(self.home, "keys.json"))
        r = self.run_cli(["--catalog", path, "-c", "SELECT * FROM people"], self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("people", r.stderr)
        self.assertIn("ssn", r.stderr)
        # A codec stores B: a key of type S cannot be declared with one.
        doc = {"tables": {"pages": {"columns": {"id": {
            "codec": "EncryptedUnicodeAttribute", "key": f"env:{PASSWORD_ENV}"}}}}}
        path = self.write_catalog(doc, os.path.join(self.home, "skey.json"))
        r = self.run_cli(["--catalog", path, "-c", "SELECT count(*) FROM pages"], self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("table pages, column id: the key attribute is of DynamoDB type S", r.stderr)

    def test_codec_dot_command_and_schema(self):
        script = (".codec people name {\"chain\": [], \"as\": \"text\"}\n"
                  f".codec pages title {{\"codec\": \"CompressedUnicodeAttribute\"}}\n"
                  ".codec\n"
                  "SELECT title FROM pages WHERE id = 'p00005';\n"
                  ".schema pages\n")
        r = self.ddbsql("-csv", catalog=False, input=script)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("pages title {", r.stdout)
        self.assertIn(self.rows[5]["title"], r.stdout)
        self.assertIn("/* .codec pages title", r.stdout)
        # The catalog's key reference shows, never the password.
        r = self.ddbsql("-cmd", ".schema pages", "-c", ".codec")
        self.assertIn(f"env:{PASSWORD_ENV}", r.stdout)
        self.assertNotIn(self.password, r.stdout)

    def test_catalog_argument_of_create_virtual_table(self):
        decl = json.dumps({"title": {"codec": "CompressedUnicodeAttribute"}}).replace("'", "''")
        got = self.csv_rows(
            f"CREATE VIRTUAL TABLE temp.p USING dynamodb(table='pages', catalog='{decl}');"
            " SELECT title, typeof(ssn) FROM temp.p WHERE id = 'p00006'", catalog=False)
        self.assertEqual(got, [[self.rows[6]["title"], "blob"]])
        got = self.csv_rows(
            f"CREATE VIRTUAL TABLE temp.q USING dynamodb(table='pages', catalog='{self.catalog}');"
            " SELECT ssn FROM temp.q WHERE id = 'p00006'", catalog=False)
        self.assertEqual(got, [[self.rows[6]["ssn"]]])

    # --- bad input ------------------------------------------------------------

    def assert_error(self, sql, *needles, env=None, args=()):
        r = self.ddbsql("-csv", *args, "-c", sql, env=env)
        self.assertEqual(r.returncode, 1, r)
        for needle in needles:
            self.assertIn(needle, r.stderr)
        self.assertNotIn(self.password, r.stderr)
        return r

    def test_wrong_key(self):
        self.assert_error("SELECT ssn FROM pages WHERE id = 'p00001'", "pages", "p00001", "ssn",
                          env=self.env(**{PASSWORD_ENV: cli_support.new_secret("wrong")}))

    def test_missing_key_reference(self):
        env = self.env()
        del env[PASSWORD_ENV]
        self.assert_error("SELECT ssn FROM pages WHERE id = 'p00001'", "pages", "ssn",
                          PASSWORD_ENV, env=env)

    def test_not_ciphertext(self):
        self.assert_error("SELECT ssn FROM bad WHERE id = 'not-cipher'", "bad", "not-cipher",
                          "ssn")

    def test_corrupt_gzip(self):
        self.assert_error("SELECT title FROM bad WHERE id = 'not-gzip'", "bad", "not-gzip",
                          "title")

    def test_non_uri_in_s3_column(self):
        self.assert_error("SELECT html FROM bad WHERE id = 'not-uri'", "bad", "not-uri", "html")

    def test_missing_s3_object(self):
        self.assert_error("SELECT html FROM bad WHERE id = 'missing'", "bad", "missing", "html")
        r = self.ddbsql("-csv", "-cmd", ".s3missing null", "-c",
                        "SELECT id, html IS NULL FROM bad WHERE id IN ('missing', 'good')"
                        " ORDER BY id")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "good,0\nmissing,1\n")
        self.assertEqual(r.stderr.count("warning:"), 1, r)
        self.assertIn("1 S3 object missing", r.stderr)

    def test_authenticated_codec_failure_is_an_error_never_null(self):
        for s3missing in ("error", "null"):
            for item in ("tampered", "pasted"):
                r = self.assert_error(f"SELECT sealed FROM bad WHERE id = '{item}'", "bad", item,
                                      "sealed", args=("-cmd", f".s3missing {s3missing}"))
                self.assertNotIn(self.sealed_key, r.stderr)

    def test_access_denied(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DeniedS3)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        env = self.env(AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{server.server_port}")
        r = self.assert_error("SELECT html FROM pages WHERE id = 'p00001'", "pages", "p00001",
                              "html", "AccessDenied", env=env)
        # Under .s3missing null too: only a missing object reads as NULL.
        r = self.ddbsql("-csv", "-cmd", ".s3missing null", "-c",
                        "SELECT html FROM pages WHERE id = 'p00001'", env=env)
        self.assertEqual(r.returncode, 1, r)


if __name__ == "__main__":
    cli_support.main()
