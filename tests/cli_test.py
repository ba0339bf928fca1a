#!/usr/bin/env python3
"""End-to-end tests of the ddbsql command line: the ways to run it (-c, SQL
words, script files, -f, stdin, -cmd, -bail), exit statuses and error
locations, usage errors, bad connection settings (each a one-line error that
names its cause, without hanging) and the refusal of writes.

Run: scripts/python.sh tests/cli_test.py --ddbsql build/ddbsql
"""

import os
import re
import shutil
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

# A run that fails fast must take well under the 20 s timeout.
FAST_SECONDS = 10
UNREACHABLE = "http://127.0.0.1:1"  # loopback, nothing listens: refused at once

# The error for an unknown column; a schema read from the cache adds a hint.
NOPE = r"no such column: nope( \(the columns of .* come from a sample.*\))?\n$"

TABLE = "cli_items"
ITEMS = [("a", 1), ("b", 2), ("c", 3)]


class EmulatorTestCase(cli_support.CliTestCase):
    """Tests against a DynamoDB Local database of their own holding TABLE."""

    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("cli")
        cls.secret = cli_support.new_secret("cli")
        cls.client = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cli_support.create_table(cls.client, TABLE)
        for key, n in ITEMS:
            cls.client.put_item(TableName=TABLE, Item={"id": {"S": key}, "n": {"N": str(n)}})

    def env(self, **extra):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL=self.url, **extra)

    def write(self, name, text):
        path = os.path.join(self.home, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path


COUNT = f"SELECT count(*) FROM {TABLE};"
SUM = f"SELECT sum(n) FROM {TABLE};"
# A script whose third line starts a statement (spanning lines 3-5) that
# fails; the statements around it succeed.
SCRIPT_WITH_ERROR = (f"{COUNT}\n"
                     f"{SUM}\n"
                     "SELECT id,\n"
                     "  nope\n"
                     f"  FROM {TABLE};\n"
                     "SELECT 'after';\n")


class WaysToRunTest(EmulatorTestCase):
    def test_c_twice_runs_both_in_order(self):
        result = self.run_cli(["-c", COUNT, "-c", SUM], self.env())
        self.assert_ok(result)
        self.assertEqual(result.stdout, "3\n6\n")

    def test_c_with_several_statements(self):
        result = self.run_cli(["-c", f"{COUNT} {SUM} SELECT 'x'"], self.env())
        self.assert_ok(result)
        self.assertEqual(result.stdout, "3\n6\nx\n")

    def test_trailing_sql_arguments(self):
        # As sqlite3 runs the arguments after its database file: each one is
        # SQL of its own (issue 21), not a word of one statement.
        result = self.run_cli(["-csv", f"SELECT id, n FROM {TABLE} ORDER BY id DESC",
                               COUNT], self.env())
        self.assert_ok(result)
        # As in sqlite3: -csv keeps "\n" between rows; `.mode csv` uses "\r\n".
        self.assertEqual(result.stdout, "c,3\nb,2\na,1\n3\n")

    def test_script_file_argument(self):
        path = self.write("script.sql", f"{COUNT}\n{SUM}\n")
        result = self.run_cli([path], self.env())
        self.assert_ok(result)
        self.assertEqual(result.stdout, "3\n6\n")

    def test_dash_f_file(self):
        path = self.write("script.sql", f"-- a comment\n{COUNT}\n\n{SUM}\n")
        for flag in ("-f", "--file"):
            with self.subTest(flag=flag):
                result = self.run_cli([flag, path], self.env())
                self.assert_ok(result)
                self.assertEqual(result.stdout, "3\n6\n")

    def test_stdin_that_is_not_a_terminal_runs_as_a_script(self):
        result = self.run_cli([], self.env(), input=f"{COUNT}\n.mode csv\n{SUM}\nSELECT 'a,b';\n")
        self.assert_ok(result)
        self.assertEqual(result.stdout, '3\n6\r\n"a,b"\r\n')

    def test_final_statement_without_semicolon_runs(self):
        # The sqlite3 shell runs a last statement that lacks its ';' (end of
        # input ends it), from stdin and from a script file alike.
        for how in ("stdin", "file"):
            with self.subTest(how=how):
                text = f"{COUNT}\nSELECT sum(n) FROM {TABLE}\n"
                if how == "stdin":
                    result = self.run_cli([], self.env(), input=text)
                else:
                    result = self.run_cli([self.write("nosemi.sql", text)], self.env())
                self.assert_ok(result)
                self.assertEqual(result.stdout, "3\n6\n")
        sqlite3_bin = shutil.which("sqlite3")
        if sqlite3_bin:  # what the sqlite3 shell does with the same input
            proc = subprocess.run([sqlite3_bin, ":memory:"], input=b"SELECT 1;\nSELECT 2\n",
                                  capture_output=True, timeout=20)
            self.assertEqual((proc.returncode, proc.stdout), (0, b"1\n2\n"))

    def test_cmd_runs_before_the_input(self):
        result = self.run_cli(["-cmd", ".mode csv", "-cmd", ".headers on",
                               "-c", f"SELECT id, n FROM {TABLE} ORDER BY id"], self.env())
        self.assert_ok(result)
        self.assertEqual(result.stdout, "id,n\r\na,1\r\nb,2\r\nc,3\r\n")
        # Before a script file, and SQL works in -cmd too.
        path = self.write("script.sql", f"{SUM}\n")
        result = self.run_cli(["-cmd", COUNT, path], self.env())
        self.assert_ok(result)
        self.assertEqual(result.stdout, "3\n6\n")

    def test_error_in_script_names_file_and_line(self):
        self.write("report.sql", SCRIPT_WITH_ERROR)
        # Relative, as typed: the message names the file the way the user did. (A
        # schema from the cache adds a hint after the message.)
        result = self.run_cli(["report.sql"], self.env())
        self.assertEqual(result.returncode, 1, result)
        self.assertRegex(result.stderr, "^report\\.sql:3: " + NOPE)
        self.assertEqual(result.stdout, "3\n6\nafter\n")  # went on after the error
        result = self.run_cli(["-f", "report.sql"], self.env())
        self.assertEqual(result.returncode, 1, result)
        self.assertRegex(result.stderr, "^report\\.sql:3: " + NOPE)

    def test_bail_stops_a_script_at_the_first_error(self):
        self.write("report.sql", SCRIPT_WITH_ERROR)
        result = self.run_cli(["-bail", "report.sql"], self.env())
        self.assertEqual(result.returncode, 1, result)
        self.assertRegex(result.stderr, "^report\\.sql:3: " + NOPE)
        self.assertEqual(result.stdout, "3\n6\n")

    def test_error_on_stdin_names_stdin_and_line(self):
        result = self.run_cli([], self.env(), input=SCRIPT_WITH_ERROR)
        self.assertEqual(result.returncode, 1, result)
        self.assertRegex(result.stderr, "^<stdin>:3: " + NOPE)
        self.assertEqual(result.stdout, "3\n6\nafter\n")
        result = self.run_cli(["-bail"], self.env(), input=SCRIPT_WITH_ERROR)
        self.assertEqual(result.returncode, 1, result)
        self.assertRegex(result.stderr, "^<stdin>:3: " + NOPE)
        self.assertEqual(result.stdout, "3\n6\n")

    def test_error_in_c_and_bail(self):
        args = ["-c", "SELECT nope", "-c", COUNT]
        result = self.run_cli(args, self.env())
        self.assertEqual(result.returncode, 1, result)
        self.assertRegex(result.stderr, "^Error: " + NOPE)
        self.assertEqual(result.stdout, "3\n")
        result = self.run_cli(["-bail"] + args, self.env())
        self.assertEqual(result.returncode, 1, result)
        self.assertRegex(result.stderr, "^Error: " + NOPE)
        self.assertEqual(result.stdout, "")

    def test_dot_command_in_c(self):
        result = self.run_cli(["-c", ".tables"], self.env())
        self.assert_ok(result)
        self.assertEqual(result.stdout, TABLE + "\n")


class UsageTest(cli_support.CliTestCase):
    """Argument errors need no emulator: they stop before any connection."""

    def test_version(self):
        for flag in ("--version", "-version"):
            with self.subTest(flag=flag):
                result = self.run_cli([flag], self.base_env())
                self.assert_ok(result)
                # Its own version, then the libraries it runs with.
                self.assertRegex(result.stdout,
                                 r"^ddbsql \d+\.\d+\.\d+\n"
                                 r"SQLite 3\.\d+\.\d+ \(.*\)\n"
                                 r"libcurl \d+\.\d+\.\d+ \(OpenSSL/\d[^)]*\)\n"
                                 r"OpenSSL \d+\.\d+\.\d+.*\n$")
                sqlite3 = shutil.which("sqlite3")
                if sqlite3:  # Debian's sqlite3 uses the same libsqlite3
                    version = subprocess.run([sqlite3, "--version"], capture_output=True,
                                             text=True).stdout.split()[0]
                    self.assertIn(f"\nSQLite {version} ", result.stdout)

    def test_help(self):
        for flag in ("--help", "-help", "-h"):
            with self.subTest(flag=flag):
                result = self.run_cli([flag], self.base_env())
                self.assert_ok(result)
                self.assertTrue(result.stdout.startswith("Usage: ddbsql "), result)
                for option in ("--profile", "--region", "--endpoint-url", "-bail", "-cmd", "-csv"):
                    self.assertIn(option, result.stdout)

    def test_man_page_matches_help_and_installs(self):
        help_text = self.run_cli(["--help"], self.base_env()).stdout
        options = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*[a-z])", help_text))
        self.assertIn("--cli-read-timeout", options)
        self.assertGreater(len(options), 30)
        with open(os.path.join(cli_support.REPO, "doc", "ddbsql.1"), encoding="utf-8") as f:
            man = f.read().replace("\\-", "-")
        for option in sorted(options):
            self.assertRegex(man, r"(?<![\w-])" + re.escape(option) + r"(?![\w-])", option)
        # `cmake --install` puts the binary and the page where packagers expect.
        build = os.path.dirname(os.path.abspath(cli_support.DDBSQL))
        cli_support.skip_unless_installed(
            os.path.isfile(os.path.join(build, "CMakeCache.txt")) and shutil.which("cmake"),
            "a CMake build tree beside the binary")
        prefix = os.path.join(self.home, "prefix")
        subprocess.run(["cmake", "--install", build, "--prefix", prefix], check=True,
                       capture_output=True, timeout=60)
        installed = os.path.join(prefix, "bin", "ddbsql")
        self.assertTrue(os.access(installed, os.X_OK))
        self.assertTrue(os.path.isfile(os.path.join(prefix, "share", "man", "man1", "ddbsql.1")))
        result = self.run_cli(["-c", "SELECT 40 + 2"], self.base_env(), program=installed)
        self.assert_ok(result)
        self.assertEqual(result.stdout, "42\n")

    def test_unknown_option(self):
        for flag in ("-bogus", "--no-such-option"):
            with self.subTest(flag=flag):
                result = self.run_cli([flag, "-c", "SELECT 1"], self.base_env())
                self.assert_one_line_error(result, 2, flag)
                self.assertLess(result.elapsed, FAST_SECONDS)

    def test_missing_option_value(self):
        for args, named in ((["-c"], "-c"), (["--profile"], "--profile"),
                            (["-csv", "--endpoint-url"], "--endpoint-url"), (["-f"], "-f"),
                            (["-cmd"], "-cmd")):
            with self.subTest(args=args):
                result = self.run_cli(args, self.base_env())
                self.assert_one_line_error(result, 2, named, "value")


# A statement that needs DynamoDB: the first such statement connects (local
# work such as SELECT 1 never does).
NEEDS_DYNAMODB = "SELECT * FROM orders"


class BadInputTest(cli_support.CliTestCase):
    """Each bad setting: exit 1, one line on stderr naming the cause, fast,
    when a statement first needs DynamoDB; local work runs regardless."""

    def creds(self):
        return {"AWS_ACCESS_KEY_ID": "badinput", "AWS_SECRET_ACCESS_KEY": cli_support.new_secret()}

    def endpoint(self):
        return cli_support.dynamodb_url() or UNREACHABLE

    def check(self, args, env, *needles, status=1):
        result = self.run_cli(args, env)
        line = self.assert_one_line_error(result, status, *needles)
        self.assertLess(result.elapsed, FAST_SECONDS, result)
        if status == 1:
            self.assertIn("no such table: orders (DynamoDB tables are not available: ", line)
            self.check_local_work(args[: args.index("-c")], env)
        return line

    def check_local_work(self, flags, env):
        """The same settings run local work: SELECT 1, a local table, .import,
        ATTACH, and say nothing about AWS."""
        csv = os.path.join(self.home, "in.csv")
        with open(csv, "w") as f:
            f.write("a,b\n1,2\n")
        attached = os.path.join(self.home, f"slice-{uuid.uuid4().hex[:8]}.db")
        local = ["-c", "SELECT 1", "-c", "CREATE TABLE t(x)", "-c", "INSERT INTO t VALUES (2)",
                 "-c", f".import --csv {csv} imported", "-c", f"ATTACH '{attached}' AS s",
                 "-c", "CREATE TABLE s.c AS SELECT x FROM t",
                 "-c", "SELECT (SELECT x FROM s.c) + (SELECT count(*) FROM imported)"]
        result = self.run_cli(flags + local, env)
        self.assert_ok(result)
        self.assertEqual(result.stdout, "1\n3\n", result)
        self.assertEqual(result.stderr, "", result)

    def test_no_credentials_at_all(self):
        # Nothing but a region and an endpoint: no keys, no config files in
        # the empty HOME, no container credentials, instance metadata off.
        env = {"HOME": self.home, "AWS_REGION": cli_support.REGION,
               "AWS_ENDPOINT_URL": self.endpoint(), "AWS_EC2_METADATA_DISABLED": "true"}
        line = self.check(["-c", NEEDS_DYNAMODB], env, "credentials")
        self.assertIn("AWS_ACCESS_KEY_ID", line)  # says what to set

    def test_unknown_profile(self):
        config = os.path.join(self.home, "config")
        with open(config, "w") as f:
            f.write("[profile other]\nregion = us-east-1\n")
        env = self.base_env(AWS_CONFIG_FILE=config, AWS_ENDPOINT_URL=self.endpoint())
        self.check(["--profile", "nope", "-c", NEEDS_DYNAMODB], env, "nope")
        env["AWS_PROFILE"] = "nope2"
        self.check(["-c", NEEDS_DYNAMODB], env, "nope2")

    def test_unreachable_endpoint(self):
        env = self.base_env(AWS_REGION=cli_support.REGION, **self.creds())
        self.check(["--endpoint-url", UNREACHABLE, "-c", NEEDS_DYNAMODB], env, "127.0.0.1:1")
        env["AWS_ENDPOINT_URL"] = UNREACHABLE
        self.check(["-c", NEEDS_DYNAMODB], env, "127.0.0.1:1")

    def test_malformed_endpoint_url(self):
        env = self.base_env(AWS_REGION=cli_support.REGION, **self.creds())
        # A malformed flag is a usage error (status 2) before anything runs.
        line = self.check(["--endpoint-url", "notaurl", "-c", "SELECT 1"], env, "notaurl",
                          "--endpoint-url", status=2)
        self.assertIn("missing scheme", line)
        env["AWS_ENDPOINT_URL_DYNAMODB"] = "ftp://x"
        self.check(["-c", NEEDS_DYNAMODB], env, "ftp://x", "AWS_ENDPOINT_URL_DYNAMODB")
        # A password in the URL's user info is never shown.
        line = self.check(["--endpoint-url", "http://admin:S3cretPass@127.0.0.1:1", "-c",
                           "SELECT 1"], env, "http://***@127.0.0.1:1", "user info", status=2)
        self.assertNotIn("S3cretPass", line)
        self.assertNotIn("admin", line)

    def test_no_region_anywhere(self):
        env = self.base_env(AWS_ENDPOINT_URL=self.endpoint(), **self.creds())
        self.check(["-c", NEEDS_DYNAMODB], env, "region")


class SyntaxErrorTest(cli_support.CliTestCase):
    """A syntax error shows where it is, as sqlite3 3.40 shows it, and a
    table name with "-" says how to quote it. No emulator: SQLite alone."""

    SCRIPT = "SELECT 1;\nSELECT *\n  FROM my-table WHERE x = 1;\n"
    CARET = ["  SELECT *   FROM my-table WHERE x = 1;", "                    ^--- error here"]
    HINT = 'near "-": syntax error (table names with "-" must be quoted: "my-table")'

    def test_caret_under_the_error_in_scripts_stdin_and_c(self):
        with open(os.path.join(self.home, "bad.sql"), "w", encoding="utf-8") as f:
            f.write(self.SCRIPT)
        runs = [(["bad.sql"], None, "bad.sql:2: "), ([], self.SCRIPT, "<stdin>:2: "),
                (["-c", self.SCRIPT.split("\n", 1)[1]], None, "Error: ")]
        for args, stdin, prefix in runs:
            with self.subTest(args=args):
                result = self.run_cli(args, self.base_env(), input=stdin)
                self.assertEqual(result.returncode, 1, result)
                self.assertEqual(result.stderr.splitlines(), [prefix + self.HINT] + self.CARET)
        # The same lines as sqlite3's under its own first line.
        sqlite3 = shutil.which("sqlite3")
        cli_support.skip_unless_installed(sqlite3, "sqlite3 on PATH")
        theirs = subprocess.run([sqlite3], input=self.SCRIPT, capture_output=True, text=True,
                                timeout=cli_support.TIMEOUT_SECONDS)
        self.assertEqual(theirs.stderr.splitlines()[1:], self.CARET, theirs.stderr)

    def test_other_errors_keep_their_one_line(self):
        result = self.run_cli(["-c", "SELECT nope"], self.base_env())
        self.assertEqual(result.stderr, "Error: no such column: nope\n", result)
        result = self.run_cli(["-c", "SELECT 1 - FROM my-table"], self.base_env())
        self.assertEqual(result.stderr, 'Error: near "FROM": syntax error\n'
                                        "  SELECT 1 - FROM my-table\n"
                                        "             ^--- error here\n", result)

    def test_help_names_the_region_variables(self):
        result = self.run_cli(["--help"], self.base_env())
        self.assert_ok(result)
        self.assertIn("$AWS_REGION", result.stdout)
        self.assertIn("$AWS_DEFAULT_REGION", result.stdout)

    def test_man_page_renders_without_warnings(self):
        groff = shutil.which("groff")
        cli_support.skip_unless_installed(groff, "groff")
        page = os.path.join(cli_support.REPO, "doc", "ddbsql.1")
        result = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", page], capture_output=True,
                                text=True, timeout=cli_support.TIMEOUT_SECONDS)
        self.assertEqual((result.returncode, result.stderr), (0, ""), result)
        with open(page, encoding="utf-8") as f:
            text = f.read()
        sections = dict(re.findall(r"^\.SH (.+)\n((?:(?!\.SH ).*\n)*)", text, re.M))
        for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
                     "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "DDBSQL_CATALOG",
                     "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "HOME", "PAGER"):
            self.assertRegex(sections["ENVIRONMENT"], r"(?<![\w%])" + name + r"\b", name)
        self.assertIn("ddbsql ", sections["EXAMPLES"])
        for word in ("TransactWriteItems", "ledger", ".recover", ".sweep TABLE COLUMN"):
            self.assertIn(word, sections["WRITES"])


class UnknownTableTest(EmulatorTestCase):
    def test_unknown_table(self):
        result = self.run_cli(["-c", "SELECT * FROM nope"], self.env())
        line = self.assert_one_line_error(result, 1, "no such table: nope")
        self.assertLess(result.elapsed, FAST_SECONDS)
        self.assertEqual(line, "Error: no such table: nope")


class WritesTest(EmulatorTestCase):
    """Writes are not supported yet: a clear error, and the table unchanged."""

    def test_readonly_refuses_writes(self):
        for sql in (f"INSERT INTO {TABLE}(id, n) VALUES ('x', 9)",
                    f"UPDATE {TABLE} SET n = 0 WHERE id = 'a'",
                    f"DELETE FROM {TABLE} WHERE id = 'b'"):
            with self.subTest(sql=sql):
                result = self.run_cli(["--readonly", "-c", sql], self.env())
                self.assert_one_line_error(result, 1, "read-only")
        items = self.client.scan(TableName=TABLE, ConsistentRead=True)["Items"]
        self.assertEqual(sorted((i["id"]["S"], int(i["n"]["N"])) for i in items), ITEMS)

    def test_local_tables_still_work(self):
        result = self.run_cli(["-c", "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);"
                               " SELECT sum(x) FROM t"], self.env())
        self.assert_ok(result)
        self.assertEqual(result.stdout, "3\n")


if __name__ == "__main__":
    cli_support.main()
