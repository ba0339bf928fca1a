"""ddbsql against a hostile server (tests/hostile_server.py) playing DynamoDB
and S3: truncated bodies, absurd and wrong lengths, HTML instead of JSON,
invalid UTF-8, values of the wrong type, a page nested 100,000 deep, a
server that trickles a byte a second or falls silent, a reset in the middle
of a page, and an S3 object that is a decompression bomb.

Each case runs `ddbsql -c "SELECT * FROM t"` with a read timeout of 2 s and
2 attempts, and checks that ddbsql exits with status 1 and one error line
naming the host or the operation (or the table, key and column of a value),
within the read timeout's bound, without a crash, and that nothing but reads
reached the server. Needs no emulator.
"""

import os
import unittest

import cli_support
from hostile_server import HostileServer

READ_TIMEOUT_S = 2
ATTEMPTS = 2
# Two silent (or trickling) attempts of one read timeout each, backoff, and
# start-up under a loaded machine: far below the 60 s a whole transfer may
# take.
BOUND_S = ATTEMPTS * READ_TIMEOUT_S + 8
READS = {"ListTables", "DescribeTable", "Scan", "Query", "GetObject"}


class HostileServerTest(cli_support.CliTestCase):
    def run_against(self, modes, catalog=False):
        with HostileServer(modes) as server:
            env = self.base_env(
                AWS_ACCESS_KEY_ID="AKIDHOSTILE",
                AWS_SECRET_ACCESS_KEY=cli_support.new_secret(),
                AWS_REGION="us-east-1",
                AWS_MAX_ATTEMPTS=str(ATTEMPTS),
                AWS_ENDPOINT_URL_S3=server.url,
                XDG_CACHE_HOME=os.path.join(self.home, "cache"),
                XDG_STATE_HOME=os.path.join(self.home, "state"),
                XDG_CONFIG_HOME=os.path.join(self.home, "config"))
            args = ["--endpoint-url", server.url, "--cli-read-timeout", str(READ_TIMEOUT_S)]
            if catalog:
                path = os.path.join(self.home, "catalog.json")
                with open(path, "w") as f:
                    f.write('{"tables": {"t": {"columns": {"doc": '
                            '{"chain": ["s3", "gzip"], "bucket": "b", "as": "blob"}}}}}')
                args += ["--catalog", path]
            result = self.run_cli(args + ["-c", "SELECT * FROM t;"], env)
            with server.lock:
                requests = list(server.requests)
            host = server.url.split("//", 1)[1]
        return result, requests, host

    def check_failure(self, result, requests, host, *names):
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "", result)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result)
        self.assertTrue(lines[0].startswith("Error: "), result)
        self.assertTrue(any(name in lines[0] for name in (host,) + names), result)
        for bad in ("AddressSanitizer", "runtime error", "terminate called", "Segmentation"):
            self.assertNotIn(bad, result.stderr)
        self.assertLess(result.elapsed, BOUND_S, result)
        written = [r for r in requests if r[0] not in READS]
        self.assertEqual(written, [], f"ddbsql sent more than reads: {requests}")

    def test_a_well_behaved_server_answers(self):
        result, requests, _ = self.run_against({}, catalog=False)
        self.assert_ok(result)
        self.assertIn("a|s3://b/obj|1", result.stdout)

    def test_broken_scan_pages(self):
        for mode in ("truncated", "absurd_length", "html", "bad_utf8", "wrong_types", "deep",
                     "extra_bytes", "reset", "silence", "trickle", "trickle_body"):
            with self.subTest(mode=mode):
                result, requests, host = self.run_against({"Scan": mode})
                self.check_failure(result, requests, host, "Scan")

    def test_broken_table_descriptions(self):
        for mode in ("truncated", "html", "bad_utf8", "wrong_types", "reset"):
            with self.subTest(mode=mode):
                result, requests, host = self.run_against({"DescribeTable": mode})
                self.check_failure(result, requests, host, "DescribeTable")

    def test_broken_table_lists(self):
        for mode in ("truncated", "html", "bad_utf8", "reset"):
            with self.subTest(mode=mode):
                result, requests, host = self.run_against({"ListTables": mode})
                self.check_failure(result, requests, host, "ListTables")

    def test_broken_s3_objects(self):
        for mode in ("truncated", "absurd_length", "reset", "silence", "trickle_body"):
            with self.subTest(mode=mode):
                result, requests, host = self.run_against({"GetObject": mode}, catalog=True)
                self.check_failure(result, requests, host, "s3://b/obj")

    def test_a_decompression_bomb_names_table_key_and_column(self):
        result, requests, host = self.run_against({"GetObject": "gzip_bomb"}, catalog=True)
        self.check_failure(result, requests, host, "table t")
        self.assertIn("table t, key (id='a'), column doc", result.stderr)
        self.assertIn("larger than the limit of 64 MiB", result.stderr)


if __name__ == "__main__":
    cli_support.main()
