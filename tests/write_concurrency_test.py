#!/usr/bin/env python3
"""How many write requests a statement has in flight, and how fast it may
consume write capacity (README "Writes"): INSERT, REPLACE, UPDATE and DELETE
outside BEGIN all go through one pipeline bounded by `.writeparallel`, and
`.ratelimit write N` spaces them; Ctrl-C stops a statement waiting for the
limit or for a bulk INSERT chunk's backoff. Run against DynamoDB Local
behind tests/fault_proxy.py, which holds requests (so the test counts those
in flight at once) and logs when each arrived."""

import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402


def series(first, last):
    """SQL for the rows `value` from first to last."""
    return (f"(WITH RECURSIVE s(value) AS (SELECT {first} UNION ALL SELECT value + 1 FROM s"
            f" WHERE value < {last}) SELECT value FROM s)")


def keys(first, last):
    """`id IN (...)` of the keys k<first>..k<last>: rows found by key."""
    return "id IN (" + ", ".join(f"'k{i}'" for i in range(first, last + 1)) + ")"


INTERRUPTED = re.compile(r"interrupted \((\d+) items? written(?:; (\d+) write requests? "
                         r"(?:was|were) cancelled in flight)?")


class WriteConcurrencyTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("wconc")
        cls.secret = cli_support.new_secret()
        cls.ddb = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cli_support.create_table(cls.ddb, "wconc")

    def setUp(self):
        super().setUp()
        for page in self.ddb.get_paginator("scan").paginate(TableName="wconc"):
            for item in page["Items"]:
                self.ddb.delete_item(TableName="wconc", Key={"id": item["id"]})

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION,
                             XDG_STATE_HOME=os.path.join(self.home, "state"))

    def sql(self, script, url=None):
        return self.run_cli(["--endpoint-url", url or self.url], self.env(), input=script)

    def put(self, first, last):
        for i in range(first, last + 1, 25):
            self.ddb.batch_write_item(RequestItems={"wconc": [
                {"PutRequest": {"Item": {"id": {"S": f"k{j}"}, "n": {"N": str(j)}}}}
                for j in range(i, min(i + 25, last + 1))]})

    def count(self):
        return self.ddb.scan(TableName="wconc", Select="COUNT", ConsistentRead=True)["Count"]

    def proxy(self):
        proxy = cli_support.FaultProxy(self.url)
        self.addCleanup(proxy.stop)
        return proxy

    def interrupt(self, proc):
        """Ctrl-C to the running `proc`: it must end within 2 s, exit 1 and
        say how many items were written. Returns its stderr and that match."""
        proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        _, err = proc.communicate(timeout=30)
        self.assertLess(time.monotonic() - t0, 2.0, err)
        self.assertEqual(proc.returncode, 1, err)
        m = INTERRUPTED.search(err)
        self.assertIsNotNone(m, err)
        return err, m

    @staticmethod
    def arrivals(proxy, operation):
        return [q["t"] for q in proxy.log()["requests"] if q["target"].endswith("." + operation)]

    # -- .writeparallel bounds every kind of write --------------------------

    def assert_in_flight(self, script, operation, parallel):
        """Runs `script` at `.writeparallel parallel` behind a proxy that
        holds every `operation` request: exactly `parallel` of them arrive
        before any is answered (no more wait behind them), then, released,
        the statement finishes. Returns the Result."""
        proxy = self.proxy()
        proxy.control("", {"plan": [], "hold": [operation]})
        result = {}
        thread = threading.Thread(target=lambda: result.update(r=self.sql(
            f".writeparallel {parallel}\n" + script, url=proxy.url)))
        thread.start()
        try:
            log = proxy.wait_held(parallel)
            self.assertEqual(log["held"], parallel, log)
            time.sleep(0.5)  # nothing more arrives while they are held
            self.assertEqual(proxy.log()["held"], parallel)
        finally:
            proxy.control("/release")
            thread.join()
        return result["r"]

    def test_update_delete_replace_insert_are_in_flight_together_up_to_writeparallel(self):
        self.put(1, 60)
        r = self.assert_in_flight(f"UPDATE wconc SET n = n + 1 WHERE {keys(1, 40)};\n",
                                  "UpdateItem", 8)
        self.assert_ok(r)
        self.assertEqual(self.ddb.get_item(TableName="wconc", Key={"id": {"S": "k40"}},
                                           ConsistentRead=True)["Item"]["n"], {"N": "41"})
        r = self.assert_in_flight(f"DELETE FROM wconc WHERE {keys(1, 30)};\n", "DeleteItem", 5)
        self.assert_ok(r)
        self.assertEqual(self.count(), 30)
        # REPLACE: 25 puts to a BatchWriteItem, 300 rows in 12 requests.
        r = self.assert_in_flight(
            "REPLACE INTO wconc(id, n) SELECT 'r' || value, value FROM " + series(1, 300) + ";\n",
            "BatchWriteItem", 4)
        self.assert_ok(r)
        self.assertEqual(self.count(), 330)
        # INSERT: 10 rows to a TransactWriteItems here, 200 rows in 20.
        r = self.assert_in_flight(
            ".insertrows 10\nINSERT INTO wconc(id, n) SELECT 'i' || value, value FROM " +
            series(1, 200) + ";\n", "TransactWriteItems", 6)
        self.assert_ok(r)
        self.assertEqual(self.count(), 530)

    # -- .ratelimit write ---------------------------------------------------

    def test_ratelimit_settings(self):
        r = self.sql(".ratelimit\n.ratelimit 50\n.ratelimit\n.ratelimit 20 100\n.ratelimit\n"
                     ".ratelimit write off\n.ratelimit\n.ratelimit write 7 read off\n"
                     ".ratelimit\n.ratelimit off off\n.ratelimit\n"
                     ".ratelimit x\n.ratelimit read\n.ratelimit read 1 read 2\n"
                     ".ratelimit 1 2 3\n.ratelimit write -1\n")
        self.assertEqual(r.stdout.splitlines(), [
            "read off write off", "read 50 write off", "read 20 write 100", "read 20 write off",
            "read off write 7", "read off write off"])
        self.assertEqual(len(re.findall(r"usage: \.ratelimit", r.stderr)), 5, r.stderr)

    def test_ratelimit_write_spaces_every_kind_of_write(self):
        """At 100 WCU a second with the first second's worth free, writes of
        300 WCU need at least 2 s, however many are in flight (32 here;
        without the limit DynamoDB Local answers them in a fraction of that)."""
        self.put(1, 300)
        proxy = self.proxy()
        cases = [
            # 300 UpdateItems of items under 1 KB: 1 WCU each.
            ("UpdateItem", f"UPDATE wconc SET n = n + 1 WHERE {keys(1, 300)};\n"),
            # 12 BatchWriteItems of 25 puts.
            ("BatchWriteItem",
             "REPLACE INTO wconc(id, n) SELECT 'r' || value, value FROM " + series(1, 300) + ";\n"),
            # 150 INSERT rows in 3 transactions of 50 (2 WCU a row).
            ("TransactWriteItems", ".insertrows 50\nINSERT INTO wconc(id, n) SELECT 'i' || value, "
             "value FROM " + series(1, 150) + ";\n"),
            ("DeleteItem", f"DELETE FROM wconc WHERE {keys(1, 300)};\n"),
        ]
        for operation, script in cases:
            with self.subTest(operation):
                proxy.control("/reset")
                r = self.sql(".ratelimit write 100\n" + script, url=proxy.url)
                self.assert_ok(r)
                t = self.arrivals(proxy, operation)
                self.assertGreaterEqual(len(t), 3, operation)
                self.assertGreaterEqual(t[-1] - t[0], 1.5, (operation, len(t)))
        self.assertEqual(self.count(), 450)  # 300 REPLACEd + 150 INSERTed

    def test_ctrl_c_stops_a_statement_waiting_for_the_write_limit(self):
        self.put(1, 200)
        proxy = self.proxy()
        # 200 UpdateItems at 10 WCU a second: about 19 s.
        proc = subprocess.Popen(
            [cli_support.DDBSQL, "--endpoint-url", proxy.url, "-cmd", ".ratelimit write 10",
             "-c", f"UPDATE wconc SET n = n + 1 WHERE {keys(1, 200)}"],
            env=self.env(), cwd=self.home, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        deadline = time.monotonic() + 20
        while len(self.arrivals(proxy, "UpdateItem")) < 12 and time.monotonic() < deadline:
            time.sleep(0.1)
        err, m = self.interrupt(proc)
        sent = len(self.arrivals(proxy, "UpdateItem"))
        self.assertLess(sent, 100)
        # Requests cut in flight are counted apart (DynamoDB may apply them).
        written, cut = int(m.group(1)), int(m.group(2) or 0)
        self.assertLessEqual(written, sent, err)
        self.assertLessEqual(sent, written + cut, err)
        time.sleep(1.0)
        self.assertEqual(len(self.arrivals(proxy, "UpdateItem")), sent)  # nothing later
        updated = sum(1 for i in range(1, 201) if self.ddb.get_item(
            TableName="wconc", Key={"id": {"S": f"k{i}"}}, ConsistentRead=True)["Item"]["n"]
            != {"N": str(i)})
        self.assertEqual(updated, sent)

    # -- Ctrl-C during a bulk INSERT chunk's backoff -------------------------

    def test_ctrl_c_during_a_chunks_backoff(self):
        """One chunk is written, the others are cancelled for a conflict on
        every attempt and wait on the loop's timer between them: Ctrl-C ends
        the statement at once, says what was written, and nothing is sent
        after it."""
        proxy = self.proxy()
        proxy.control("", {"plan": ["ok"], "then": "cancel:TransactionConflict",
                           "only": ["TransactWriteItems"]})
        proc = subprocess.Popen(
            [cli_support.DDBSQL, "--endpoint-url", proxy.url, "-c",
             "INSERT INTO wconc(id) SELECT 'k' || value FROM " + series(1, 300)],
            env=self.env(), cwd=self.home, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        # Three chunks; two of them refused at least twice each: in backoff.
        # The first chunk's answer comes from DynamoDB Local, the refusals
        # from the proxy at once: wait for its 100 items too (on a loaded
        # machine the server's transaction can take longer than the
        # refusals), so that Ctrl-C lands in the backoff alone.
        deadline = time.monotonic() + 20
        written = 0
        while time.monotonic() < deadline:
            faults = [q["fault"] for q in proxy.log()["requests"]
                      if q["target"].endswith(".TransactWriteItems")]
            if faults.count("cancel:TransactionConflict") >= 5:
                written = self.count()
                if written == 100:
                    break
            time.sleep(0.05)
        self.assertGreaterEqual(faults.count("cancel:TransactionConflict"), 5, faults)
        self.assertEqual(written, 100)
        time.sleep(0.2)  # its answer reaches ddbsql as the item is readable
        self.assertIsNone(proc.poll())
        err, m = self.interrupt(proc)
        self.assertEqual(int(m.group(1)), 100, err)
        sent = proxy.log()["count"]
        time.sleep(1.5)  # a backoff timer left behind would send by now
        self.assertEqual(proxy.log()["count"], sent)
        self.assertEqual(self.count(), 100)


if __name__ == "__main__":
    cli_support.main()
