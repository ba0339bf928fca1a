#!/usr/bin/env python3
"""The ledger at an interactive terminal (a tmux pane, with repl_test.py's
Terminal): what a crash left pending is recovered at start-up with the
progress line showing how far it got, and `.ledger forget all` asks first
and forgets only after `y`.

Pending entries are made as tests/crash_test.py makes them: an INSERT into
a LargeAttribute column killed before its DynamoDB write
(DDBSQL_TEST_CRASH_AT=before-dynamodb), its ledger entry copied for 19 more
keys. S3 is moto behind tests/fault_proxy.py, which delays every request
when the test wants a slow S3 or resets every connection when it wants S3
down.

Run: scripts/python.sh tests/ledger_repl_test.py --ddbsql build/ddbsql
"""

import json
import os
import re
import shutil
import signal
import sqlite3
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402
from repl_test import Terminal, tmux  # noqa: E402

TABLE = "ledger_repl_items"
BUCKET = "ddbsql-ledger-repl-test"
PENDING = 20
# Each S3 request of the recovery waits this long: 20 deletes take seconds,
# long past the progress line's delay.
S3_DELAY_MS = 300


class LedgerReplTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("tmux"):
            if cli_support.emulators_required():
                raise AssertionError("tmux is not installed")
            raise unittest.SkipTest("tmux is not installed")
        cls.url = cli_support.require_dynamodb(cls)
        cls.s3_url = cli_support.require_s3()
        import boto3

        cls.key_id = cli_support.new_key_id("ledgerrepl")
        cls.secret = cli_support.new_secret()
        cls.ddb = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cls.s3 = boto3.client("s3", endpoint_url=cls.s3_url, region_name=cli_support.REGION,
                              aws_access_key_id=cls.key_id, aws_secret_access_key=cls.secret)
        cli_support.create_table(cls.ddb, TABLE)
        try:
            cls.s3.create_bucket(Bucket=BUCKET)
        except cls.s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        cls.socket = "ddbsql-ledger-repl-" + uuid.uuid4().hex[:8]
        tmux(cls.socket, "new-session", "-d", "-s", "keep", "sleep 600")
        tmux(cls.socket, "set-option", "-g", "remain-on-exit", "on")

    @classmethod
    def tearDownClass(cls):
        tmux(cls.socket, "kill-server", check=False)

    def setUp(self):
        super().setUp()
        self.proxy = cli_support.FaultProxy(self.s3_url)
        self.addCleanup(self.proxy.stop)
        self.catalog = os.path.join(self.home, "catalog.json")
        with open(self.catalog, "w") as f:
            json.dump({"tables": {TABLE: {"columns": {"c1": {
                "codec": "LargeAttribute", "bucket": BUCKET, "prefix": "large",
                "as": "text"}}}}}, f)
        self.ledger = os.path.join(self.home, "ledger.db")

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url,
                             AWS_ENDPOINT_URL_S3=self.proxy.url, PAGER="cat",
                             XDG_STATE_HOME=os.path.join(self.home, "state"))

    def argv(self):
        return [cli_support.DDBSQL, "--catalog", self.catalog, "--ledger", self.ledger]

    def pending(self):
        with sqlite3.connect(self.ledger) as db:
            return db.execute("SELECT count(*) FROM intents WHERE state = 'pending'").fetchone()[0]

    def make_pending(self):
        """PENDING entries whose objects exist and whose items do not."""
        key = "k" + uuid.uuid4().hex[:8]
        r = self.run_cli(self.argv()[1:], dict(self.env(), DDBSQL_TEST_CRASH_AT="before-dynamodb"),
                         input=f"INSERT INTO {TABLE}(id, c1) VALUES ('{key}', 'v');\n")
        self.assertEqual(r.returncode, -signal.SIGKILL, r)
        with sqlite3.connect(self.ledger) as db:
            (first,) = db.execute("SELECT min(id) FROM intents WHERE state = 'pending'").fetchone()
            cols = [c[1] for c in db.execute("PRAGMA table_info(intents)") if c[1] != "id"]
            values = ", ".join("?" if c == "item_key" else c for c in cols)
            for n in range(1, PENDING):
                db.execute(f"INSERT INTO intents({', '.join(cols)}) SELECT {values}"
                           " FROM intents WHERE id = ?",
                           (json.dumps({"id": {"S": f"{key}-{n}"}}), first))
        self.assertEqual(self.pending(), PENDING)

    def start(self):
        term = Terminal(self, self.socket, self.argv(), self.env())
        self.addCleanup(term.close)
        return term

    def test_startup_recovery_shows_its_progress(self):
        self.make_pending()
        self.proxy.control("", {"plan": [], "then": f"delay:{S3_DELAY_MS}"})
        term = self.start()
        screen = term.wait_for(
            lambda s: re.search(r"recovering S3 writes a crash left pending: \d+ of 20 "
                                r"\(Ctrl-C skips\)", s), "the recovery's progress line")
        self.assertNotIn("recover: 20 pending S3 writes resolved", screen)
        term.wait_text("recover: 20 pending S3 writes resolved", timeout=60)
        term.wait_for(lambda s: re.search(r"\]>", s), "the prompt")
        self.assertEqual(self.pending(), 0)
        # The progress line was erased, not left above the summary.
        self.assertNotIn("recovering S3 writes", term.screen())

    def test_ledger_forget_all_asks_first(self):
        self.make_pending()
        self.proxy.control("", {"plan": [], "then": "reset"})  # S3 down: nothing recovers
        term = self.start()
        term.wait_for(lambda s: re.search(r"\]>", s), "the prompt")
        self.assertEqual(self.pending(), PENDING)
        term.line(".ledger forget all")
        term.wait_text(f"Forget {PENDING} pending S3 writes? Nobody will resolve them")
        term.wait_text("[y/N]")
        term.line("n")
        term.wait_text("nothing forgotten")
        self.assertEqual(self.pending(), PENDING)
        term.line(".ledger forget all")
        term.wait_count("[y/N]", 2)
        self.assertEqual(self.pending(), PENDING)  # asking forgets nothing
        term.line("y")
        term.wait_text(f"{PENDING} entries marked abandoned in {self.ledger}")
        self.assertEqual(self.pending(), 0)


if __name__ == "__main__":
    cli_support.main()
