"""The benches' latency rig (bench/latency_proxy.cc, bench/s3_server.cc):
the in-memory S3 server round-trips objects as boto3 and ddbsql call it, and
the proxy forwards bytes unchanged while holding each request at least its
delay, on one keep-alive connection and on several at once. Timings are
lower bounds only (the machine is shared); the rig's speed is measured by
bench/rig.sh, never here. Needs no emulator: the binaries come from the build
tree beside the ddbsql under test (build/bench/).
"""

import hashlib
import http.client
import os
import subprocess
import threading
import time
import unittest

import cli_support

DELAY_MS = 150
KEY_ID = "AKIDRIGTEST"


def rig_binary(name):
    path = os.path.join(os.path.dirname(cli_support.DDBSQL), "bench", name)
    if not os.access(path, os.X_OK):
        raise AssertionError(f"no {path}: build the bench targets (cmake --build build)")
    return path


class RigProcess:
    """A rig binary started with `args`; its port is its first line."""

    def __init__(self, name, *args):
        self.proc = subprocess.Popen([rig_binary(name), *args, "--max-seconds", "300"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()


class LatencyRigTest(cli_support.CliTestCase):
    def setUp(self):
        super().setUp()
        self.s3_server = RigProcess("ddbsql_s3_server")
        self.addCleanup(self.s3_server.stop)
        self.secret = cli_support.new_secret()

    def s3(self, url):
        import boto3

        return boto3.client("s3", endpoint_url=url, region_name=cli_support.REGION,
                            aws_access_key_id=KEY_ID, aws_secret_access_key=self.secret)

    def proxy(self, delay_ms):
        proxy = RigProcess("ddbsql_latency_proxy", self.s3_server.url, "--delay-ms",
                           str(delay_ms))
        self.addCleanup(proxy.stop)
        return proxy

    def test_s3_server_round_trips_objects(self):
        import botocore.exceptions

        s3 = self.s3(self.s3_server.url)
        s3.create_bucket(Bucket="b")
        body = os.urandom(65536)
        put = s3.put_object(Bucket="b", Key="dir/a b+c", Body=body, Metadata={"pk": "k1"},
                            ChecksumAlgorithm="SHA256")
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        got = s3.get_object(Bucket="b", Key="dir/a b+c", ChecksumMode="ENABLED")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["Metadata"], {"pk": "k1"})
        self.assertIn("ChecksumSHA256", got)
        ranged = s3.get_object(Bucket="b", Key="dir/a b+c", Range="bytes=10-19")
        self.assertEqual(ranged["Body"].read(), body[10:20])
        self.assertEqual(s3.head_object(Bucket="b", Key="dir/a b+c")["ContentLength"], 65536)
        for i in range(5):
            s3.put_object(Bucket="b", Key=f"list/{i}", Body=b"x" * i)
        pages = list(s3.get_paginator("list_objects_v2").paginate(
            Bucket="b", Prefix="list/", PaginationConfig={"PageSize": 2}))
        self.assertEqual([o["Key"] for p in pages for o in p.get("Contents", [])],
                         [f"list/{i}" for i in range(5)])
        self.assertEqual(len(pages), 3)
        top = s3.list_objects_v2(Bucket="b", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in top["CommonPrefixes"]], ["dir/", "list/"])
        s3.delete_objects(Bucket="b", Delete={"Objects": [{"Key": "list/0"}, {"Key": "list/1"}]})
        s3.delete_object(Bucket="b", Key="list/2")
        left = s3.list_objects_v2(Bucket="b", Prefix="list/")
        self.assertEqual([o["Key"] for o in left["Contents"]], ["list/3", "list/4"])
        with self.assertRaises(botocore.exceptions.ClientError) as missing:
            s3.get_object(Bucket="b", Key="list/0")
        self.assertEqual(missing.exception.response["Error"]["Code"], "NoSuchKey")
        with self.assertRaises(botocore.exceptions.ClientError) as unknown:
            s3.get_object(Bucket="nobucket", Key="k")
        self.assertEqual(unknown.exception.response["Error"]["Code"], "NoSuchBucket")
        # What it does not serve is refused, naming it, never answered 200.
        with self.assertRaises(botocore.exceptions.ClientError) as copy:
            s3.copy_object(Bucket="b", Key="c", CopySource="b/list/3")
        self.assertEqual(copy.exception.response["Error"]["Code"], "NotImplemented")
        with self.assertRaises(botocore.exceptions.ClientError) as conditional:
            s3.get_object(Bucket="b", Key="list/3", IfMatch='"nothing"')
        self.assertEqual(conditional.exception.response["Error"]["Code"], "NotImplemented")
        # A body that does not match its checksum is refused and not stored.
        conn = http.client.HTTPConnection("127.0.0.1", self.s3_server.port, timeout=10)
        conn.request("PUT", "/b/bad", body=b"abc",
                     headers={"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="})
        answer = conn.getresponse()
        self.assertEqual((answer.status, b"BadDigest" in answer.read()), (400, True))
        conn.close()
        with self.assertRaises(botocore.exceptions.ClientError):
            s3.head_object(Bucket="b", Key="bad")

    def test_ddbsql_reads_an_object_through_the_proxy(self):
        body = os.urandom(100000)
        s3 = self.s3(self.s3_server.url)
        s3.create_bucket(Bucket="b")
        s3.put_object(Bucket="b", Key="obj", Body=body)
        proxy = self.proxy(DELAY_MS)
        env = self.base_env(AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=self.secret,
                            AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_S3=proxy.url)
        result = self.run_cli(
            ["-batch", "-c", "SELECT length(s3_get('s3://b/obj')), hex(s3_get('s3://b/obj'))"],
            env)
        self.assert_ok(result)
        self.assertEqual(result.stdout, f"{len(body)}|{body.hex().upper()}\n")
        self.assertGreaterEqual(result.elapsed, DELAY_MS / 1000)

    def test_proxy_holds_each_request_on_a_kept_alive_connection(self):
        s3 = self.s3(self.s3_server.url)
        s3.create_bucket(Bucket="b")
        body = os.urandom(300000)
        s3.put_object(Bucket="b", Key="k", Body=body)
        proxy = self.proxy(DELAY_MS)
        conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=30)
        for _ in range(3):
            start = time.monotonic()
            conn.request("GET", "/b/k")
            answer = conn.getresponse()
            got = answer.read()
            elapsed = time.monotonic() - start
            self.assertEqual((answer.status, got), (200, body))
            self.assertGreaterEqual(elapsed, DELAY_MS / 1000)
        # A PUT's body is held and forwarded byte for byte too.
        upload = os.urandom(1 << 20)
        start = time.monotonic()
        conn.request("PUT", "/b/up", body=upload)
        answer = conn.getresponse()
        answer.read()
        self.assertEqual(answer.status, 200)
        self.assertGreaterEqual(time.monotonic() - start, DELAY_MS / 1000)
        conn.close()
        self.assertEqual(s3.get_object(Bucket="b", Key="up")["Body"].read(), upload)

    def test_proxy_serves_connections_concurrently(self):
        # Eight clients at once, each on its own connection: every one gets
        # its own answer, held at least the delay (lower bounds only).
        s3 = self.s3(self.s3_server.url)
        s3.create_bucket(Bucket="b")
        s3.put_object(Bucket="b", Key="k", Body=b"hello")
        proxy = self.proxy(DELAY_MS)
        results = []

        def one():
            conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=30)
            start = time.monotonic()
            conn.request("GET", "/b/k")
            answer = conn.getresponse()
            results.append((answer.status, answer.read(), time.monotonic() - start))
            conn.close()

        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(results), 8)
        for status, got, elapsed in results:
            self.assertEqual((status, got), (200, b"hello"))
            self.assertGreaterEqual(elapsed, DELAY_MS / 1000)

    def test_proxy_exits_after_max_seconds(self):
        proc = subprocess.Popen([rig_binary("ddbsql_latency_proxy"), self.s3_server.url,
                                 "--delay-ms", "1", "--max-seconds", "1"],
                                stdout=subprocess.PIPE, text=True)
        self.assertGreater(int(proc.stdout.readline()), 0)
        self.assertEqual(proc.wait(timeout=30), 0)
        proc.stdout.close()

    def test_bad_arguments_are_refused(self):
        for args in ([], ["http://127.0.0.1:1"], ["nowhere", "--delay-ms", "5"],
                     ["http://127.0.0.1:1", "--delay-ms", "x"]):
            with self.subTest(args=args):
                r = subprocess.run([rig_binary("ddbsql_latency_proxy"), *args],
                                   capture_output=True, text=True, timeout=30)
                self.assertNotEqual(r.returncode, 0)
                self.assertEqual(r.stdout, "")
                self.assertTrue(r.stderr.strip(), r)


if __name__ == "__main__":
    cli_support.main()
