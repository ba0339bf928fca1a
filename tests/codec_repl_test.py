#!/usr/bin/env python3
"""Codec columns and their S3 objects in a session (issue 21), through
`ddbsql` on a script and, for the questions, in a real terminal (tmux, the
helpers of tests/repl_test.py):

- `.codec` checks a declaration when it is made (the JSON, the table, a
  key's codec) and `.codec TABLE COLUMN off` removes one;
- `.sweep TABLE COLUMN AGE delete` warns before it deletes, and on a
  terminal shows the count and the warning, then asks;
- `.stats` counts the S3 PUTs and deletes of writes;
- a missing S3 object's error names `.s3missing null`;
- `--catalog` errors give the system's reason.

Run: scripts/python.sh tests/codec_repl_test.py --ddbsql build/ddbsql
"""

import json
import os
import re
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402
import repl_test  # noqa: E402

TABLE = "codec_items"
PREFIX = "pynamodb-mate/s3backed/"
NOTE = "note: objects named by content may be shared with tables the catalog does not declare"


class CodecSessionTest(repl_test.ReplTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3_url = os.environ.get("DDBSQL_TEST_S3_URL")
        if not cls.s3_url:
            message = "DDBSQL_TEST_S3_URL is not set (start scripts/emulators.sh)"
            if cli_support.emulators_required():
                raise AssertionError(message)
            raise unittest.SkipTest(message)
        import boto3

        cls.s3 = boto3.client("s3", endpoint_url=cls.s3_url, region_name=cli_support.REGION,
                              aws_access_key_id=cls.key_id, aws_secret_access_key=cls.secret)
        cls.bucket = "codec-repl-" + uuid.uuid4().hex[:12]
        cls.s3.create_bucket(Bucket=cls.bucket)
        cli_support.create_table(cls.client, TABLE)

    def setUp(self):
        super().setUp()
        os.makedirs(self.state)  # where the ledger of S3 writes goes
        for page in self.client.get_paginator("scan").paginate(TableName=TABLE):
            for item in page["Items"]:
                self.client.delete_item(TableName=TABLE, Key={"id": item["id"]})
        for key in self.objects():
            self.s3.delete_object(Bucket=self.bucket, Key=key)
        self.catalog = os.path.join(self.home, "catalog.json")
        with open(self.catalog, "w") as f:
            json.dump({"tables": {TABLE: {"columns": {
                "sb": {"codec": "S3BackedUnicodeAttribute", "bucket": self.bucket},
                "la": {"codec": "LargeAttribute", "bucket": self.bucket, "prefix": "large",
                       "as": "text"}}}}}, f)

    def env(self, **extra):
        # No --endpoint-url: S3 has an endpoint of its own.
        return super().env(AWS_ENDPOINT_URL_DYNAMODB=self.url, AWS_ENDPOINT_URL_S3=self.s3_url,
                           **extra)

    def sql(self, script, *args):
        return self.run_cli(["--catalog", self.catalog, *args], self.env(), input=script)

    def objects(self, prefix=""):
        keys = set()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                     Prefix=prefix):
            keys.update(o["Key"] for o in page.get("Contents", []))
        return keys

    def put_orphans(self, n):
        keys = {f"{PREFIX}{uuid.uuid4().hex}{i}" for i in range(n)}
        for key in keys:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"nobody's")
        return keys

    def terminal(self):
        argv = [cli_support.DDBSQL, "--catalog", self.catalog]
        term = repl_test.Terminal(self, self.socket, argv, self.env())
        self.addCleanup(term.close)
        term.wait_for(lambda s: re.search(r"\](?: ro)?>", s), "the prompt")
        return term

    # --- .codec -----------------------------------------------------------------

    def test_a_declaration_is_checked_when_it_is_made(self):
        self.client.put_item(TableName=TABLE, Item={"id": {"S": "k"}})
        r = self.sql('.codec codec_items id {"codec": "CompressedUnicodeAttribute"}\n'
                     "SELECT id FROM codec_items;\n"
                     '.codec nosuchtable x {"codec": "CompressedUnicodeAttribute"}\n'
                     '.codec codec_items note {"codec": "NoSuchAttribute"}\n'
                     ".codec\n")
        self.assertEqual(r.returncode, 1, r)
        # Refused, and the table still reads.
        self.assertEqual(r.stdout.splitlines()[0], "k", r)
        self.assertIn("table codec_items, column id: a key attribute needs a deterministic codec "
                      "without S3, not CompressedUnicodeAttribute", r.stderr)
        self.assertIn("stored bytes of its key", r.stderr)
        self.assertIn("no DynamoDB table nosuchtable", r.stderr)
        self.assertIn('unknown codec "NoSuchAttribute"', r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 3, r)
        # None of them was declared: .codec lists the catalog's two.
        self.assertNotIn("codec_items id", r.stdout)
        self.assertNotIn("nosuchtable", r.stdout)
        self.assertNotIn("codec_items note", r.stdout)
        # A cipher may be a key's codec, but the key is of type S here.
        r = self.sql('.codec codec_items id {"codec": "EncryptedUnicodeAttribute", '
                     '"key": "env:K"}\n')
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("the key attribute is of DynamoDB type S", r.stderr)

    def test_off_removes_a_declaration_for_the_session(self):
        uri = f"s3://{self.bucket}/{PREFIX}{'0' * 64}"
        self.client.put_item(TableName=TABLE, Item={"id": {"S": "k"}, "sb": {"S": uri},
                                                    "note": {"S": "plain"}})
        r = self.sql(".codec codec_items sb off\n"
                     "SELECT sb FROM codec_items;\n"
                     '.codec codec_items note {"codec": "CompressedUnicodeAttribute"}\n'
                     ".codec\n"
                     ".codec codec_items note off\n"
                     "SELECT note FROM codec_items;\n"
                     ".codec\n")
        self.assertEqual(r.returncode, 0, r)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], uri)  # the stored form: no codec any more
        self.assertEqual([l.split()[:2] for l in lines[1:3]],
                         [["codec_items", "la"], ["codec_items", "note"]])
        self.assertEqual(lines[3], "plain")
        self.assertEqual([l.split()[:2] for l in lines[4:]], [["codec_items", "la"]])
        # Not saved: the catalog file is as it was.
        with open(self.catalog) as f:
            self.assertIn("sb", json.load(f)["tables"][TABLE]["columns"])
        r = self.sql(".codec codec_items note off\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("table codec_items, column note has no codec declared", r.stderr)

    def test_catalog_errors_give_the_reason(self):
        r = self.run_cli(["--catalog", "nosuch.json", "-c", "SELECT 1"], self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("nosuch.json: cannot open the catalog file: No such file or directory",
                      r.stderr)
        r = self.run_cli(["--catalog", self.home, "-c", "SELECT 1"], self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f"{self.home}: cannot read the catalog file: Is a directory", r.stderr)
        self.assertNotIn("invalid JSON", r.stderr)

    # --- S3 -----------------------------------------------------------------------

    def test_a_missing_object_error_names_s3missing_null(self):
        uri = f"s3://{self.bucket}/{PREFIX}{'0' * 64}"
        self.client.put_item(TableName=TABLE, Item={"id": {"S": "m"}, "sb": {"S": uri}})
        r = self.sql("SELECT sb FROM codec_items WHERE id = 'm';\n")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("column sb", r.stderr)
        self.assertIn(".s3missing null reads missing S3 objects as NULL", r.stderr)

    def test_stats_count_the_s3_puts_and_deletes_of_writes(self):
        r = self.sql(".stats on\n"
                     "INSERT INTO codec_items(id, sb, la) VALUES ('a', 'one', 'x'), "
                     "('b', 'two', 'y');\n")
        self.assertEqual(r.returncode, 0, r)
        # Two items, each uploading its two objects one after the other: at
        # most two PUTs were in flight at once.
        self.assertRegex(r.stderr, r"S3: 4 PUTs, \d+ bytes sent, in flight max [12]\n")
        # The large-attribute layout's old object goes once the item holds the new one.
        r = self.sql(".stats on\nUPDATE codec_items SET la = 'z' WHERE id = 'a';\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertRegex(r.stderr,
                         r"S3: 1 PUT, \d+ bytes sent, in flight max 1, 1 object deleted\n")
        # A read still has its own S3 line.
        r = self.sql(".stats on\nSELECT la FROM codec_items WHERE id = 'a';\n")
        self.assertEqual(r.stdout, "z\n", r)
        self.assertRegex(r.stderr, r"S3: 1 GETs?, \d+ bytes, 0 cache hits?, in flight max 1\n")

    # --- .sweep ---------------------------------------------------------------------

    def test_sweep_delete_warns_before_deleting(self):
        orphans = self.put_orphans(3)
        r = self.sql(".sweep codec_items sb 0s delete\n")
        self.assertEqual(r.returncode, 0, r)
        lines = r.stdout.splitlines()
        self.assertIn(NOTE, lines)
        first_delete = next(i for i, l in enumerate(lines) if l.startswith("deleted "))
        self.assertLess(lines.index(NOTE), first_delete, r.stdout)
        self.assertNotIn("[y/N]", r.stderr)  # not a terminal: no question
        self.assertTrue(lines[-1].startswith(f"sweep s3://{self.bucket}/{PREFIX}: 3 objects"),
                        r.stdout)
        self.assertEqual(self.objects(PREFIX) & orphans, set())
        # A dry run is as it was: the list, the summary, then the note.
        self.put_orphans(1)
        r = self.sql(".sweep codec_items sb 0s\n")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout.splitlines()[-1], NOTE)

    def test_sweep_delete_on_a_terminal_asks_first(self):
        orphans = self.put_orphans(3)
        term = self.terminal()
        term.line(".sweep codec_items sb 0s delete")
        screen = term.wait_text("[y/N]")
        self.assertIn(NOTE, screen)
        self.assertIn(f"Delete 3 S3 objects under s3://{self.bucket}/{PREFIX} that no item of "
                      "codec_items.sb references (of 3 listed)? [y/N]", screen)
        self.assertLess(screen.index(NOTE), screen.index("[y/N]"))
        term.line("n")
        term.wait_text("nothing deleted (3 orphans left in place)")
        self.assertEqual(self.objects(PREFIX), orphans)
        term.line(".sweep codec_items sb 0s delete")
        term.wait_count("[y/N]", 2)
        term.line("y")
        screen = term.wait_text("3 orphans deleted")
        self.assertEqual(self.objects(PREFIX), set())
        # Nothing to delete: nothing to ask.
        term.line(".sweep codec_items sb 0s delete")
        screen = term.wait_text("0 orphans deleted")
        self.assertEqual(screen.count("[y/N]"), 2, screen)


if __name__ == "__main__":
    cli_support.main()
