#!/usr/bin/env python3
"""The read-ahead of S3 codec columns across DynamoDB pages.

Tables whose items carry a 100 KB filler attribute, so that DynamoDB Local's
1 MB Scan pages hold a few items each (the test checks there are several
pages), and an S3BackedBigTextAttribute `html` whose objects live in moto's
S3. Read through ddbsql, every value is compared with what was written;
`.stats` bounds the GETs of a LIMIT and the GETs in flight; a missing object
in the middle of the read-ahead is named by its key, column and URI (or
reads as NULL under `.s3missing null`); Ctrl-C while GETs stall, and an
error while GETs are in flight, end the statement at once and leave the
session usable (the sanitizer build checks that nothing leaks:
`scripts/test.sh --sanitize -R 'codec|Codec'`).
"""

import csv
import io
import os
import re
import subprocess
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402
import pynamodb_mate_writer as writer  # noqa: E402

ITEMS = 36
FILLER_BYTES = 100_000  # about 10 items per 1 MB page
HTML_BYTES = 2_000
MISSING_AT = 17  # of the second table: an item of its second page or later


class CodecReadAheadTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.s3_url = cli_support.require_s3(cls)
        cls.key_id = cli_support.new_key_id("readahead")
        cls.secret = cli_support.new_secret()
        cls.bucket = "readahead-" + uuid.uuid4().hex[:12]
        cls.ddb, cls.s3 = writer.clients(cls.url, cls.s3_url, cls.key_id, cls.secret,
                                         cli_support.REGION)
        writer.ensure_bucket(cls.s3, cls.bucket)
        cls.html = {}
        for table, missing in (("paged", None), ("holes", MISSING_AT)):
            writer.create_table(cls.ddb, table)
            items = []
            for i in range(ITEMS):
                key = f"{table[0]}{i:03d}"
                html = writer.html_page(i, HTML_BYTES)
                uri = writer.s3backed_put(cls.s3, cls.bucket, (table + html).encode())
                if i == missing:
                    uri = f"s3://{cls.bucket}/pynamodb-mate/s3backed/{'0' * 64}"
                    cls.missing_uri, cls.missing_key = uri, key
                else:
                    cls.html[key] = table + html
                items.append({"id": {"S": key}, "html": {"S": uri},
                              "pad": {"S": "x" * FILLER_BYTES}})
            writer.batch_put(cls.ddb, table, items)
        pages = list(cls.ddb.get_paginator("scan").paginate(TableName="paged",
                                                            ProjectionExpression="id"))
        cls.scan_order = [it["id"]["S"] for p in pages for it in p["Items"]]
        assert len([p for p in pages if p["Items"]]) >= 3, f"{len(pages)} Scan pages"
        holes = [it["id"]["S"] for p in cls.ddb.get_paginator("scan").paginate(
            TableName="holes", ProjectionExpression="id") for it in p["Items"]]
        # The missing object is never among the first rows read.
        assert holes.index(cls.missing_key) >= 8, holes

    def setUp(self):
        super().setUp()
        self.catalog = os.path.join(self.home, "catalog.json")
        columns = {"html": {"codec": "S3BackedBigTextAttribute", "bucket": self.bucket}}
        with open(self.catalog, "w") as f:
            import json
            json.dump({"tables": {"paged": {"columns": columns},
                                  "holes": {"columns": columns}}}, f)

    def env(self, **extra):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url,
                             AWS_ENDPOINT_URL_S3=self.s3_url, **extra)

    def ddbsql(self, *args):
        return self.run_cli(["--catalog", self.catalog] + list(args), self.env())

    def stats(self, *commands):
        """(rows as CSV, .stats lines) of the statements `commands`."""
        argv = ["-csv", "-c", ".stats on"]
        for c in commands:
            argv += ["-c", c]
        r = self.ddbsql(*argv)
        self.assertEqual(r.returncode, 0, r.stderr)
        return list(csv.reader(io.StringIO(r.stdout))), r.stderr

    def s3_line(self, stats):
        m = re.search(r"S3: (\d+) GETs, (\d+) bytes, (\d+) cache hits, in flight max (\d+)", stats)
        self.assertIsNotNone(m, stats)
        return [int(g) for g in m.groups()]

    def test_every_value_across_pages_in_scan_order(self):
        for parallel in ("1", "4", "16"):
            with self.subTest(s3parallel=parallel):
                rows, stats = self.stats(f".s3parallel {parallel}", "SELECT id, html FROM paged")
                self.assertEqual([r[0] for r in rows], self.scan_order)
                for key, html in rows:
                    self.assertEqual(html, self.html[key], key)
                gets, size, hits, in_flight = self.s3_line(stats)
                self.assertEqual(gets + hits, ITEMS, stats)
                self.assertGreaterEqual(in_flight, 1, stats)
                self.assertLessEqual(in_flight, int(parallel), stats)

    def test_limit_stops_the_read_ahead(self):
        # A pushed LIMIT bounds the window; one SQLite applies (the WHERE
        # keeps it from DynamoDB) stops it with at most a window in flight.
        for sql, most in (("SELECT length(html) FROM paged LIMIT 3", 3),
                          ("SELECT length(html) FROM paged WHERE length(html) > 0 LIMIT 5", 16)):
            with self.subTest(sql=sql):
                rows, stats = self.stats(sql)
                self.assertEqual(len(rows), int(re.search(r"LIMIT (\d+)", sql).group(1)))
                gets, _, _, _ = self.s3_line(stats)
                self.assertGreaterEqual(gets, len(rows), stats)
                self.assertLessEqual(gets, most, stats)

    def test_columns_not_read_are_not_fetched(self):
        rows, stats = self.stats("SELECT id FROM paged")
        self.assertEqual(len(rows), ITEMS)
        self.assertNotIn("S3:", stats)
        # A WHERE on another column: only the rows it keeps are read.
        rows, stats = self.stats(f"SELECT length(html) FROM paged WHERE id = '{self.scan_order[5]}'")
        self.assertEqual(rows, [[str(len(self.html[self.scan_order[5]]))]])
        self.assertEqual(self.s3_line(stats)[0], 1, stats)

    def test_missing_object_in_the_read_ahead_is_named(self):
        r = self.ddbsql("-csv", "-c", "SELECT id, length(html) FROM holes")
        self.assertEqual(r.returncode, 1, r)
        # The rows before it, then the error.
        printed = [row[0] for row in csv.reader(io.StringIO(r.stdout))]
        self.assertNotIn(self.missing_key, printed)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, r)
        for needle in ("holes", f"id='{self.missing_key}'", "column html", self.missing_uri,
                       ".s3missing null"):
            self.assertIn(needle, lines[0])
        rows, stats = self.stats(".s3missing null", "SELECT id, html FROM holes")
        self.assertEqual(len(rows), ITEMS)
        for key, html in rows:
            self.assertEqual(html, "" if key == self.missing_key else self.html[key], key)

    def test_ctrl_c_while_gets_stall(self):
        proxy = cli_support.FaultProxy(self.s3_url)
        self.addCleanup(proxy.stop)
        proxy.control("", {"plan": ["ok"] * 6, "then": "stall", "stall_seconds": 60})
        argv = [cli_support.DDBSQL, "--catalog", self.catalog, "--s3-endpoint-url", proxy.url]
        started = time.monotonic()
        with subprocess.Popen(argv, env=self.env(), cwd=self.home, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
            proc.stdin.write(b"SELECT sum(length(html)) FROM paged;\n")
            proc.stdin.flush()
            deadline = time.monotonic() + cli_support.TIMEOUT_SECONDS
            while proxy.log()["count"] < 8 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertGreaterEqual(proxy.log()["count"], 8, proxy.log())
            proc.send_signal(2)  # SIGINT, as Ctrl-C
            out, err = proc.communicate(b"SELECT count(*) FROM paged;\n",
                                        timeout=cli_support.TIMEOUT_SECONDS)
        # The stalled GETs (60 s) were not waited for.
        self.assertLess(time.monotonic() - started, 45, err)
        self.assertEqual(out.decode(), f"{ITEMS}\n", err)
        self.assertIn("nterrupt", err.decode())

    def test_an_error_with_gets_in_flight_ends_the_statement(self):
        # The missing object fails the statement while later rows' GETs are
        # in flight; the session goes on, and counts what it reads next.
        r = self.ddbsql("-csv", "-c", ".stats on", "-c", "SELECT length(html) FROM holes",
                        "-c", "SELECT count(*) FROM holes")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(self.missing_uri, r.stderr)
        self.assertTrue(r.stdout.endswith(f"{ITEMS}\n"), r)


if __name__ == "__main__":
    cli_support.main()
