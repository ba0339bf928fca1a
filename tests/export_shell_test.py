#!/usr/bin/env python3
"""`.export` and `.exports` against moto's DynamoDB API (its server also
answers DynamoDB): an export needs point-in-time recovery (a clear error
without it), starts with ExportTableToPointInTime, is followed with
DescribeExport and listed with ListExports; a read-only session refuses it.
moto's own export writes one data file and no manifests, and its
DescribeExport names no ExportManifest: binding it is then an error saying
so (the reading of real layouts is export_read_test.py's).
"""

import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402


class ExportShellTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = cli_support.require_s3(cls)
        import boto3

        cls.key_id = cli_support.new_key_id("exportsh")
        cls.secret = cli_support.new_secret()
        kw = dict(endpoint_url=cls.moto, region_name=cli_support.REGION,
                  aws_access_key_id=cls.key_id, aws_secret_access_key=cls.secret)
        cls.ddb = boto3.client("dynamodb", **kw)
        cls.s3 = boto3.client("s3", **kw)
        cls.bucket = "exportsh-" + uuid.uuid4().hex[:12]
        cls.s3.create_bucket(Bucket=cls.bucket)
        cls.table = "sh_" + uuid.uuid4().hex[:8]
        cli_support.create_table(cls.ddb, cls.table)
        for i in range(5):
            cls.ddb.put_item(TableName=cls.table, Item={"id": {"S": f"k{i}"}, "n": {"N": str(i)}})

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL=self.moto)

    def run_script(self, script, *args):
        return self.run_cli(list(args), self.env(), input=script)

    def test_export_lifecycle(self):
        # Without point-in-time recovery: refused, saying how to turn it on.
        r = self.run_script(f".export {self.table} s3://{self.bucket}/snaps\n")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn(f"table {self.table}: an export needs point-in-time recovery", r.stderr)
        self.assertIn("PointInTimeRecoveryEnabled=true", r.stderr)
        self.ddb.update_continuous_backups(
            TableName=self.table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
        r = self.run_script(f".export {self.table} s3://{self.bucket}/snaps AS snap\n")
        self.assertIn("export arn:aws:dynamodb:", r.stdout)
        self.assertIn(" started", r.stdout)
        arn = r.stdout.split()[1]
        # moto's export completes but names no manifest: binding says so.
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn(f"export {arn} is finished but DescribeExport names no ExportManifest", r.stderr)
        described = self.ddb.describe_export(ExportArn=arn)["ExportDescription"]
        self.assertEqual(described["ExportStatus"], "COMPLETED")
        self.assertEqual(described["ItemCount"], 5)
        # .exports lists it; .export attach follows it the same way.
        r = self.run_script(f".exports {self.table}\n")
        self.assert_ok(r)
        self.assertIn(f"{arn}  COMPLETED  FULL_EXPORT", r.stdout)
        r = self.run_script(f".export attach {arn}\n")
        self.assertIn(f"export {arn} is finished but DescribeExport names no ExportManifest", r.stderr)

    def test_read_only_and_bad_arguments_send_nothing(self):
        r = self.run_script(f".export {self.table} s3://{self.bucket}/x\n", "--readonly")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("read-only session (--readonly): .export writes to S3", r.stderr)
        for line, needle in ((f".export {self.table}", "usage: .export TABLE"),
                             (f".export {self.table} /tmp/x", "usage: .export TABLE"),
                             (f".export {self.table} s3://b/p --format csv",
                              "--format json or ion, not csv"),
                             (f".export {self.table} s3://b/p --incremental-since yesterday",
                              "--incremental-since yesterday: not a time"),
                             (".exports", "usage: .exports TABLE")):
            r = self.run_script(line + "\n")
            self.assertNotEqual(r.returncode, 0, r)
            self.assertIn(needle, r.stderr)
        r = self.run_script(".help export\n")
        self.assertIn(".export TABLE s3://BUCKET/PREFIX ?--format ion? ?--incremental-since TIME?",
                      r.stdout)


if __name__ == "__main__":
    cli_support.main()
