#!/usr/bin/env python3
"""End-to-end tests of the interactive REPL, driven through a real terminal:
each test runs ddbsql in a tmux pane (a private tmux server), types into it
with send-keys and reads the screen with capture-pane.

Covered: the prompt (endpoint, profile, region, read-only, aligned
continuation), history shared across sessions and kept free of key material,
TAB completion of table and column names and dot-commands, multi-line
statements, Ctrl-C at the prompt and during a slow scan (DynamoDB Local
behind tests/fault_proxy.py delaying every request), the progress line (and
what it says while a request stalls), the large-scan question, the pager,
Ctrl-D and exit/quit/\\q.

Run: scripts/python.sh tests/repl_test.py --ddbsql build/ddbsql
"""

import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import time
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

TABLE = "demo"
ODD_TABLE = "my-table"  # needs quotes in SQL
DEMO_ITEMS = [("k1", "ann", 3), ("k2", "bob", 5), ("k3", "cy", 8)]
BIG_TABLE = "big"
BIG_ITEMS = 20
BIG_ITEM_BYTES = 60000
# A DynamoDB page that takes this long leaves ample time to press Ctrl-C.
SLOW_PAGE_MS = 5000
# Ctrl-C must bring the prompt back within this.
CANCEL_SECONDS = 1.0


def tmux(socket, *args, check=True):
    return subprocess.run(["tmux", "-u", "-L", socket, "-f", "/dev/null", *args],
                          check=check, capture_output=True, text=True, timeout=10)


class Terminal:
    """One ddbsql in a tmux pane of a private tmux server."""

    WIDTH = 200
    # Room for `help` (every dot-command, one a line) with the prompts and
    # the statement test_exit_quit_and_backslash_q... types around it.
    HEIGHT = 60

    def __init__(self, test, socket, argv, env):
        self.test = test
        self.socket = socket
        self.name = "t" + uuid.uuid4().hex[:8]
        # tmux hands the pane a TERM of its own; everything else comes from env.
        command = "exec env -i " + " ".join(
            shlex.quote(f"{k}={v}") for k, v in sorted(env.items())) + " TERM=tmux-256color " + \
            " ".join(shlex.quote(a) for a in argv)
        self.tmux("new-session", "-d", "-s", self.name, "-x", str(self.WIDTH), "-y",
                  str(self.HEIGHT), command)

    def tmux(self, *args, check=True):
        return tmux(self.socket, *args, check=check)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", self.name).stdout

    def type(self, text):
        """Types `text` literally (a trailing ';' is escaped from tmux's parser)."""
        if text.endswith(";"):
            text = text[:-1] + "\\;"
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def keys(self, *keys):
        """Presses named keys: Enter, Tab, Up, C-c, C-d, Left ..."""
        self.tmux("send-keys", "-t", self.name, *keys)

    def line(self, text):
        self.type(text)
        self.keys("Enter")

    def wait_for(self, predicate, what, timeout=8.0):
        """Polls the screen until predicate(screen) holds; returns the screen."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                self.test.fail(f"timed out waiting for {what}; screen:\n{screen}")
            time.sleep(0.05)

    def wait_text(self, text, timeout=8.0):
        return self.wait_for(lambda s: text in s, repr(text), timeout)

    def wait_count(self, text, count, timeout=8.0):
        return self.wait_for(lambda s: s.count(text) >= count, f"{count} x {text!r}", timeout)

    def last_line(self):
        lines = [l for l in self.screen().splitlines() if l.strip()]
        return lines[-1] if lines else ""

    def dead(self):
        out = self.tmux("display-message", "-p", "-t", self.name, "#{pane_dead}", check=False)
        return out.stdout.strip() == "1"

    def close(self):
        self.tmux("kill-session", "-t", self.name, check=False)


class ReplTestCase(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("tmux"):
            if cli_support.emulators_required():
                raise AssertionError("tmux is not installed")
            raise unittest.SkipTest("tmux is not installed")
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("repl")
        cls.secret = cli_support.new_secret("repl")
        cls.client = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cli_support.create_table(cls.client, TABLE)
        for key, name, score in DEMO_ITEMS:
            cls.client.put_item(TableName=TABLE, Item={
                "id": {"S": key}, "name": {"S": name}, "score": {"N": str(score)}})
        # Two pages: DynamoDB Local returns at most 1 MB per Scan page.
        cli_support.create_table(cls.client, BIG_TABLE)
        for i in range(BIG_ITEMS):
            cls.client.put_item(TableName=BIG_TABLE, Item={
                "id": {"S": f"b{i:02d}"}, "pad": {"S": "x" * BIG_ITEM_BYTES}})
        cli_support.create_table(cls.client, ODD_TABLE)
        cls.client.put_item(TableName=ODD_TABLE, Item={"id": {"S": "x"}, "odd col": {"S": "y"}})
        cls.proxy = None
        # A private tmux server; panes stay after ddbsql exits so tests can
        # see that it did (and what it printed last).
        cls.socket = "ddbsql-repl-test-" + uuid.uuid4().hex[:8]
        tmux(cls.socket, "new-session", "-d", "-s", "keep", "sleep 600")
        tmux(cls.socket, "set-option", "-g", "remain-on-exit", "on")

    @classmethod
    def tearDownClass(cls):
        tmux(cls.socket, "kill-server", check=False)
        if cls.proxy:
            cls.proxy.stop()

    def setUp(self):
        super().setUp()
        self.state = os.path.join(self.home, "state")

    def env(self, **extra):
        env = self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                            AWS_REGION=cli_support.REGION, XDG_STATE_HOME=self.state,
                            PAGER="cat", **extra)
        return env

    def start(self, *args, env=None, endpoint=None):
        argv = [cli_support.DDBSQL, "--endpoint-url", endpoint or self.url, *args]
        term = Terminal(self, self.socket, argv, env or self.env())
        self.addCleanup(term.close)
        term.wait_for(lambda s: re.search(r"\](?: ro)?>", s), "the prompt")
        return term

    def prompt(self, endpoint=None, profile="", region=cli_support.REGION, ro=""):
        hostport = urllib.parse.urlparse(endpoint or self.url).netloc
        return f"ddbsql [{profile}{hostport} {region}]{ro}> "

    def history_file(self):
        return os.path.join(self.state, "ddbsql", "history")


class PromptTest(ReplTestCase):
    def test_prompt_shows_endpoint_region_and_aligned_continuation(self):
        term = self.start()
        prompt = self.prompt()
        term.wait_text(prompt.rstrip())
        term.line("SELECT 1")
        screen = term.wait_text("...>")
        lines = screen.splitlines()
        first = next(i for i, l in enumerate(lines) if l.startswith(prompt + "SELECT 1"))
        self.assertEqual(lines[first + 1].rstrip(), " " * (len(prompt) - 5) + "...>")

    def test_prompt_shows_profile_and_read_only(self):
        config = os.path.join(self.home, "config")
        credentials = os.path.join(self.home, "credentials")
        with open(config, "w") as f:
            f.write("[profile dev]\nregion = eu-west-1\n")
        with open(credentials, "w") as f:
            f.write(f"[dev]\naws_access_key_id = {self.key_id}\n"
                    f"aws_secret_access_key = {self.secret}\n")
        env = self.base_env(AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=credentials,
                            AWS_PROFILE="dev", XDG_STATE_HOME=self.state)
        term = self.start("--readonly", env=env)
        term.wait_text(self.prompt(profile="dev@", region="eu-west-1", ro=" ro").rstrip())


class HistoryTest(ReplTestCase):
    def test_history_is_shared_across_sessions_without_secrets(self):
        term = self.start()
        term.line("SELECT 'first' AS v;")
        term.wait_count("first", 2)
        term.line("SELECT 'multi'")
        term.line("  AS v;")
        term.wait_count("multi", 2)
        secret_lines = [
            "SELECT 'AKIAIOSFODNN7EXAMPLE' AS k;",
            ".parameter set :pw 'hunter2-password'",
            "SELECT 'x' AS aws_secret_access_key;",
            "SELECT 'key=Q2hhbmdlTWVQbGVhc2UxMjM0' AS k;",
        ]
        for line in secret_lines:
            term.line(line)
        term.wait_count(self.prompt().rstrip(), 7)
        term.keys("C-d")
        term.wait_for(lambda s: term.dead(), "ddbsql to exit on Ctrl-D")

        path = self.history_file()
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(text.splitlines(),
                         ["SELECT 'first' AS v;", "SELECT 'multi'\\n  AS v;"])
        for needle in ("AKIA", "hunter2", "secret", "Q2hhbmdl"):
            self.assertNotIn(needle, text)

        # A second session recalls the statements, the multi-line one whole.
        term = self.start()
        prompt = self.prompt()
        term.wait_text(prompt.rstrip())
        term.keys("Up")
        term.wait_text("  AS v;")
        term.keys("Up")
        term.wait_for(lambda s: s.splitlines()[1].startswith(prompt + "SELECT 'first' AS v;"),
                      "the first statement recalled")
        term.keys("Down")
        term.wait_for(lambda s: s.splitlines()[1].startswith(prompt + "SELECT 'multi'"),
                      "the multi-line statement recalled")
        term.keys("Enter")
        term.wait_text("│ multi")
        self.assertNotIn("Error", term.screen())
        # Nothing doubled: the re-run statement equals the newest entry.
        with open(path, encoding="utf-8") as f:
            self.assertEqual(len(f.read().splitlines()), 2)


class CompletionTest(ReplTestCase):
    def test_table_name_needing_quotes(self):
        term = self.start()
        prompt = self.prompt()
        term.type("SELECT * FROM my-t")
        term.keys("Tab")
        term.wait_text(prompt + 'SELECT * FROM "my-table"')
        term.type(";")
        term.keys("Enter")
        term.wait_text("odd col")

    def test_column_of_the_table_in_context(self):
        term = self.start()
        prompt = self.prompt()
        # The cursor sits before FROM: the table named later is the context.
        term.type("SELECT nam FROM demo WHERE id = 'k2';")
        term.keys(*["Left"] * len(" FROM demo WHERE id = 'k2';"))
        term.keys("Tab")
        term.wait_text(prompt + "SELECT name FROM demo WHERE id = 'k2';")
        term.keys("Enter")
        term.wait_text("bob")
        # A quoted column of the odd table, on a continuation line.
        term.line('SELECT * FROM "my-table"')
        term.type("WHERE od")
        term.keys("Tab")
        term.wait_text('...> WHERE "odd col"')

    def test_dot_commands_and_their_arguments(self):
        term = self.start()
        prompt = self.prompt()
        term.type(".hea")
        term.keys("Tab")
        term.wait_text(prompt + ".headers")
        term.type("of")
        term.keys("Tab")
        term.wait_text(prompt + ".headers off")
        term.keys("C-u")
        term.type(".pag")
        term.keys("Tab")
        term.wait_text(prompt + ".pager")


class InputTest(ReplTestCase):
    def test_multi_line_statement(self):
        term = self.start()
        term.line("SELECT name")
        term.line("  FROM demo")
        term.line("  ORDER BY name DESC;")
        screen = term.wait_text("│ ann")
        self.assertEqual(screen.count("...> "), 2, screen)
        self.assertRegex(screen, r"(?s)│ cy .*│ bob .*│ ann ")

    def test_ctrl_c_at_the_prompt_discards_the_statement(self):
        term = self.start()
        prompt = self.prompt()
        term.line("SELECT 'never'")
        term.wait_text("...>")
        term.type("FROM nowhere")
        term.wait_text("FROM nowhere")
        term.keys("C-c")
        term.wait_for(lambda s: term.last_line() == prompt.rstrip(), "a fresh prompt")
        self.assertIn("FROM nowhere^C", term.screen())
        term.line("SELECT 'after' || 'wards';")
        screen = term.wait_text("afterwards")
        self.assertNotIn("Error", screen)
        self.assertNotIn("never", screen.split("afterwards")[1])

    def test_large_full_scan_asks_first(self):
        term = self.start()
        term.line(".scanconfirm 1")
        term.line("SELECT count(*) AS n FROM demo;")
        term.wait_text("Run it? [y/N]")
        self.assertRegex(term.screen(), r"Full scan of demo: about \d+ items")
        term.line("n")
        term.wait_text("declined")
        term.line("SELECT count(*) AS n FROM demo;")
        term.wait_count("Run it? [y/N]", 2)
        term.line("y")
        term.wait_text("│ 3 ")
        # A lookup by key is no full scan: no question.
        term.line("SELECT name FROM demo WHERE id = 'k1';")
        screen = term.wait_text("│ ann")
        self.assertEqual(screen.count("Run it?"), 2, screen)

    def test_exit_quit_and_backslash_q_leave_and_help_shows_help(self):
        for word in ("exit", "quit", "\\q"):
            with self.subTest(word=word):
                term = self.start()
                term.line("help")
                term.wait_text(".pager on|off|CMD")
                term.wait_count(self.prompt().rstrip(), 2)
                # Inside a statement the word is SQL, not a command.
                term.line("SELECT 'still' AS v")
                term.line(word)
                term.wait_text("...> " + word)
                self.assertFalse(term.dead())
                term.keys("C-c")
                term.wait_count(self.prompt().rstrip(), 3)
                term.line(word)
                term.wait_for(lambda s: term.dead(), f"ddbsql to exit on {word!r}")

    def test_syntax_error_shows_where_it_is(self):
        # As sqlite3 at its prompt: the statement (a newline as a space) and a
        # caret under the error, after ddbsql's own line.
        term = self.start()
        term.line("SELECT *")
        term.line("  FROM my-table;")
        screen = term.wait_text("error here")
        lines = screen.splitlines()
        at = next(i for i, l in enumerate(lines) if l.startswith("Error: "))
        self.assertEqual(lines[at:at + 3], [
            'Error: near "-": syntax error (table names with "-" must be quoted: "my-table")',
            "  SELECT *   FROM my-table;",
            "                    ^--- error here"], screen)

    def test_pager(self):
        term = self.start()
        term.line(".pager sed s/^/PAGED:/")
        term.line("SELECT name FROM demo WHERE id = 'k1';")
        screen = term.wait_text("PAGED:└")
        paged = [l for l in screen.splitlines() if l.startswith("PAGED:")]
        self.assertEqual(len(paged), 5, screen)  # the whole box went through the pager
        self.assertIn("│ ann", paged[3])
        term.line(".pager off")
        term.line("SELECT 'plain' AS p;")
        screen = term.wait_count("plain", 2)
        self.assertNotIn("PAGED:│ plain", screen)
        term.line(".pager")
        term.wait_text("pager: off")


class SlowScanTest(ReplTestCase):
    """DynamoDB Local behind a proxy that delays every request."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.proxy = cli_support.FaultProxy(cls.url)

    def setUp(self):
        super().setUp()
        self.proxy.then("ok")

    def test_ctrl_c_cancels_a_slow_scan_and_progress_shows(self):
        term = self.start(endpoint=self.proxy.url)
        prompt = self.prompt(endpoint=self.proxy.url)
        # Connect the table (DescribeTable, sample) at full speed first.
        term.line("SELECT count(*) FROM demo;")
        term.wait_count(prompt.rstrip(), 2)
        self.proxy.then(f"delay:{SLOW_PAGE_MS}")
        term.line("SELECT count(*) AS n FROM demo;")
        # The progress line counts while the page is pending ...
        term.wait_text("items scanned", timeout=3)
        self.assertNotIn("│ n ", term.screen())
        term.keys("C-c")
        start = time.monotonic()
        # ... and Ctrl-C brings the prompt back at once, the line erased.
        screen = term.wait_for(lambda s: term.last_line() == prompt.rstrip(), "the prompt",
                               timeout=SLOW_PAGE_MS / 1000)
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, CANCEL_SECONDS, screen)
        # The prompt test and the returned screen are two captures: under
        # load the error line may land between them, so look once more.
        screen = term.wait_text("interrupted", timeout=2)
        self.assertNotIn("items scanned", screen)
        # The session goes on.
        self.proxy.then("ok")
        term.line("SELECT count(*) AS n FROM demo;")
        term.wait_text("│ 3 ")

    def test_progress_line_is_erased_when_the_statement_ends(self):
        term = self.start(endpoint=self.proxy.url)
        prompt = self.prompt(endpoint=self.proxy.url)
        term.line("SELECT count(*) FROM demo;")
        term.wait_count(prompt.rstrip(), 2)
        self.proxy.then("delay:1500")
        term.line("SELECT sum(score) AS total FROM demo;")
        term.wait_text("items scanned", timeout=3)
        screen = term.wait_text("│ 16 ", timeout=10)
        self.assertNotIn("items scanned", screen)

    def test_rows_stream_to_the_terminal_while_pages_arrive(self):
        term = self.start(endpoint=self.proxy.url)
        prompt = self.prompt(endpoint=self.proxy.url)
        term.line(".parallel 1")
        term.line(".mode json")
        term.line("SELECT id FROM big LIMIT 1;")
        term.wait_count(prompt.rstrip(), 4)
        self.proxy.then("delay:2000")
        term.line("SELECT id FROM big;")
        # The first page's rows show while the second page is on its way
        # (stdout is line-buffered on a terminal, JSON rows included).
        marker = prompt + "SELECT id FROM big;"
        output = lambda s: s.split(marker, 1)[-1]  # noqa: E731
        screen = term.wait_for(lambda s: '{"id":"b' in output(s), "the first rows", timeout=4)
        self.assertNotIn("}]", output(screen))
        screen = term.wait_for(lambda s: "}]" in output(s), "the last row", timeout=6)
        self.assertEqual(output(screen).count('{"id":"b'), BIG_ITEMS, screen)

    def test_scan_question_stays_visible_and_echoes_the_answer(self):
        term = self.start(endpoint=self.proxy.url)
        prompt = self.prompt(endpoint=self.proxy.url)
        term.line("SELECT count(*) FROM demo;")
        term.wait_count(prompt.rstrip(), 2)
        term.line(".scanconfirm 1")
        self.proxy.then("delay:2500")
        term.line("SELECT count(*) AS n FROM demo;")
        term.wait_text("Run it? [y/N]", timeout=10)
        # Well past the progress line's first draw: the question is still
        # there, alone on its line.
        time.sleep(1.5)
        screen = term.screen()
        self.assertIn("Run it? [y/N]", screen)
        self.assertNotIn("items scanned", screen)
        term.line("y")
        # The answer is echoed after the question, the progress line comes
        # below it while the slow page is on its way, then the result.
        screen = term.wait_text("items scanned", timeout=5)
        lines = screen.splitlines()
        question = next(i for i, l in enumerate(lines) if "Run it? [y/N]" in l)
        self.assertTrue(lines[question].rstrip().endswith("Run it? [y/N] y"), screen)
        progress = next(i for i, l in enumerate(lines) if "items scanned" in l)
        self.assertGreater(progress, question, screen)
        screen = term.wait_text("│ 3 ", timeout=10)
        self.assertIn("Run it? [y/N] y", screen)

    def test_progress_line_says_what_a_stalled_request_waits_for(self):
        term = self.start("--cli-read-timeout", "2", endpoint=self.proxy.url)
        prompt = self.prompt(endpoint=self.proxy.url)
        term.line("SELECT count(*) FROM demo;")
        term.wait_count(prompt.rstrip(), 2)
        self.proxy.then("stall", stall_seconds=30)
        host = urllib.parse.urlparse(self.proxy.url).netloc
        term.line("SELECT count(*) AS n FROM demo;")
        term.wait_text(f"waiting for {host}, attempt 1 of 3", timeout=5)
        term.wait_text(f"waiting for {host}, attempt 2 of 3", timeout=8)
        # After the last attempt: one error naming the host and the setting,
        # the progress line gone.
        screen = term.wait_text("after 3 attempts", timeout=15)
        self.assertIn(f"{host} sent nothing for 2 s (--cli-read-timeout)", screen)
        self.assertNotIn("waiting for", screen)
        self.proxy.then("ok")
        term.line("SELECT count(*) AS n FROM demo;")
        term.wait_text("│ 3 ")

    def test_no_progress_line_when_stderr_is_not_a_terminal(self):
        self.proxy.then("delay:600")
        result = self.run_cli(["--endpoint-url", self.proxy.url, "-c",
                               "SELECT count(*) FROM demo"], self.env())
        self.assert_ok(result)
        self.assertEqual(result.stdout, "3\n")


if __name__ == "__main__":
    cli_support.main()
