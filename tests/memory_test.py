#!/usr/bin/env python3
"""The memory bounds README promises, measured end to end: the peak
resident memory of a ddbsql process (rss_support: os.wait4's ru_maxrss)
reading tables of DynamoDB Local and objects of moto's S3.

  - A statement's copy of a scan (vtab/scan_cache.h) stays in memory up to
    its bound, then spills to a temporary table: a 24 MB table read three
    times as the inner loop of a join holds its copy in memory under the
    default bound (256 MB) and a few MB under DDBSQL_TEST_SCAN_CACHE_BYTES=2
    MiB.
  - The S3 cache (64 MB per connection, CodecSession::kCacheBytes) holds no
    more than its bound: reading 40 MB of objects grows memory by all of
    them under the default bound, and by about the bound, the read-ahead
    window and the GETs in flight under DDBSQL_TEST_S3_CACHE_BYTES=4 MiB.
  - The read-ahead of an S3 column (a sliding window of at most .s3parallel
    rows started and not yet read, CursorCodecs) holds one window's values,
    not a page's (the page of 320 short items is one DynamoDB page), with
    the cache out of the way (DDBSQL_TEST_S3_CACHE_BYTES=1).

Each bound is asserted against a baseline run of the same session without
the memory-heavy part, with a margin for the allocator; the first two also
check that the same statement under the default bound does grow by the
data (so that the assertion could fail). Skipped under AddressSanitizer
(its quarantine keeps freed memory resident).
"""

import json
import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402
import pynamodb_mate_writer as writer  # noqa: E402
import rss_support  # noqa: E402

MIB = 1 << 20
# Scan copy: ITEMS items of about PAD_BYTES each (DynamoDB's limit is 400 KB).
COPY_ITEMS = 64
PAD_BYTES = 380_000
COPY_BOUND = 2 * MIB
# S3: OBJECTS objects of OBJECT_BYTES (random, so incompressible).
OBJECTS = 320
OBJECT_BYTES = 128 << 10
S3_PARALLEL = 16  # .s3parallel here: the read-ahead's rows
S3_CACHE_BOUND = 4 * MIB
# One read-ahead window: each row's object body as fetched and its decoded
# value, and the copy SQLite makes of the row it reads.
WINDOW_BYTES = 2 * S3_PARALLEL * OBJECT_BYTES + OBJECT_BYTES
# What the allocator and SQLite may add on top of a bound.
MARGIN = 8 * MIB
# The page decoder's working memory for one 1 MB page (simdjson On-Demand).
DECODER = 6 * MIB


class MemoryTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        if rss_support.sanitized():
            raise unittest.SkipTest("peak RSS under AddressSanitizer is its quarantine's")
        cls.url = cli_support.require_dynamodb(cls)
        cls.s3_url = cli_support.require_s3()
        cls.key_id = cli_support.new_key_id("memory")
        cls.secret = cli_support.new_secret()
        cls.bucket = "memory-" + uuid.uuid4().hex[:12]
        cls.ddb, cls.s3 = writer.clients(cls.url, cls.s3_url, cls.key_id, cls.secret,
                                         cli_support.REGION)
        writer.create_table(cls.ddb, "copied")
        writer.batch_put(cls.ddb, "copied", [
            {"id": {"S": f"i{i:03d}"}, "n": {"N": str(i)},
             "pad": {"S": chr(ord("a") + i % 26) * PAD_BYTES}} for i in range(COPY_ITEMS)])
        writer.create_table(cls.ddb, "few")
        writer.batch_put(cls.ddb, "few", [{"id": {"S": f"f{i}"}} for i in range(3)])
        cls.s3.create_bucket(Bucket=cls.bucket)
        writer.create_table(cls.ddb, "objects")
        items = []
        for i in range(OBJECTS):
            key = f"o/{i:04d}"
            cls.s3.put_object(Bucket=cls.bucket, Key=key, Body=os.urandom(OBJECT_BYTES))
            items.append({"id": {"S": f"k{i:04d}"}, "doc": {"S": f"s3://{cls.bucket}/{key}"}})
        writer.batch_put(cls.ddb, "objects", items)

    def setUp(self):
        super().setUp()
        self.catalog = os.path.join(self.home, "catalog.json")
        with open(self.catalog, "w") as f:
            json.dump({"tables": {"objects": {"columns": {"doc": {
                "chain": ["s3"], "bucket": self.bucket, "as": "blob"}}}}}, f)

    def peak(self, sql, **extra):
        """Runs `sql` in a fresh ddbsql (one scan segment, so that one page
        at a time is in flight); returns (stdout, peak resident bytes)."""
        env = self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                            AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url,
                            AWS_ENDPOINT_URL_S3=self.s3_url, **extra)
        result, kib = rss_support.run_measured(
            self, ["--catalog", self.catalog, "-cmd", f".s3parallel {S3_PARALLEL}", "-cmd",
                   ".parallel 1", "-c", sql], env)
        self.assert_ok(result)
        return result.stdout, kib * 1024

    def report(self, name, **figures):
        print(f"\n{name}: " + ", ".join(f"{k} {v / MIB:.1f} MiB" for k, v in figures.items()),
              file=sys.stderr)

    def test_a_scan_copy_spills_past_its_bound(self):
        table_bytes = COPY_ITEMS * PAD_BYTES
        # The table is the inner loop of the three rows of another DynamoDB
        # table (CROSS JOIN keeps SQLite's order; a scan inside no other is
        # not copied past 16 MB): the first pass reads DynamoDB and keeps a
        # copy, the next two read the copy.
        cross = "SELECT count(*), sum(length(b.pad)) FROM few AS a CROSS JOIN copied AS b;"
        expected = f"{3 * COPY_ITEMS}|{3 * COPY_ITEMS * PAD_BYTES}\n"
        # The floor: the process and a scan of three small items. (A scan
        # of `copied` alone would not do: it keeps a copy of up to 16 MB in
        # case it is asked for again, ScanCache::kTopLevelBytes.)
        out, base = self.peak("SELECT count(*) FROM few;")
        self.assertEqual(out, "3\n")
        out, unbounded = self.peak(cross)
        self.assertEqual(out, expected)
        out, bounded = self.peak(cross, DDBSQL_TEST_SCAN_CACHE_BYTES=str(COPY_BOUND))
        self.assertEqual(out, expected)
        self.report("scan copy", table=table_bytes, baseline=base, default_bound=unbounded,
                    bound_2MiB=bounded)
        # Under the default bound the copy is in memory: the measurement sees it.
        self.assertGreater(unbounded - base, table_bytes * 3 // 4)
        # Under 2 MiB it is spilled, and read back a page (1 MB) at a time;
        # the page being read from DynamoDB and the next are in memory too,
        # and while a page is decoded simdjson's parser holds about six bytes
        # per byte of it (structural indexes 4, string buffer 1, the padded
        # copy 1). Still far below the unbounded copy (about 30 MiB here).
        self.assertLess(bounded - base, COPY_BOUND + 3 * MIB + DECODER + MARGIN)

    def test_the_s3_cache_stays_under_its_bound(self):
        data = OBJECTS * OBJECT_BYTES
        read = "SELECT count(*), sum(length(doc)) FROM objects;"
        expected = f"{OBJECTS}|{data}\n"
        out, base = self.peak("SELECT count(*) FROM objects;")
        self.assertEqual(out, f"{OBJECTS}\n")
        out, unbounded = self.peak(read)  # 64 MB: everything stays cached
        self.assertEqual(out, expected)
        out, bounded = self.peak(read, DDBSQL_TEST_S3_CACHE_BYTES=str(S3_CACHE_BOUND))
        self.assertEqual(out, expected)
        self.report("S3 cache", objects=data, baseline=base, default_bound=unbounded,
                    bound_4MiB=bounded)
        self.assertGreater(unbounded - base, data * 3 // 4)
        self.assertLess(bounded - base, S3_CACHE_BOUND + WINDOW_BYTES + MARGIN)

    def test_the_read_ahead_holds_one_window(self):
        read = "SELECT count(*), sum(length(doc)) FROM objects;"
        out, base = self.peak("SELECT count(*) FROM objects;")
        out, peak = self.peak(read, DDBSQL_TEST_S3_CACHE_BYTES="1")
        self.assertEqual(out, f"{OBJECTS}|{OBJECTS * OBJECT_BYTES}\n")
        self.report("read-ahead", page=OBJECTS * OBJECT_BYTES, window=WINDOW_BYTES, baseline=base,
                    peak=peak)
        # One window of decoded values (and the bodies in flight), not the
        # page's OBJECTS values.
        self.assertLess(peak - base, WINDOW_BYTES + MARGIN)


if __name__ == "__main__":
    cli_support.main()
