#!/usr/bin/env python3
"""Promises about limits that only show from the outside: `.ratelimit N`
really spaces the requests of a scan (README "Production safety"), measured
by tests/fault_proxy.py, which logs when each request arrived."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

# Eight items of 300 KB: a Scan page (1 MB) holds four, and DynamoDB Local
# reports about 146 read capacity units for each page.
ITEMS = 8
ITEM_BYTES = 300000


class RateLimitTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("limits")
        cls.secret = cli_support.new_secret()
        cls.ddb = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cli_support.create_table(cls.ddb, "big")
        for i in range(ITEMS):
            cls.ddb.put_item(TableName="big",
                             Item={"id": {"S": "k%d" % i}, "blob": {"S": "x" * ITEM_BYTES}})

    def scan_gaps(self, script):
        """Runs `script` through the proxy; returns the Result and the seconds
        between consecutive Scan requests."""
        proxy = cli_support.FaultProxy(self.url)
        self.addCleanup(proxy.stop)
        env = self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                            AWS_REGION=cli_support.REGION)
        r = self.run_cli(["--endpoint-url", proxy.url], env, input=script)
        times = [q["t"] for q in proxy.log()["requests"] if q["target"].endswith(".Scan")]
        return r, [b - a for a, b in zip(times, times[1:])]

    def test_ratelimit_spaces_the_pages_of_a_scan(self):
        sql = "SELECT count(*), sum(length(blob)) FROM big;\n"
        want = "%d|%d\n" % (ITEMS, ITEMS * ITEM_BYTES)
        # Without a limit, the pages follow each other as fast as they come.
        r, free = self.scan_gaps(sql)
        self.assertEqual(r.stdout, want, r)
        self.assertGreaterEqual(len(free), 1, "the scan took one page: nothing to space")
        # 40 units a second: after a page of ~146 units the bucket is at
        # least 106 units short, so the next page waits 2.6 s or more.
        r, limited = self.scan_gaps(".ratelimit 40\n" + sql)
        self.assertEqual(r.stdout, want, r)
        self.assertEqual(r.stderr, "", r)
        self.assertGreaterEqual(max(limited), 2.0, (limited, free))
        self.assertGreaterEqual(max(limited), max(free) + 1.0, (limited, free))

if __name__ == "__main__":
    cli_support.main()
