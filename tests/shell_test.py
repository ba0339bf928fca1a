#!/usr/bin/env python3
"""End-to-end tests of ddbsql's scripts, dot-commands and flags: error
locations (FILE:LINE) and exit statuses, -bail, -echo, -cmd and init file
order, .read nesting, .once/.output files, streaming of large results,
parameters, .schema/.indexes/.dump/.import, switching connections, every
documented flag in both spellings, and each kind of bad input (a clear
message, the shell still usable).

Where sqlite3 has the same command, the test runs the same script through
/usr/bin/sqlite3 (a peer nobody here wrote) and compares the bytes.

Run: scripts/python.sh tests/shell_test.py --ddbsql build/ddbsql
"""

import gzip
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

TABLE = "shell_items"
ITEMS = [("a", 1), ("b", 2), ("c", 3)]
INDEXED = "shell_indexed"
OTHER_REGION = "eu-west-1"


class ShellTestCase(cli_support.CliTestCase):
    """A DynamoDB Local database of the class's own with TABLE (id S, n N)
    and INDEXED (pk S, sk N, a GSI and an LSI)."""

    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("shell")
        cls.secret = cli_support.new_secret("shell")
        cls.client = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cli_support.create_table(cls.client, TABLE)
        for key, n in ITEMS:
            cls.client.put_item(TableName=TABLE, Item={"id": {"S": key}, "n": {"N": str(n)}})
        cls.client.create_table(
            TableName=INDEXED,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "status", "AttributeType": "S"},
                                  {"AttributeName": "n", "AttributeType": "N"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "by_status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}}],
            LocalSecondaryIndexes=[{
                "IndexName": "by_n",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                              {"AttributeName": "n", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            BillingMode="PAY_PER_REQUEST")
        cls.client.put_item(TableName=INDEXED, Item={
            "pk": {"S": "p"}, "sk": {"N": "1"}, "status": {"S": "open"}, "n": {"N": "5"},
            "note": {"S": "hi"}})

    def env(self, **extra):
        values = dict(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                      AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL=self.url)
        values.update(extra)
        return self.base_env(**values)

    def write(self, name, text):
        path = os.path.join(self.home, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def read(self, name):
        with open(os.path.join(self.home, name), encoding="utf-8") as f:
            return f.read()

    def ddbsql(self, args, input=None, **env):
        return self.run_cli(args, self.env(**env), input=input)

    def sqlite3(self, args, input=None):
        """Runs the sqlite3 shell on an in-memory database, or skips."""
        program = shutil.which("sqlite3")
        cli_support.skip_unless_installed(program, "the sqlite3 shell (to compare with)")
        return self.run_cli(args, self.base_env(), input=input, program=program)

    def assert_same_as_sqlite3(self, script, ddbsql_args=(), sqlite3_args=()):
        """Runs `script` (local SQL and dot-commands only) from a file in
        both shells; stdout must be byte for byte the same."""
        path = self.write("same.sql", script)
        mine = self.ddbsql(list(ddbsql_args) + [path])
        theirs = self.sqlite3(list(sqlite3_args) + [":memory:", ".read same.sql"])
        self.assertEqual(mine.stdout_bytes, theirs.stdout_bytes, (mine, theirs))
        return mine, theirs


class ScriptErrorTest(ShellTestCase):
    SCRIPT = ("SELECT 1;\n"                      # 1
              "SELECT nope1;\n"                  # 2
              "-- a comment\n"                   # 3
              "/* a block\n"                     # 4
              "   comment */\n"                  # 5
              "SELECT\n"                         # 6
              "  nope2\n"                        # 7
              f"FROM {TABLE};\n"                 # 8
              ".bogus\n"                         # 9
              "SELECT 2; SELECT nope3;\n"        # 10
              "\n"                               # 11
              "SELECT 'x' ||\n"                  # 12
              "  nope4;\n"                       # 13
              "-- before a dot-command\n"        # 14
              ".print after\n"                   # 15
              f"SELECT count(*) FROM {TABLE};\n")  # 16

    def test_each_error_names_the_line_its_statement_starts_on(self):
        self.write("s.sql", self.SCRIPT)
        result = self.ddbsql(["s.sql"])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stderr,
                         "s.sql:2: no such column: nope1\n"
                         "s.sql:6: no such column: nope2\n"
                         "s.sql:9: unknown command: .bogus (see .help)\n"
                         "s.sql:10: no such column: nope3\n"
                         "s.sql:12: no such column: nope4\n")
        self.assertEqual(result.stdout, "1\n2\nafter\n3\n")

    def test_stdin_errors_name_stdin(self):
        result = self.ddbsql([], input=self.SCRIPT)
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stderr.splitlines()[1], "<stdin>:6: no such column: nope2")

    def test_bail_stops_at_the_first_error(self):
        self.write("s.sql", self.SCRIPT)
        for args in (["-bail", "s.sql"], ["--bail", "s.sql"], ["-cmd", ".bail on", "s.sql"]):
            with self.subTest(args=args):
                result = self.ddbsql(args)
                self.assertEqual(result.returncode, 1, result)
                self.assertEqual(result.stderr, "s.sql:2: no such column: nope1\n")
                self.assertEqual(result.stdout, "1\n")
        # A failing dot-command stops it as well.
        self.write("d.sql", "SELECT 1;\n.mode nosuchmode\nSELECT 2;\n")
        result = self.ddbsql(["-bail", "d.sql"])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "1\n")
        self.assertIn("d.sql:2: ", result.stderr)

    def test_exit_statuses(self):
        self.assertEqual(self.ddbsql(["-c", "SELECT 1"]).returncode, 0)
        self.assertEqual(self.ddbsql(["-c", "SELECT nope"]).returncode, 1)
        self.assertEqual(self.ddbsql(["-c", ".bogus"]).returncode, 1)
        self.assertEqual(self.ddbsql(["-f", "missing.sql"]).returncode, 2)
        self.assertEqual(self.ddbsql(["--no-such-flag"]).returncode, 2)
        self.assertEqual(self.ddbsql(["-c"]).returncode, 2)
        # An error followed by successes still fails the run.
        self.assertEqual(self.ddbsql(["-c", "SELECT nope", "-c", "SELECT 1"]).returncode, 1)
        self.assertEqual(self.ddbsql([], input="SELECT 1;\n.quit\nSELECT nope;\n").returncode, 0)
        # `.exit CODE` exits with CODE, as in sqlite3.
        self.assertEqual(self.ddbsql([], input="SELECT 1;\n.exit 3\n").returncode, 3)
        self.assertEqual(self.ddbsql([], input="SELECT nope;\n.exit 0\n").returncode, 1)

    def test_unterminated_string_at_end_of_input(self):
        text = "SELECT 1;\nSELECT 'abc;\n\nSELECT 2;\n"
        self.write("u.sql", text)
        result = self.ddbsql(["u.sql"])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "1\n")
        self.assertEqual(result.stderr, "u.sql:2: unterminated string at end of input\n")
        result = self.ddbsql([], input="SELECT 1;\nSELECT 2, \"abc\n")
        self.assertEqual(result.stderr,
                         "<stdin>:2: unterminated quoted identifier at end of input\n")
        # The string starts on a later line than its statement: that line.
        result = self.ddbsql([], input="SELECT 1,\n  2,\n  'abc\n")
        self.assertEqual(result.stderr, "<stdin>:3: unterminated string at end of input\n")
        result = self.ddbsql([], input="SELECT 1;\n/* never closed\n")
        self.assertEqual(result.stderr, "<stdin>:2: unterminated comment at end of input\n")

    def test_last_statement_without_semicolon_runs(self):
        result = self.ddbsql([], input="SELECT 1;\nSELECT 2 -- the end\n")
        self.assert_ok(result)
        self.assertEqual(result.stdout, "1\n2\n")

    def test_unknown_dot_command_and_mode_leave_the_shell_usable(self):
        result = self.ddbsql(["-c", ".bogus", "-c", ".mode nosuch", "-c", "SELECT 1"])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "1\n")
        lines = result.stderr.splitlines()
        self.assertEqual(lines[0], "Error: unknown command: .bogus (see .help)")
        self.assertTrue(lines[1].startswith('Error: unknown mode "nosuch": mode should be one of:'),
                        result)
        self.assertIn(" csv ", lines[1])
        self.assertEqual(len(lines), 2, result)

    def test_unreadable_read_file(self):
        os.mkdir(os.path.join(self.home, "subdir"))
        self.write("s.sql", ".read missing.sql\n.read subdir\nSELECT 1;\n")
        result = self.ddbsql(["s.sql"])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "1\n")
        self.assertEqual(result.stderr,
                         's.sql:1: cannot open "missing.sql": No such file or directory\n'
                         's.sql:2: cannot read "subdir": is a directory\n')

    def test_write_to_a_dynamodb_table(self):
        self.write("w.sql", f"SELECT 1;\nINSERT INTO {TABLE}(id, n) VALUES ('a', 9);\n"
                            f"SELECT count(*) FROM {TABLE};\n")
        result = self.ddbsql(["w.sql"])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "1\n3\n")
        self.assertEqual(len(result.stderr.splitlines()), 1, result)
        self.assertTrue(result.stderr.startswith("w.sql:2: "), result)
        self.assertIn(TABLE, result.stderr)


class ReadTest(ShellTestCase):
    def setUp(self):
        super().setUp()
        self.write("outer.sql", "SELECT 'outer';\n.read mid.sql\nSELECT 'outer end';\n")
        self.write("mid.sql", "SELECT 'mid';\n.read inner.sql\nSELECT 'mid end';\n")
        self.write("inner.sql", "SELECT 'inner';\n\nSELECT nope;\nSELECT 'inner end';\n")

    def test_nested_read_reports_the_inner_location_once(self):
        result = self.ddbsql(["outer.sql"])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "outer\nmid\ninner\ninner end\nmid end\nouter end\n")
        self.assertEqual(result.stderr, "inner.sql:3: no such column: nope\n")

    def test_bail_stops_every_level(self):
        result = self.ddbsql(["-bail", "outer.sql"])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "outer\nmid\ninner\n")
        self.assertEqual(result.stderr, "inner.sql:3: no such column: nope\n")

    def test_quit_in_a_read_file_ends_the_session(self):
        self.write("q.sql", "SELECT 'q';\n.quit\nSELECT 'not run';\n")
        result = self.ddbsql(["-c", ".read q.sql", "-c", "SELECT 'nor this'"])
        self.assert_ok(result)
        self.assertEqual(result.stdout, "q\n")

    def test_a_file_that_reads_itself_stops(self):
        self.write("loop.sql", "SELECT 1;\n.read loop.sql\n")
        result = self.ddbsql(["loop.sql"])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(len(result.stderr.splitlines()), 1, result)
        self.assertIn("nested", result.stderr)
        self.assertEqual(result.stdout.count("1\n"), 65)


class OutputFileTest(ShellTestCase):
    SCRIPT = (".once once.txt\n"
              "SELECT 1; SELECT 2;\n"
              "SELECT 3;\n"
              ".output out.txt\n"
              "SELECT 4;\n"
              ".print five\n"
              ".output\n"
              "SELECT 6;\n"
              ".once once2.txt\n"
              ".print only this\n"
              ".print seven\n")

    def test_once_and_output_write_files_like_sqlite3(self):
        result = self.ddbsql([], input=self.SCRIPT)
        self.assert_ok(result)
        self.assertEqual(result.stdout, "3\n6\nseven\n")
        got = {name: self.read(name) for name in ("once.txt", "out.txt", "once2.txt")}
        self.assertEqual(got, {"once.txt": "1\n2\n", "out.txt": "4\nfive\n",
                               "once2.txt": "only this\n"})
        theirs = self.sqlite3([":memory:"], input=self.SCRIPT)
        self.assertEqual(theirs.stdout, result.stdout)
        self.assertEqual({name: self.read(name) for name in got}, got)

    def test_output_to_an_unwritable_file(self):
        result = self.ddbsql(["-c", ".output /nonexistent-dir/x.txt", "-c", "SELECT 1"])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "1\n")
        self.assertIn("/nonexistent-dir/x.txt", result.stderr)
        self.assertEqual(len(result.stderr.splitlines()), 1, result)

    def test_output_with_bom_and_dynamodb_rows(self):
        result = self.ddbsql(["-c", ".output --bom rows.csv", "-c", ".mode csv",
                              "-c", f"SELECT id, n FROM {TABLE} ORDER BY id"])
        self.assert_ok(result)
        with open(os.path.join(self.home, "rows.csv"), "rb") as f:
            self.assertEqual(f.read(), b"\xef\xbb\xbfa,1\r\nb,2\r\nc,3\r\n")

    def test_a_large_result_streams_to_the_file_complete(self):
        rows = 20000
        query = (f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows})"
                 " SELECT x, 'row-' || x, substr('zzzzzzzzzzzzzzzzzzzz', 1, x % 20) FROM c;")
        result = self.ddbsql([], input=f".output big.txt\n{query}\n.output\nSELECT 'done';\n")
        self.assert_ok(result)
        self.assertEqual(result.stdout, "done\n")
        lines = self.read("big.txt").split("\n")
        self.assertEqual(lines[-1], "")
        self.assertEqual(len(lines) - 1, rows)
        self.assertEqual(lines[0], "1|row-1|z")
        self.assertEqual(lines[-2], f"{rows}|row-{rows}|")
        self.assertEqual(lines[12344], "12345|row-12345|" + "z" * (12345 % 20))
        # Straight to a pipe, in a columnar mode as well.
        result = self.ddbsql(["-box", "-c", query])
        self.assert_ok(result)
        self.assertEqual(len(result.stdout.splitlines()), rows + 4)


class SessionOrderTest(ShellTestCase):
    def test_init_file_then_cmd_then_input(self):
        self.write(".ddbsqlrc", ".print rc\n.mode csv\n")
        self.write("script.sql", ".print script\nSELECT 'a,b';\n")
        result = self.ddbsql(["-cmd", ".print cmd1", "-cmd", ".print cmd2", "script.sql"])
        self.assert_ok(result)
        self.assertEqual(result.stdout, 'rc\ncmd1\ncmd2\nscript\n"a,b"\r\n')
        result = self.ddbsql(["-cmd", ".print cmd1", "-c", ".print c", "-c", "SELECT 1"])
        self.assertEqual(result.stdout, "rc\ncmd1\nc\n1\r\n")

    def test_init_flag_replaces_the_rc_file(self):
        self.write(".ddbsqlrc", ".print rc\n")
        self.write("other.sql", ".print other\n")
        for flag in ("-init", "--init"):
            with self.subTest(flag=flag):
                result = self.ddbsql([flag, "other.sql", "-c", ".print done"])
                self.assert_ok(result)
                self.assertEqual(result.stdout, "other\ndone\n")

    def test_errors_in_the_init_file_name_it(self):
        self.write("bad.sql", "\nSELECT nope;\n")
        result = self.ddbsql(["-init", "bad.sql", "-c", "SELECT 1"])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stderr, "bad.sql:2: no such column: nope\n")
        self.assertEqual(result.stdout, "1\n")
        result = self.ddbsql(["-init", "missing.sql", "-c", "SELECT 1"])
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("missing.sql", result.stderr)

    def test_echo_like_sqlite3(self):
        script = (".print hi\nSELECT 1; SELECT 2;\n-- c\nSELECT\n 3;\n"
                  ".echo off\nSELECT 4;\n.echo on\n.mode csv\nSELECT 'a,b';\n")
        for flag in ("-echo", "--echo"):
            with self.subTest(flag=flag):
                self.assert_same_as_sqlite3(script, [flag], ["-echo"])
        # -c text is not echoed, as in sqlite3.
        result = self.ddbsql(["-echo", "-c", "SELECT 5"])
        self.assertEqual(result.stdout, "5\n")


class ParameterTest(ShellTestCase):
    def test_parameters_reach_dynamodb(self):
        result = self.ddbsql([], input=(
            ".parameter set :id 'b'\n"
            f"SELECT n FROM {TABLE} WHERE id = :id;\n"
            ".parameter set :id c\n"
            f"SELECT n FROM {TABLE} WHERE id = :id;\n"
            ".parameter set ?1 'a'\n"
            f"SELECT n FROM {TABLE} WHERE id = ?;\n"
            ".parameter set $ids \"(SELECT group_concat(id) FROM (SELECT id FROM " + TABLE +
            " ORDER BY id))\"\n"
            "SELECT $ids;\n"))
        self.assert_ok(result)
        self.assertEqual(result.stdout, "2\n3\n1\na,b,c\n")

    def test_parameter_commands_like_sqlite3(self):
        self.assert_same_as_sqlite3(
            ".parameter init\n.parameter list\n"
            ".parameter set :a 'x'\n.parameter set :bb 42\n.parameter set @c abs(-3)\n"
            ".parameter set $d \"'q'\"\n.parameter set :e hello\n"
            ".parameter list\n"
            "SELECT :a, typeof(:a), :bb, typeof(:bb), @c, $d, :e, :unset IS NULL;\n"
            ".parameter unset :a\n.parameter list\n.parameter clear\n.parameter list\n"
            "SELECT :bb IS NULL;\n")

    def test_bad_parameter_commands(self):
        for command, needle in ((".parameter", "usage: .parameter"),
                                (".parameter bogus", "usage: .parameter"),
                                (".parameter set :x", "usage: .parameter"),
                                (".parameter set x 1", "start with one of")):
            with self.subTest(command=command):
                result = self.ddbsql(["-c", command, "-c", "SELECT 1"])
                self.assertEqual(result.returncode, 1, result)
                self.assertEqual(result.stdout, "1\n")
                self.assertIn(needle, result.stderr)


class SchemaCommandsTest(ShellTestCase):
    LOCAL = ("CREATE TABLE loc_a(id INTEGER PRIMARY KEY, name TEXT, price REAL);\n"
             "CREATE TABLE \"loc odd\"(x -- a comment\n);\n"
             "CREATE INDEX loc_a_name ON loc_a(name);\n"
             "CREATE INDEX loc_a_price ON loc_a(price);\n"
             "CREATE VIEW loc_v AS SELECT id, name AS n FROM loc_a;\n"
             "CREATE TABLE loc_s(id INTEGER PRIMARY KEY AUTOINCREMENT, y);\n"
             "CREATE TRIGGER loc_tr AFTER INSERT ON loc_s BEGIN SELECT 1; END;\n"
             "INSERT INTO loc_a VALUES (1, 'it''s', 1.5), (2, NULL, -0.0),"
             " (3, 'line\ntwo', 1e300), (4, '', 2);\n"
             "INSERT INTO \"loc odd\" VALUES (x'00ff');\n"
             "INSERT INTO loc_s(y) VALUES (1), (2);\n"
             "CREATE TEMP TABLE loc_t(z);\n")

    def test_local_schema_commands_like_sqlite3(self):
        self.assert_same_as_sqlite3(
            self.LOCAL + ".tables loc%\n.tables loc_a\n.schema loc%\n.schema loc_a\n"
            ".schema --nosys loc_s\n.indexes loc%\n.indexes loc_a\n.tables nomatch\n")

    def test_dump_like_sqlite3(self):
        self.assert_same_as_sqlite3(self.LOCAL + ".dump\n.dump loc_a\n.dump --data-only loc%\n"
                                    ".dump --nosys\n.dump nomatch\n")

    def test_dynamodb_tables_in_tables_and_schema(self):
        result = self.ddbsql(["-c", ".tables", "-c", f".schema {INDEXED}"])
        self.assert_ok(result)
        lines = result.stdout.splitlines()
        self.assertEqual(lines[0].split(), [INDEXED, TABLE])
        self.assertEqual(lines[1],
                         f"CREATE VIRTUAL TABLE \"{INDEXED}\" USING dynamodb(table='{INDEXED}')")
        self.assertTrue(lines[2].startswith(f"/* {INDEXED}(pk TEXT,sk NUMERIC,"), result)
        self.assertTrue(lines[2].endswith(",item HIDDEN) */;"), result)
        for column in ("n NUMERIC", "note TEXT", "status TEXT"):
            self.assertIn(column, lines[2])
        self.assertEqual(len(lines), 3, result)

    def hides(self, local, kind="table"):
        return (f"warning: the local {kind} {local} hides the DynamoDB table {TABLE}: statements "
                f"that name {TABLE} use the local one; name the DynamoDB table as ddb.{TABLE}\n")

    def test_a_local_table_hides_a_dynamodb_table_of_the_same_name(self):
        # Created before the DynamoDB tables are listed: said when they are.
        result = self.ddbsql(["-c", f"CREATE TABLE {TABLE}(x)", "-c", ".tables shell%"])
        self.assertEqual(result.returncode, 0, result)
        self.assertEqual(result.stdout.split(), [f"ddb.{TABLE}", INDEXED, TABLE])
        self.assertEqual(result.stderr, self.hides(TABLE))
        # Created after: said at once, and once.
        result = self.ddbsql(["-c", f"SELECT count(*) FROM {TABLE}",
                              "-c", f"CREATE TABLE {TABLE.upper()}(x)",
                              "-c", f"INSERT INTO {TABLE} VALUES (1)",
                              "-c", f"SELECT count(*) FROM {TABLE}",
                              "-c", f"CREATE TABLE IF NOT EXISTS {TABLE}(x)",
                              "-c", f"SELECT count(*) FROM ddb.{TABLE}"])
        self.assertEqual(result.returncode, 0, result)
        self.assertEqual(result.stdout, "3\n1\n3\n")
        self.assertEqual(result.stderr, self.hides(TABLE.upper()))
        # A temporary table or a view hides it as well.
        for create, local, kind in ((f"CREATE TEMP TABLE {TABLE}(x)", f"temp.{TABLE}", "table"),
                                    (f"CREATE VIEW {TABLE} AS SELECT 1", TABLE, "view")):
            with self.subTest(create=create):
                result = self.ddbsql(["-c", f"SELECT count(*) FROM {TABLE}", "-c", create])
                self.assertEqual(result.returncode, 0, result)
                self.assertEqual(result.stderr, self.hides(local, kind))
        # A table of another name, or in a database attached after the
        # DynamoDB tables were listed, hides nothing.
        result = self.ddbsql(["-c", f"SELECT count(*) FROM {TABLE}", "-c", "CREATE TABLE t(x)",
                              "-c", "ATTACH ':memory:' AS aux",
                              "-c", f"CREATE TABLE aux.{TABLE}(x)"])
        self.assert_ok(result)

    def test_dynamodb_indexes(self):
        result = self.ddbsql(["-c", ".indexes shell%"])
        self.assert_ok(result)
        self.assertEqual(result.stdout,
                         f"{INDEXED}: PRIMARY KEY (pk HASH S, sk RANGE N)\n"
                         f"{INDEXED}: GSI by_status (status HASH S) PROJECTION INCLUDE (note)\n"
                         f"{INDEXED}: LSI by_n (pk HASH S, n RANGE N) PROJECTION KEYS_ONLY\n"
                         f"{TABLE}: PRIMARY KEY (id HASH S)\n")
        # Local indexes first, in sqlite3's layout, then DynamoDB's.
        result = self.ddbsql(["-c", "CREATE TABLE t(a, b)", "-c", "CREATE INDEX t_a ON t(a)",
                              "-c", ".indexes"])
        self.assert_ok(result)
        self.assertTrue(result.stdout.startswith("t_a\n" + INDEXED + ": PRIMARY KEY"), result)

    def test_dump_refuses_dynamodb_tables(self):
        # The error alone: no empty BEGIN TRANSACTION; COMMIT; beside it.
        for pattern in (TABLE, f"t {TABLE}"):
            with self.subTest(pattern=pattern):
                result = self.ddbsql(["-c", "CREATE TABLE t(x)", "-c", f".dump {pattern}"])
                self.assert_one_line_error(result, 1, f"{TABLE} is a DynamoDB table")
        # Nor when the DynamoDB tables cannot be listed: a pattern that
        # matches no local table may name one. A local table is dumped.
        down = dict(AWS_ENDPOINT_URL="http://127.0.0.1:1", AWS_MAX_ATTEMPTS="1")
        result = self.ddbsql(["-c", "CREATE TABLE t(x)", "-c", f".dump {TABLE}"], **down)
        self.assert_one_line_error(result, 1, "DynamoDB tables are not available")
        result = self.ddbsql(["-c", "CREATE TABLE t(x)", "-c", ".dump t"], **down)
        self.assertEqual(result.stdout, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
                                        "CREATE TABLE t(x);\nCOMMIT;\n")
        self.assertIn("DynamoDB tables are not available", result.stderr)
        # Without a pattern DynamoDB tables are simply not part of "main".
        result = self.ddbsql(["-c", "CREATE TABLE t(x)", "-c", ".dump"])
        self.assert_ok(result)
        self.assertEqual(result.stdout, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
                                        "CREATE TABLE t(x);\nCOMMIT;\n")


class ImportTest(ShellTestCase):
    CSV = ('name,qty,note\r\nalice,3,"hello, world"\nbob,,"say ""hi"""\n'
           '"multi\nline",7\ncarol,1,x,extra\n\n')

    def test_import_like_sqlite3(self):
        self.write("in.csv", self.CSV)
        self.write("in.psv", "a|b\n1|2\n3|4|5\n")
        self.write("bom.csv", "\ufeffh1,h2\n\"a\"\"b\",x\n\"q\r\nline\"\r\nz,\"w\"\n")
        script = (".import --csv in.csv t\n.mode quote\nSELECT * FROM t;\n.schema t\n"
                  ".import --csv --skip 1 in.csv t\nSELECT count(*) FROM t;\n"
                  ".mode list\n.import in.psv p\n.schema p\nSELECT * FROM p;\n"
                  ".import -v --csv in.csv t3\n.mode csv\n.import in.psv p2\nSELECT * FROM p2;\n"
                  ".import bom.csv b\n.mode quote\nSELECT * FROM b;\n"
                  "CREATE TEMP TABLE tt(a, b);\n.import --csv in.psv tt\nSELECT * FROM temp.tt;\n"
                  ".import --ascii --schema main in.psv asc\nSELECT count(*) FROM asc;\n")
        mine, theirs = self.assert_same_as_sqlite3(script)
        self.assertEqual(mine.stderr, theirs.stderr)
        self.assertIn("expected 3 columns but found 2", mine.stderr)

    def test_import_into_a_new_table_from_a_dynamodb_export(self):
        result = self.ddbsql(["-c", ".headers on", "-c", ".mode csv", "-c", ".once items.csv",
                              "-c", f"SELECT id, n FROM {TABLE} ORDER BY id",
                              "-c", ".import --csv items.csv copy",
                              "-c", ".mode list", "-c", ".headers off",
                              "-c", "SELECT id, n + 1 FROM copy ORDER BY id"])
        self.assert_ok(result)
        self.assertEqual(result.stdout, "a|2\nb|3\nc|4\n")

    def test_bad_imports(self):
        self.write("in.csv", "a,b\n1,2\n")
        self.write("empty.csv", "")
        cases = ((".import", "usage: .import"),
                 (".import in.csv", "usage: .import"),
                 (".import --bogus in.csv t", "--bogus"),
                 (".import missing.csv t", 'cannot open "missing.csv"'),
                 (".import --csv empty.csv t", "empty.csv: empty file"),
                 (f".import --csv in.csv {TABLE}", "is a DynamoDB table"),
                 (".import --csv in.csv ddb_tab --schema ddb", "is a DynamoDB table"),
                 (".import |cat t", "not supported"))
        for command, needle in cases:
            with self.subTest(command=command):
                result = self.ddbsql(["-c", command, "-c", "SELECT 1"])
                self.assertEqual(result.returncode, 1, result)
                self.assertEqual(result.stdout, "1\n")
                self.assertIn(needle, result.stderr)
        # Rows the table refuses are counted and fail the run.
        result = self.ddbsql(["-c", "CREATE TABLE s(a INTEGER NOT NULL, b)", "-c",
                              ".import --csv in.csv s", "-c", "SELECT count(*) FROM s"])
        self.assertEqual(result.returncode, 0, result)
        self.write("nulls.csv", "a,b\n,2\n")
        result = self.ddbsql(["-c", "CREATE TABLE s(a NOT NULL CHECK (a <> ''), b)", "-c",
                              ".import --csv nulls.csv s", "-c", "SELECT count(*) FROM s"])
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("nulls.csv:2: INSERT failed", result.stderr)
        self.assertIn("1 of 2 rows failed", result.stderr)
        self.assertEqual(result.stdout, "1\n")


class SettingsTest(ShellTestCase):
    def test_show_like_sqlite3(self):
        for cmds in ([], [".mode csv", ".nullvalue NULL", ".width 5 -3", ".headers on",
                          ".eqp on", ".separator ; \\n"],
                     [".mode box", ".separator \"\\t\" \"\\r\\n\"", ".nullvalue é"]):
            with self.subTest(cmds=cmds):
                args = []
                for c in cmds:
                    args += ["-cmd", c]
                mine = self.ddbsql(args + ["-c", ".show"])
                theirs = self.sqlite3(args + [":memory:", ".show"])
                self.assertEqual(mine.stdout.splitlines()[:12], theirs.stdout.splitlines(),
                                 (mine, theirs))
                self.assertIn("  connection: " + self.url, mine.stdout)

    def test_changes_eqp_and_explain_like_sqlite3(self):
        self.assert_same_as_sqlite3(
            ".changes on\nCREATE TABLE t(a INTEGER PRIMARY KEY, b);\n"
            "INSERT INTO t VALUES (1, 2), (3, 4);\nUPDATE t SET b = 0;\nSELECT 5;\n"
            ".changes off\nDELETE FROM t WHERE a = 1;\n"
            ".eqp on\nSELECT * FROM t WHERE a = 1;\nSELECT b FROM t WHERE b = 0;\n"
            ".eqp full\nSELECT 1;\n.eqp off\nSELECT 2;\n")

    def test_eqp_shows_the_dynamodb_request_before_the_rows(self):
        result = self.ddbsql(["-c", ".eqp on", "-c", f"SELECT n FROM {TABLE} WHERE id = 'b'"])
        self.assert_ok(result)
        lines = result.stdout.splitlines()
        self.assertEqual(lines[0], "QUERY PLAN")
        self.assertIn("GetItem", lines[1])
        self.assertEqual(lines[2:], ["2"])

    def test_width_and_nullvalue_and_separator(self):
        self.assert_same_as_sqlite3(
            ".mode column\n.width 6 -4\nSELECT 'ab' AS x, 7 AS y;\n.width\nSELECT 'ab' AS x;\n"
            ".mode list\n.nullvalue <null>\n.separator ;\nSELECT NULL, 1;\n"
            ".separator , X\nSELECT 1, 2;\n")

    def test_help_documents_every_command(self):
        result = self.ddbsql(["-c", ".help"])
        self.assert_ok(result)
        names = [line.split()[0][1:] for line in result.stdout.splitlines()
                 if line.startswith(".")]
        # Every dot-command README names (`.pager` included) is in .help.
        with open(os.path.join(cli_support.REPO, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        shell_section = readme.split("## The shell", 1)[1].split("\n## ", 1)[0]
        documented = set(re.findall(r"`\.([a-z][a-z0-9]*)", shell_section))
        self.assertIn("pager", documented)
        self.assertGreater(len(documented), 30)
        for name in sorted(documented):
            self.assertIn(name, names)
        # Every documented command exists (none is "unknown").
        args = []
        for name in names:
            if name not in ("quit", "exit"):
                args += ["-c", "." + name]
        result = self.ddbsql(args)
        self.assertNotIn("unknown command", result.stderr, result)
        # Help on one command shows its details; an unknown topic is an error.
        result = self.ddbsql(["-c", ".help import"])
        self.assert_ok(result)
        self.assertTrue(result.stdout.startswith(".import FILE TABLE"), result)
        self.assertIn("--skip N", result.stdout)
        result = self.ddbsql(["-c", ".help nosuchtopic"])
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("nosuchtopic", result.stderr)
        # .pager has help of its own; a script ignores it.
        result = self.ddbsql(["-c", ".help pager", "-c", ".pager on", "-c", "SELECT 1"])
        self.assert_ok(result)
        self.assertTrue(result.stdout.startswith(".pager on|off|CMD"), result)
        self.assertIn("less -FRX", result.stdout)
        self.assertTrue(result.stdout.endswith("\n1\n"), result)
        # .help .exit (with the dot) says what .exit 3 does: exit with 3.
        result = self.ddbsql(["-c", ".help .exit"])
        self.assert_ok(result)
        # (.help pads every usage to the longest, so the summaries line up.)
        self.assertEqual(len(result.stdout.splitlines()), 1, result)
        self.assertRegex(result.stdout,
                         r"^\.exit \?CODE\?  +Leave the shell with exit status CODE \(default 0\)\n$")
        self.assertEqual(self.ddbsql(["-c", ".exit 3"]).returncode, 3)


class NewUserTest(ShellTestCase):
    """What a new user trips over (issue 7): each message says what was wrong."""

    def test_a_missing_file_argument_is_a_usage_error(self):
        for args in (["nosuchfile.sql"], ["no/such/file"], ["-f", "nosuchfile.sql"],
                     ["-c", "SELECT 1", "-f", "gone.sql"]):
            with self.subTest(args=args):
                result = self.ddbsql(args)
                name = args[-1]
                self.assert_one_line_error(result, 2, f'cannot open "{name}"',
                                           "No such file or directory")
                self.assertEqual(result.stdout, "")  # nothing ran
        # SQL with a '/' or ending in ".sql" inside a statement is still SQL.
        result = self.ddbsql(["SELECT 6/2"])
        self.assert_ok(result)
        self.assertEqual(result.stdout, "3\n")
        result = self.ddbsql(["SELECT 'x.sql'"])
        self.assert_ok(result)
        self.assertEqual(result.stdout, "x.sql\n")
        path = self.write("there.sql", "SELECT 'ran';\n")
        result = self.ddbsql([path])
        self.assert_ok(result)
        self.assertEqual(result.stdout, "ran\n")

    def test_c_and_f_run_in_command_line_order(self):
        one = self.write("one.sql", "SELECT 'f1';\n")
        two = self.write("two.sql", "SELECT 'f2';\n")
        result = self.ddbsql(["-c", "SELECT 'c1'", "-f", one, "-c", "SELECT 'c2'", "--file", two,
                              "-c", "SELECT 'c3'"])
        self.assert_ok(result)
        self.assertEqual(result.stdout.split(), ["c1", "f1", "c2", "f2", "c3"])
        # -bail stops the rest, wherever the error is.
        result = self.ddbsql(["-bail", "-c", "SELECT nope", "-f", one])
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "")

    def test_bad_flag_values_are_usage_errors(self):
        for args, needle in ((["--endpoint-url", "notaurl"], "notaurl"),
                             (["--endpoint-url=ftp://x"], "ftp://x"),
                             (["--cli-connect-timeout", "soon"], "soon"),
                             (["--cli-read-timeout", "-1"], "-1")):
            with self.subTest(args=args):
                result = self.ddbsql(args + ["-c", "SELECT 1"])
                self.assert_one_line_error(result, 2, args[0].split("=")[0], needle)

    def test_timer_shows_user_and_sys_like_sqlite3(self):
        pattern = r"^1\nRun Time: real \d+\.\d{3} user \d+\.\d{6} sys \d+\.\d{6}\n$"
        result = self.ddbsql(["-c", ".timer on", "-c", "SELECT 1"])
        self.assert_ok(result)
        self.assertRegex(result.stdout, pattern)
        theirs = self.sqlite3([":memory:"], input=".timer on\nSELECT 1;\n")
        self.assertRegex(theirs.stdout, pattern)

    def test_local_work_never_connects_and_dynamodb_says_why_each_time(self):
        # An endpoint that refuses: local statements run and print nothing
        # else; each statement that needs DynamoDB says why it cannot; local
        # work goes on.
        result = self.ddbsql(["-c", "SELECT 1", "-c", f"SELECT * FROM {TABLE}", "-c", "SELECT 2",
                              "-c", f"SELECT * FROM {TABLE}", "-c", "SELECT 3"],
                             AWS_ENDPOINT_URL="http://127.0.0.1:1")
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout.split(), ["1", "2", "3"])
        errors = result.stderr.splitlines()
        self.assertEqual(len(errors), 2, result)
        # Each statement that needs DynamoDB tries again, and says why it
        # failed (issue 21: a failed listing is not for good).
        for line in errors:
            self.assertIn(f"no such table: {TABLE} (DynamoDB tables are not available: ", line)
            self.assertIn("127.0.0.1:1", line)
        # With a reachable endpoint the first use connects, once.
        result = self.ddbsql(["-c", "SELECT 1", "-c", f"SELECT count(*) FROM {TABLE}"])
        self.assert_ok(result)
        self.assertEqual(result.stdout.split(), ["1", "3"])

    def test_commands_that_need_aws_say_why_without_a_connection(self):
        # No region anywhere: the connection cannot even be configured. Each
        # command that needs it is an error saying so, never a crash.
        catalog = self.write("catalog.json", json.dumps({"tables": {"t": {"columns": {"c": {
            "codec": "LargeAttribute", "bucket": "b", "prefix": "p"}}}}}))
        for command in (".whoami", ".sweep t c", ".profile", ".region", ".tables"):
            with self.subTest(command=command):
                result = self.run_cli(["-batch", "--catalog", catalog, "-c", command, "-c",
                                       "SELECT 1"], self.base_env())
                self.assertEqual(result.returncode, 1, result)
                self.assertIn("no AWS region", result.stderr)
                self.assertEqual(result.stdout.split()[-1:], ["1"], result)
    def test_local_codec_functions_work_without_a_connection(self):
        # gunzip(), zstd_decompress() and decrypt() need no AWS; s3_get() says
        # why it cannot reach S3.
        gz = gzip.compress(b"hello").hex()
        result = self.run_cli(["-batch", "-c", f"SELECT CAST(gunzip(x'{gz}') AS TEXT)", "-c",
                               "SELECT decrypt(x'00', 'pynamodb-mate-ecb', 'env:NOPE')"],
                              self.base_env())
        self.assertEqual(result.stdout, "hello\n", result)
        self.assertIn("decrypt(): ", result.stderr)
        self.assertNotIn("no such function", result.stderr)
        result = self.run_cli(["-batch", "-c", "SELECT s3_get('s3://b/k')"], self.base_env())
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("s3_get(): S3 is not available (not connected: no AWS region", result.stderr)


    def test_ddb_query_on_an_index_key_names_the_index(self):
        result = self.ddbsql(["-c", f"SELECT item FROM ddb_query('{INDEXED}', 'status = :s', "
                                    "'{\":s\": \"open\"}')"])
        line = self.assert_one_line_error(result, 1, f"table {INDEXED}", "partition key pk",
                                          "status is the partition key of index by_status "
                                          "(global)", "4th argument")
        self.assertNotIn("missed key schema element", line)
        # Named as the message says, the query runs.
        result = self.ddbsql(["-c", f"SELECT json_extract(item, '$.note') FROM ddb_query("
                                    f"'{INDEXED}', 'status = :s', '{{\":s\": \"open\"}}', "
                                    "'by_status')"])
        self.assert_ok(result)
        self.assertEqual(result.stdout, "hi\n")

    def test_an_answer_without_an_aws_error_names_the_host(self):
        class NotFound(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        host = f"127.0.0.1:{server.server_address[1]}"
        result = self.ddbsql(["-c", f"SELECT * FROM {TABLE}"], AWS_ENDPOINT_URL=f"http://{host}")
        line = self.assert_one_line_error(result, 1, f"HTTP 404: an empty answer from {host}",
                                          "is the endpoint URL right?")
        self.assertNotRegex(line, r"HTTP 404: ?$")

    def test_read_timeout_names_the_host_and_the_setting(self):
        # Accepts connections and never answers.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        self.addCleanup(listener.close)
        host = f"127.0.0.1:{listener.getsockname()[1]}"
        config = self.write("config", "[default]\ncli_read_timeout = 1\n")
        for args, env in ((["--cli-read-timeout", "1"], {}),
                          ([], {"AWS_CONFIG_FILE": config})):
            with self.subTest(args=args):
                start = time.monotonic()
                result = self.ddbsql(args + ["-c", f"SELECT * FROM {TABLE}"],
                                     AWS_ENDPOINT_URL=f"http://{host}", **env)
                elapsed = time.monotonic() - start
                self.assert_one_line_error(result, 1, f"{host} sent nothing for 1 s",
                                           "--cli-read-timeout", "after 3 attempts")
                self.assertLess(elapsed, 15, result)  # not 3 x 30 s
        result = self.ddbsql(["-c", f"SELECT * FROM {TABLE}"], AWS_ENDPOINT_URL=f"http://{host}",
                             AWS_CONFIG_FILE=self.write("bad", "[default]\ncli_read_timeout=x\n"))
        self.assert_one_line_error(result, 1, "cli_read_timeout", '"x"')


class SessionLifeTest(ShellTestCase):
    """Issue 21: a session outlives a failed table listing; --endpoint-url is
    DynamoDB's alone; what an open transaction, a bad ~/.ddbsqlrc and
    arguments after the options do at the start and the end."""

    def proxy(self, then):
        proxy = cli_support.FaultProxy(self.url)
        self.addCleanup(proxy.stop)
        proxy.control("", {"plan": [], "then": then})
        return proxy

    def test_a_failed_listing_is_tried_again_by_the_next_statement(self):
        proxy = self.proxy("denied")
        before = f"SELECT count(*) FROM {TABLE};\n.tables\n.refresh\n"
        after = f"SELECT count(*) FROM {TABLE};\n.tables {TABLE}\n"
        logs = []

        def endpoint_up():
            logs.append(proxy.log())
            proxy.control("", {"plan": [], "then": "ok"})  # (clears the log)

        result = self.run_cli_interleaved(["--endpoint-url", proxy.url], self.env(), before,
                                          endpoint_up, after)
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, f"3\n{TABLE}\n", result)
        errors = result.stderr.splitlines()
        self.assertEqual(len(errors), 3, result)
        self.assertIn(f"<stdin>:1: no such table: {TABLE} (DynamoDB tables are not available: ",
                      errors[0])
        for line in errors:  # each of the three tried, and says why it failed
            self.assertIn("AccessDenied", line)
        def listings(log):
            return len([r for r in log["requests"] if r["target"].endswith(".ListTables")])

        self.assertEqual(listings(logs[0]), 3, logs[0])  # one per statement
        self.assertEqual(listings(proxy.log()), 1, proxy.log())

    def test_ctrl_c_during_the_listing_cancels_that_listing_only(self):
        proxy = self.proxy("stall")
        argv = [cli_support.DDBSQL, "--endpoint-url", proxy.url]
        with subprocess.Popen(argv, env=self.env(), cwd=self.home, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
            proc.stdin.write(f"SELECT count(*) FROM {TABLE};\n".encode())
            proc.stdin.flush()
            deadline = time.monotonic() + cli_support.TIMEOUT_SECONDS
            while proxy.log()["count"] < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            proxy.control("", {"plan": [], "then": "ok"})
            proc.send_signal(2)  # SIGINT, as Ctrl-C
            out, err = proc.communicate(f"SELECT count(*) FROM {TABLE};\n".encode(),
                                        timeout=cli_support.TIMEOUT_SECONDS)
        self.assertEqual(out.decode(), "3\n", err)
        self.assertEqual(proc.returncode, 1, err)
        self.assertIn(f"no such table: {TABLE} (DynamoDB tables are not available: ",
                      err.decode())

    def test_endpoint_url_is_for_dynamodb_alone(self):
        # S3 keeps its own chain: the S3 variable, then the global one;
        # --s3-endpoint-url is S3's flag. Each error names the S3 endpoint.
        get = ["-c", "SELECT s3_get('s3://bucket/key')"]
        for flags, env, s3 in (
                ([], dict(AWS_ENDPOINT_URL_S3="http://127.0.0.1:1"), "http://127.0.0.1:1"),
                ([], dict(AWS_ENDPOINT_URL="http://127.0.0.1:2"), "http://127.0.0.1:2"),
                (["--s3-endpoint-url", "http://127.0.0.1:3"],
                 dict(AWS_ENDPOINT_URL_S3="http://127.0.0.1:1"), "http://127.0.0.1:3")):
            with self.subTest(flags=flags, env=env):
                result = self.run_cli(["--endpoint-url", self.url] + flags + get,
                                      self.env(AWS_MAX_ATTEMPTS="1", **env))
                line = self.assert_one_line_error(result, 1, "s3_get(): ", f"S3 endpoint {s3}")
                self.assertNotIn(self.url, line)
        # DynamoDB goes where --endpoint-url says, whatever the variables say.
        result = self.ddbsql(["--endpoint-url", self.url, "-c", f"SELECT count(*) FROM {TABLE}"],
                             AWS_ENDPOINT_URL="http://127.0.0.1:1",
                             AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:1")
        self.assert_ok(result)
        self.assertEqual(result.stdout, "3\n")
        result = self.ddbsql(["--s3-endpoint-url", "notaurl", "-c", "SELECT 1"])
        self.assert_one_line_error(result, 2, "--s3-endpoint-url", "notaurl")

    def test_s3_is_read_where_its_own_chain_says_beside_endpoint_url(self):
        s3_url = os.environ.get("DDBSQL_TEST_S3_URL")
        cli_support.skip_unless_installed(s3_url, "moto's S3 server (DDBSQL_TEST_S3_URL)")
        import boto3

        s3 = boto3.client("s3", endpoint_url=s3_url, region_name=cli_support.REGION,
                          aws_access_key_id=self.key_id, aws_secret_access_key=self.secret)
        s3.create_bucket(Bucket="t21-session")
        s3.put_object(Bucket="t21-session", Key="k", Body=b"from S3")
        get = ["-c", "SELECT CAST(s3_get('s3://t21-session/k') AS TEXT)",
               "-c", f"SELECT count(*) FROM {TABLE}"]
        for flags, env in ((["--endpoint-url", self.url], dict(AWS_ENDPOINT_URL_S3=s3_url)),
                           (["--endpoint-url", self.url, "--s3-endpoint-url", s3_url],
                            dict(AWS_ENDPOINT_URL=self.url))):
            with self.subTest(flags=flags, env=env):
                result = self.ddbsql(flags + get, **env)
                self.assert_ok(result)
                self.assertEqual(result.stdout, "from S3\n3\n")

    def test_leaving_an_open_transaction_says_what_was_not_sent(self):
        insert = (f"BEGIN;\nINSERT INTO {TABLE}(id, n) VALUES ('t1', 1), ('t2', 2);\n"
                  f"UPDATE {TABLE} SET n = 5 WHERE id = 'a';\n")
        warning = "warning: open transaction rolled back: 3 writes not sent to DynamoDB\n"
        for end in ("", ".quit\n", "SELECT 'still';\n"):
            with self.subTest(end=end):
                result = self.ddbsql([], input=insert + end)
                self.assertEqual((result.returncode, result.stderr), (0, warning), result)
        # As sqlite3, the exit status is 1 only for an error before.
        result = self.ddbsql([], input="SELECT nope;\n" + insert)
        self.assertEqual(result.returncode, 1, result)
        self.assertTrue(result.stderr.endswith(warning), result)
        result = self.ddbsql([], input=f"BEGIN;\nDELETE FROM {TABLE} WHERE id = 'a';\n")
        self.assertEqual(result.stderr, "warning: open transaction rolled back: 1 write not sent "
                                        "to DynamoDB\n", result)
        # Nothing was written; a transaction of local writes says nothing.
        result = self.ddbsql(["-c", "SELECT group_concat(id || n) FROM (SELECT id, n FROM "
                                    f"{TABLE} ORDER BY id)"])
        self.assertEqual(result.stdout, "a1,b2,c3\n", result)
        result = self.ddbsql([], input="CREATE TABLE t(x);\nBEGIN;\nINSERT INTO t VALUES (1);\n")
        self.assert_ok(result)

    def test_errors_in_the_rc_file_leave_the_exit_status_alone(self):
        rc = self.write(".ddbsqlrc", "SELECT nope;\n.print rc\n")
        result = self.ddbsql(["-c", "SELECT 1"])
        self.assertEqual((result.returncode, result.stdout), (0, "rc\n1\n"), result)
        self.assertEqual(result.stderr, f"{rc}:1: no such column: nope\n")
        # An error after it still counts; -bail stops at the rc file's.
        self.assertEqual(self.ddbsql(["-c", "SELECT nope2"]).returncode, 1)
        result = self.ddbsql(["-bail", "-c", "SELECT 1"])
        self.assertEqual((result.returncode, result.stdout), (1, ""), result)

    def test_arguments_after_the_options_run_as_sqlite3_runs_them(self):
        self.write("f.sql", "SELECT 'file';\n")
        for args, out in ((["SELECT 1", "SELECT 2"], "1\n2\n"),
                          (["SELECT 1; SELECT 2", ".print dot"], "1\n2\ndot\n"),
                          (["f.sql", "f.sql"], "file\nfile\n"),
                          (["-c", "SELECT 'cmd'", "f.sql"], "cmd\nfile\n"),
                          (["f.sql", "-c", "SELECT 'cmd'"], "cmd\nfile\n"),
                          (["SELECT 'arg'", "-cmd", ".print first", "-f", "f.sql"],
                           "first\nfile\narg\n")):
            with self.subTest(args=args):
                result = self.ddbsql(args)
                self.assert_ok(result)
                self.assertEqual(result.stdout, out)
        # Each argument is one input, as in sqlite3: an error does not take
        # the next one with it (-bail stops there).
        result = self.ddbsql(["SELECT nope", "SELECT 3"])
        self.assertEqual((result.returncode, result.stdout), (1, "3\n"), result)
        result = self.ddbsql(["-bail", "SELECT nope", "SELECT 3"])
        self.assertEqual((result.returncode, result.stdout), (1, ""), result)
        result = self.ddbsql(["SELECT 1", "gone.sql"])
        self.assert_one_line_error(result, 2, 'cannot open "gone.sql"')


class ConnectionCommandsTest(ShellTestCase):
    def test_region_and_endpoint_switch_the_tables_and_keep_local_work(self):
        result = self.ddbsql([], input=(
            "CREATE TABLE keep(x); INSERT INTO keep VALUES (42);\n"
            ".parameter set :p 'c'\n"
            f".region {OTHER_REGION}\n"
            ".tables\n"
            ".region\n"
            "SELECT x FROM keep;\n"
            f"SELECT count(*) FROM {TABLE};\n"
            f".region {cli_support.REGION}\n"
            f"SELECT n FROM {TABLE} WHERE id = :p;\n"
            ".endpoint http://127.0.0.1:1\n"
            f"SELECT count(*) FROM {TABLE};\n"
            ".endpoint\n"
            ".profile no-such-profile\n"
            "SELECT x FROM keep;\n"))
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout,
                         f"keep\n{OTHER_REGION}\n42\n3\n3\n{self.url}\n42\n")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 3, result)
        self.assertEqual(lines[0], f"<stdin>:7: no such table: {TABLE}")
        self.assertTrue(lines[1].startswith("<stdin>:10: .endpoint http://127.0.0.1:1: "), result)
        self.assertIn("127.0.0.1:1", lines[1])
        self.assertTrue(lines[2].startswith("<stdin>:13: .profile no-such-profile: "), result)
        self.assertIn("no-such-profile", lines[2][30:])


class FlagTest(ShellTestCase):
    """Every flag the shell documents works with one dash and with two."""

    MODES = ("ascii", "box", "column", "csv", "html", "insert", "json", "line", "list",
             "markdown", "quote", "table", "tabs")

    def both(self, flag):
        name = flag.lstrip("-")
        return ("-" + name, "--" + name)

    def test_mode_flags_match_sqlite3(self):
        sql = "SELECT 1 AS a, 'x,y' AS b, NULL AS c UNION ALL SELECT 2, 'q\"z', 3.5"
        for mode in self.MODES:
            # sqlite3 3.40 has no -insert flag: compare with its .mode insert.
            theirs = self.sqlite3((["-cmd", ".mode insert"] if mode == "insert" else ["-" + mode])
                                  + [":memory:", sql])
            for flag in self.both(mode):
                with self.subTest(flag=flag):
                    mine = self.ddbsql([flag, "-c", sql])
                    self.assert_ok(mine)
                    self.assertEqual(mine.stdout_bytes, theirs.stdout_bytes)

    def test_header_flags(self):
        for flag, out in (("header", "a|b\n1|2\n"), ("noheader", "1|2\n")):
            for spelled in self.both(flag):
                with self.subTest(flag=spelled):
                    result = self.ddbsql(["-column", "-header", spelled, "-list", "-c",
                                          "SELECT 1 AS a, 2 AS b"])
                    self.assert_ok(result)
                    self.assertEqual(result.stdout, out)

    def test_input_flags(self):
        self.write("s.sql", "SELECT 'file';\n")
        for c in ("-c", "--command"):
            with self.subTest(flag=c):
                self.assertEqual(self.ddbsql([c, "SELECT 'c'"]).stdout, "c\n")
        for f in self.both("file") + ("-f",):
            with self.subTest(flag=f):
                self.assertEqual(self.ddbsql([f, "s.sql"]).stdout, "file\n")
        self.assertEqual(self.ddbsql(["s.sql"]).stdout, "file\n")
        for cmd in self.both("cmd"):
            with self.subTest(flag=cmd):
                self.assertEqual(self.ddbsql([cmd, ".print first", "s.sql"]).stdout,
                                 "first\nfile\n")
        for bail in self.both("bail"):
            with self.subTest(flag=bail):
                result = self.ddbsql([bail, "-c", "SELECT nope; SELECT 1", "-c", "SELECT 2"])
                self.assertEqual((result.returncode, result.stdout), (1, ""))
        for echo in self.both("echo"):
            with self.subTest(flag=echo):
                self.assertEqual(self.ddbsql([echo], input="SELECT 3;\n").stdout,
                                 "SELECT 3;\n3\n")

    def test_version_and_help(self):
        for flag in self.both("version"):
            with self.subTest(flag=flag):
                result = self.run_cli([flag], self.base_env())
                self.assert_ok(result)
                self.assertRegex(result.stdout, r"^ddbsql \d+\.\d+\.\d+\nSQLite 3\.\d+\.\d+ ")
        for flag in self.both("help"):
            with self.subTest(flag=flag):
                result = self.run_cli([flag], self.base_env())
                self.assert_ok(result)
                for option in ("--catalog", "--readonly", "-noheader", "-init", "-echo", "-f,"):
                    self.assertIn(option, result.stdout)

    def test_readonly(self):
        for flag in self.both("readonly"):
            with self.subTest(flag=flag):
                result = self.ddbsql([flag, "-c", f"SELECT count(*) FROM {TABLE}",
                                      "-c", f"DELETE FROM {TABLE}", "-c", "CREATE TABLE t(x)",
                                      "-c", f"SELECT count(*) FROM {TABLE}"])
                self.assertEqual(result.returncode, 1, result)
                self.assertEqual(result.stdout, "3\n3\n")  # local tables stay writable
                self.assertIn("read-only session (--readonly)", result.stderr)

    def test_catalog_is_accepted(self):
        path = self.write("catalog.json", "{\"tables\": {}}\n")
        for flag in self.both("catalog"):
            with self.subTest(flag=flag):
                result = self.ddbsql([flag, path, "-c", "SELECT 1"])
                self.assert_ok(result)
                self.assertEqual(result.stdout, "1\n")
        self.assertEqual(self.ddbsql(["--catalog"]).returncode, 2)

    def test_region_flag(self):
        for flag in self.both("region"):
            with self.subTest(flag=flag):
                result = self.ddbsql([flag, OTHER_REGION, "-c", ".tables", "-c", ".region"])
                self.assert_ok(result)
                self.assertEqual(result.stdout, OTHER_REGION + "\n")  # no tables there
                result = self.ddbsql([flag, cli_support.REGION, "-c", ".tables"],
                                     AWS_REGION=OTHER_REGION)
                self.assert_ok(result)
                self.assertEqual(result.stdout.split(), [INDEXED, TABLE])

    def test_endpoint_url_flag(self):
        for flag in ("--endpoint-url", "-endpoint-url"):
            with self.subTest(flag=flag):
                result = self.ddbsql([flag, self.url, "-c", ".tables"], AWS_ENDPOINT_URL=None)
                self.assert_ok(result)
                self.assertEqual(result.stdout.split(), [INDEXED, TABLE])

    def test_profile_flag(self):
        config = self.write("config", f"[profile shellp]\nregion = {cli_support.REGION}\n")
        creds = self.write("credentials", f"[shellp]\naws_access_key_id = {self.key_id}\n"
                                          f"aws_secret_access_key = {self.secret}\n")
        env = dict(AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=creds,
                   AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_REGION=None)
        for flag in self.both("profile"):
            with self.subTest(flag=flag):
                result = self.ddbsql([flag, "shellp", "-c", ".tables", "-c", ".profile"], **env)
                self.assert_ok(result)
                self.assertEqual(result.stdout.split(), [INDEXED, TABLE, "shellp"])
        result = self.ddbsql(["-c", ".tables"], **env)  # no profile: no credentials
        self.assertEqual(result.returncode, 1, result)


if __name__ == "__main__":
    cli_support.main()
