#!/usr/bin/env python3
"""Golden output: for every output mode, the bytes ddbsql prints for rows of
a DynamoDB Local table equal the bytes the sqlite3 shell (3.40, a peer
nobody here wrote) prints for a local table holding the same rows.

The local table is built from what ddbsql declares: its columns and types
come from pragma_table_xinfo of the DynamoDB table, and its rows are SQL
literals of the values the items were written with (numbers as INTEGER or
REAL, strings as TEXT, binary as BLOB, booleans as 1/0, maps as JSON text,
missing attributes as NULL). Each mode runs as a flag (-csv) and as a
dot-command (.mode csv), with headers by default, on and off, and over a
full scan, a key lookup with expressions, and a query with no rows.

Run: scripts/python.sh tests/golden_test.py --ddbsql build/ddbsql
"""

import difflib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

TABLE = "golden_items"

# (DynamoDB item, the same values as SQL literals by attribute name).
ROWS = [
    ({"id": {"N": "1"}, "name": {"S": "plain"}, "qty": {"N": "3"}, "price": {"N": "1.5"},
      "flag": {"BOOL": True}, "data": {"B": b"\x00\x01\xff"},
      "attrs": {"M": {"color": {"S": "red"}, "size": {"N": "2"}}}},
     {"id": "1", "name": "'plain'", "qty": "3", "price": "1.5", "flag": "1",
      "data": "x'0001ff'", "attrs": "'{\"color\":\"red\",\"size\":2}'"}),
    ({"id": {"N": "2"}, "name": {"S": "comma, \"quote\" and 'apos'"}, "qty": {"N": "-7"},
      "price": {"N": "1e20"}, "flag": {"BOOL": False}},
     {"id": "2", "name": "'comma, \"quote\" and ''apos'''", "qty": "-7", "price": "1e20",
      "flag": "0"}),
    ({"id": {"N": "3"}, "name": {"S": "line\nbreak\ttab <b>&amp;</b> \\ back"},
      "qty": {"N": "0"}, "price": {"N": "0.1"}},
     {"id": "3", "name": "'line' || char(10) || 'break' || char(9) || 'tab <b>&amp;</b> \\ back'",
      "qty": "0", "price": "0.1"}),
    ({"id": {"N": "4"}, "name": {"S": "Ünïcødé ✓ 日本語 and a rather long text that goes "
                                      "past the sixty characters at which box wraps"},
      "price": {"N": "-123456789.25"}},
     {"id": "4", "name": "'Ünïcødé ✓ 日本語 and a rather long text that goes past the sixty "
                         "characters at which box wraps'", "price": "-123456789.25"}),
    ({"id": {"N": "5"}, "name": {"S": ""}, "qty": {"N": "9007199254740993"}},
     {"id": "5", "name": "''", "qty": "9007199254740993"}),
]

QUERIES = [
    f"SELECT * FROM {TABLE} ORDER BY id;",
    f"SELECT id, name, length(name) AS len, price * 2 AS \"twice the price\", qty IS NULL"
    f" FROM {TABLE} WHERE id IN (1, 3, 4) ORDER BY id;",
    f"SELECT * FROM {TABLE} WHERE id = 99;",
]

MODES = ("ascii", "box", "column", "csv", "html", "insert", "json", "line", "list",
         "markdown", "quote", "table", "tabs")
# Modes sqlite3 3.40 has no command-line flag for.
NO_FLAG = {"insert"}


class GoldenOutputTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.sqlite3 = shutil.which("sqlite3")
        if not cls.sqlite3:
            message = "no sqlite3 shell on PATH to compare with"
            if cli_support.emulators_required():
                raise AssertionError(message)
            raise unittest.SkipTest(message)
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("golden")
        cls.secret = cli_support.new_secret("golden")
        client = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cli_support.create_table(client, TABLE, key="id", key_type="N")
        for item, _ in ROWS:
            client.put_item(TableName=TABLE, Item=item)
        cls.tmp = tempfile.mkdtemp(prefix="ddbsql-golden-")
        cls.db = os.path.join(cls.tmp, "golden.db")
        cls.columns = cls.declared_columns()
        cls.create_local_table()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    @classmethod
    def child_env(cls):
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": cls.tmp,
                "LANG": "C.UTF-8", "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_ACCESS_KEY_ID": cls.key_id, "AWS_SECRET_ACCESS_KEY": cls.secret,
                "AWS_REGION": cli_support.REGION, "AWS_ENDPOINT_URL": cls.url,
                "AWS_CONFIG_FILE": os.path.join(cls.tmp, "none"),
                "AWS_SHARED_CREDENTIALS_FILE": os.path.join(cls.tmp, "none")}

    @classmethod
    def declared_columns(cls):
        """[(name, declared type)] of the visible columns, as ddbsql declares them."""
        proc = subprocess.run(
            [cli_support.DDBSQL, "-separator", "\x1f", "-c",
             f"SELECT name, type FROM pragma_table_xinfo('{TABLE}') WHERE hidden = 0"],
            env=cls.child_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=cli_support.TIMEOUT_SECONDS)
        if proc.returncode != 0:
            raise AssertionError(f"ddbsql failed: {proc.stderr}")
        columns = [tuple(line.split("\x1f")) for line in proc.stdout.splitlines()]
        names = {name for name, _ in columns}
        expected = {name for _, values in ROWS for name in values}
        if names != expected:
            raise AssertionError(f"ddbsql declares columns {sorted(names)}, "
                                 f"the items have {sorted(expected)}")
        return columns

    @classmethod
    def create_local_table(cls):
        def quote_id(name):
            return '"' + name.replace('"', '""') + '"'

        con = sqlite3.connect(cls.db)
        con.execute(f"CREATE TABLE {TABLE}(" +
                    ", ".join(f"{quote_id(n)} {t}".rstrip() for n, t in cls.columns) + ")")
        for _, values in ROWS:
            con.execute(f"INSERT INTO {TABLE} VALUES(" +
                        ", ".join(values.get(name, "NULL") for name, _ in cls.columns) + ")")
        con.commit()
        con.close()

    def run_both(self, setup):
        """Runs QUERIES in ddbsql (over DynamoDB) and in sqlite3 (over the
        local copy) with the same `setup` arguments."""
        sql = " ".join(QUERIES)
        env = self.child_env()
        mine = self.run_cli(list(setup) + ["-c", sql], env)
        theirs = self.run_cli(list(setup) + [self.db, sql], env, program=self.sqlite3)
        return mine, theirs

    def assert_same_bytes(self, mine, theirs):
        self.assertEqual(mine.returncode, 0, mine)
        self.assertEqual(mine.stderr, "", mine)
        self.assertEqual(theirs.returncode, 0, theirs)
        if mine.stdout_bytes != theirs.stdout_bytes:
            diff = "\n".join(difflib.unified_diff(
                [repr(l) for l in theirs.stdout_bytes.splitlines(keepends=True)],
                [repr(l) for l in mine.stdout_bytes.splitlines(keepends=True)],
                "sqlite3", "ddbsql", lineterm=""))
            self.fail(f"{mine.args} differs from sqlite3:\n{diff}")

    def test_local_copy_holds_the_same_values(self):
        # The comparison below is only meaningful if both tables hold the
        # same typed values: check them through quote() and typeof().
        cols = ", ".join(f"quote(\"{n}\"), typeof(\"{n}\")" for n, _ in self.columns)
        sql = f"SELECT {cols} FROM {TABLE} ORDER BY id"
        mine = self.run_cli(["-c", sql], self.child_env())
        theirs = self.run_cli([self.db, sql], self.child_env(), program=self.sqlite3)
        self.assert_same_bytes(mine, theirs)
        self.assertEqual(len(mine.stdout.splitlines()), len(ROWS) + 1)  # one name has a newline

    def test_every_mode_as_a_flag(self):
        for mode in MODES:
            if mode in NO_FLAG:
                continue
            for headers in ([], ["-header"], ["-noheader"]):
                with self.subTest(mode=mode, headers=headers):
                    self.assert_same_bytes(*self.run_both(["-" + mode] + headers))

    def test_every_mode_as_a_dot_command(self):
        for mode in MODES:
            for headers in ([], ["-cmd", ".headers on"], ["-cmd", ".headers off"]):
                with self.subTest(mode=mode, headers=headers):
                    self.assert_same_bytes(*self.run_both(["-cmd", ".mode " + mode] + headers))

    def test_mode_options(self):
        for setup in (["-cmd", ".mode box --wrap 20"],
                      ["-cmd", ".mode table --wrap 15 --wordwrap on"],
                      ["-cmd", ".mode qbox"],
                      ["-cmd", ".mode column", "-cmd", ".width 4 -8 3"],
                      ["-cmd", ".mode insert golden_copy", "-header"],
                      ["-cmd", ".mode list", "-cmd", ".separator ; ~", "-cmd", ".nullvalue -"],
                      ["-cmd", ".mode csv", "-cmd", ".separator \\t"],
                      ["-cmd", ".mode line", "-cmd", ".nullvalue (null)"]):
            with self.subTest(setup=setup):
                self.assert_same_bytes(*self.run_both(setup))


if __name__ == "__main__":
    cli_support.main()
