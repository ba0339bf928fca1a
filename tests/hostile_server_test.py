"""ddbsql against a hostile server (tests/hostile_server.py) playing DynamoDB
and S3: truncated bodies, absurd and wrong lengths, HTML instead of JSON,
invalid UTF-8, values of the wrong type, a page nested 100,000 deep, a
server that trickles a byte a second or falls silent, a reset in the middle
of a page, an S3 object that is a decompression bomb, answers larger than
the HTTP client's limit (announced, or chunked without a length) and a
Content-Encoding bomb.

Each case runs `ddbsql -c "SELECT * FROM t"` with a read timeout of 2 s and
2 attempts, and checks that ddbsql exits with status 1 and one error line
naming the host and the operation (DynamoDB's; for an S3 object, its
s3:// URI, or the table, key and column of a value), within the read
timeout's bound, without a crash, and that nothing but reads reached the
server. Needs no emulator.
"""

import os
import sys
import unittest

import cli_support
import rss_support
from hostile_server import OVERSIZE_BYTES, HostileServer

READ_TIMEOUT_S = 2
ATTEMPTS = 2
# Two silent (or trickling) attempts of one read timeout each, backoff, and
# start-up under a loaded machine: far below the 60 s a whole transfer may
# take.
BOUND_S = ATTEMPTS * READ_TIMEOUT_S + 8
READS = {"ListTables", "DescribeTable", "Scan", "Query", "GetObject"}
# The HTTP client's body limit in these runs (DDBSQL_TEST_MAX_RESPONSE_BYTES;
# 2 GiB otherwise): below the hostile server's OVERSIZE_BYTES answers.
MAX_RESPONSE_BYTES = 1 << 20


class HostileServerTest(cli_support.CliTestCase):
    def run_against(self, modes, catalog=False, measure=False, script=None):
        with HostileServer(modes) as server:
            env = self.base_env(
                AWS_ACCESS_KEY_ID="AKIDHOSTILE",
                AWS_SECRET_ACCESS_KEY=cli_support.new_secret(),
                AWS_REGION="us-east-1",
                AWS_MAX_ATTEMPTS=str(ATTEMPTS),
                AWS_ENDPOINT_URL_S3=server.url,
                XDG_CACHE_HOME=os.path.join(self.home, "cache"),
                XDG_STATE_HOME=os.path.join(self.home, "state"),
                XDG_CONFIG_HOME=os.path.join(self.home, "config"),
                DDBSQL_TEST_MAX_RESPONSE_BYTES=str(MAX_RESPONSE_BYTES))
            args = ["--endpoint-url", server.url, "--cli-read-timeout", str(READ_TIMEOUT_S)]
            if catalog:
                path = os.path.join(self.home, "catalog.json")
                with open(path, "w") as f:
                    f.write('{"tables": {"t": {"columns": {"doc": '
                            '{"chain": ["s3", "gzip"], "bucket": "b", "as": "blob"}}}}}')
                args += ["--catalog", path]
            if script is not None:
                result = self.run_cli(args, env, input=script)
            elif measure:
                result, self.peak_kib = rss_support.run_measured(
                    self, args + ["-c", "SELECT * FROM t;"], env)
            else:
                result = self.run_cli(args + ["-c", "SELECT * FROM t;"], env)
            with server.lock:
                requests = list(server.requests)
            host = server.url.split("//", 1)[1]
        return result, requests, host

    def check_failure(self, result, requests, host, *names):
        """Status 1, one error line naming `host` (unless None) and every
        one of `names` (an operation as "DynamoDB Scan", an S3 URI, ...)."""
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "", result)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result)
        self.assertTrue(lines[0].startswith("Error: "), result)
        for name in ((host,) if host else ()) + names:
            self.assertIn(name, lines[0], result)
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
                self.check_failure(result, requests, host, "DynamoDB Scan")

    def test_broken_table_descriptions(self):
        for mode in ("truncated", "html", "bad_utf8", "wrong_types", "reset"):
            with self.subTest(mode=mode):
                result, requests, host = self.run_against({"DescribeTable": mode})
                self.check_failure(result, requests, host, "DynamoDB DescribeTable")

    def test_broken_table_lists(self):
        # A list of the wrong type is a broken answer, not an account
        # without the table.
        for mode in ("truncated", "html", "bad_utf8", "wrong_types", "reset"):
            with self.subTest(mode=mode):
                result, requests, host = self.run_against({"ListTables": mode})
                self.check_failure(result, requests, host, "DynamoDB ListTables")
                self.assertNotEqual(result.stderr.strip(), "Error: no such table: t", result)

    def test_broken_s3_objects(self):
        for mode in ("truncated", "absurd_length", "reset", "silence", "trickle_body"):
            with self.subTest(mode=mode):
                result, requests, host = self.run_against({"GetObject": mode}, catalog=True)
                self.check_failure(result, requests, host, "s3://b/obj")

    def test_answers_over_the_size_limit(self):
        # Announced (Content-Length) or not (chunked): the transfer stops at
        # the limit, the error names the operation, the host and the limit,
        # and the answer is not asked for again.
        for mode, why in (("oversize", f"Content-Length: {OVERSIZE_BYTES}"),
                          ("oversize_chunked", "the body went on past it")):
            with self.subTest(mode=mode):
                result, requests, host = self.run_against({"Scan": mode})
                self.check_failure(result, requests, host, "DynamoDB Scan",
                                   "larger than the limit of 1 MiB", why)
                self.assertEqual(sum(1 for r in requests if r[0] == "Scan"), 1, requests)
        with self.subTest(mode="oversize", operation="GetObject"):
            result, requests, host = self.run_against({"GetObject": "oversize"}, catalog=True)
            self.check_failure(result, requests, host, "s3://b/obj", "S3 GetObject",
                               "larger than the limit of 1 MiB")

    def test_a_content_encoding_bomb_is_not_inflated(self):
        # ddbsql never asks DynamoDB for a compressed answer, so a gzip body
        # is not JSON: an error naming operation and host, with memory far
        # below the 65 MiB the bomb expands to.
        result, requests, host = self.run_against({"Scan": "encoding_bomb"}, measure=True)
        self.check_failure(result, requests, host, "DynamoDB Scan")
        print(f"\nContent-Encoding bomb: peak RSS {self.peak_kib / 1024:.1f} MiB", file=sys.stderr)
        if not rss_support.sanitized():
            self.assertLess(self.peak_kib, 48 << 10, f"peak RSS {self.peak_kib} KiB")

    def test_a_decompression_bomb_names_table_key_and_column(self):
        result, requests, host = self.run_against({"GetObject": "gzip_bomb"}, catalog=True)
        self.check_failure(result, requests, None, "table t")
        self.assertIn("table t, key (id='a'), column doc", result.stderr)
        self.assertIn("larger than the limit of 64 MiB", result.stderr)

    def test_maxvalue_sets_the_decoded_value_limit(self):
        # A gzip column whose value (2 MiB of zeros) is past `.maxvalue 1M`
        # fails naming table, key, column and limit; `.maxvalue 64M` reads it.
        script = (".maxvalue\n.maxvalue 1M\n.maxvalue\nSELECT length(doc) FROM t;\n"
                  ".maxvalue 64M\nSELECT length(doc) FROM t;\n")
        result, _, _ = self.run_against({"GetObject": "gzip_2m"}, catalog=True, script=script)
        self.assertEqual(result.returncode, 1, result)
        self.assertEqual(result.stdout, "64M\n1M\n2097152\n", result)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result)
        self.assertIn("table t, key (id='a'), column doc", lines[0])
        self.assertIn("gzip: decompressed value larger than the limit of 1 MiB", lines[0])
        for bad in ("0", "1K1", "2G", "12Q", "-1M"):
            with self.subTest(size=bad):
                result, _, _ = self.run_against({}, script=f".maxvalue {bad}\n")
                self.assertIn("usage: .maxvalue ?SIZE?", result.stderr, result)


if __name__ == "__main__":
    cli_support.main()
