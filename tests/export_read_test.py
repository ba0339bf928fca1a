#!/usr/bin/env python3
"""A table's S3 export read with the same SQL (dynamodb_export).

A table in DynamoDB Local is written with boto3, then its items are laid out
in moto's S3 the way ExportTableToPointInTime lays them out
(tests/export_layout.py: manifests with real MD5s, gzip'd DYNAMODB_JSON data
files, one of them empty). ddbsql reads the export and the live table: the
same count and sum, the same rows in every column and the hidden `item`;
keys from DescribeTable or from keys=; codec columns decoded as for the
live table; `.stats`' export line. A file whose bytes differ from its MD5, a
missing file, a wrong itemCount and a line that is no item each fail naming
the file.
"""

import csv
import gzip
import io
import json
import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402
import export_layout as layout  # noqa: E402
import pynamodb_mate_writer as writer  # noqa: E402

ITEMS = 300
FILES = 5


class ExportReadTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.s3_url = cli_support.require_s3(cls)
        cls.key_id = cli_support.new_key_id("export")
        cls.secret = cli_support.new_secret()
        cls.bucket = "export-" + uuid.uuid4().hex[:12]
        cls.table = "orders"
        cls.ddb, cls.s3 = writer.clients(cls.url, cls.s3_url, cls.key_id, cls.secret,
                                         cli_support.REGION)
        writer.ensure_bucket(cls.s3, cls.bucket)
        cli_support.create_table(cls.ddb, cls.table, key="id", range_key=("sk", "N"))
        cls.ddb.get_waiter("table_exists").wait(TableName=cls.table)
        # ddbsql's AEAD binds the item's key: decoding it from the export
        # needs the key attributes right.
        cls.gcm_key = os.urandom(32).hex()
        cli_support.SECRETS.add(cls.gcm_key)
        items = []
        for i in range(ITEMS):
            pk = f"c{i % 37:02d}"
            item = {"id": {"S": pk}, "sk": {"N": str(i)}, "n": {"N": str(i * 3 - 100)},
                    "name": {"S": f"name {i} é"}, "price": {"N": f"{i}.25"},
                    "flag": {"BOOL": i % 2 == 0}, "tags": {"SS": [f"t{i % 3}", "x"]},
                    "doc": {"M": {"a": {"N": str(i)}, "b": {"L": [{"S": "q"}, {"NULL": True}]}}},
                    "raw": {"B": bytes([i % 256, 0, 255])},
                    "body": {"B": writer.gzip_bytes(f"body of {i}".encode())},
                    "secret": {"B": writer.ddbsql_gcm_encrypt(
                        cls.gcm_key, cls.table, "secret",
                        [("id", "S", pk.encode()), ("sk", "N", str(i).encode())],
                        f"secret {i}".encode())}}
            if i % 10 == 0:
                item["rare"] = {"S": "r"}
            items.append(item)
        writer.batch_put(cls.ddb, cls.table, items)
        cls.items = items
        lines = [layout.json_line(it) for it in items]
        files = layout.split(lines, FILES - 1) + [[]]  # an empty partition's file
        cls.arn = layout.table_arn(cls.table)
        cls.export = layout.write_export(cls.s3, cls.bucket, "exports/daily", cls.arn, files)
        ion_lines = [layout.ion_line(it, first=i < FILES - 1) for i, it in
                     enumerate(items)]
        cls.ion_export = layout.write_export(cls.s3, cls.bucket, "exports/ion", cls.arn,
                                             layout.split(ion_lines, FILES - 1),
                                             output_format="ION", extension="ion.gz",
                                             checksum="checksum")
        cls.catalog_doc = {"tables": {cls.table: {"columns": {
            "body": {"chain": ["gzip"], "as": "text"},
            "secret": {"chain": [{"aead": "aes-256-gcm", "key": "env:GCM_KEY"}], "as": "text"}}}}}
        cls.files = files

    def setUp(self):
        super().setUp()
        self.catalog = os.path.join(self.home, "catalog.json")
        with open(self.catalog, "w") as f:
            json.dump(self.catalog_doc, f)

    def env(self, **extra):
        values = dict(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                      AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url,
                      AWS_ENDPOINT_URL_S3=self.s3_url, GCM_KEY=self.gcm_key)
        values.update(extra)
        return self.base_env(**values)

    def ddbsql(self, script, *args, env=None):
        return self.run_cli(["-csv", "--catalog", self.catalog] + list(args), env or self.env(),
                            input=script)

    def rows(self, script, *args, env=None):
        r = self.ddbsql(script, *args, env=env)
        self.assert_ok(r)
        return list(csv.reader(io.StringIO(r.stdout)))

    def bind(self, uri=None, name="snap", extra=""):
        return (f"CREATE VIRTUAL TABLE temp.{name} USING dynamodb_export("
                f"'{uri or self.export['uri']}'{extra});\n")

    def write_broken(self, files, **kw):
        return layout.write_export(self.s3, self.bucket, "broken", self.arn, files, **kw)

    def test_count_and_sum_equal_the_table(self):
        live = self.rows(f"SELECT count(*), sum(n), total(price) FROM {self.table};")
        snap = self.rows(self.bind() + "SELECT count(*), sum(n), total(price) FROM snap;")
        self.assertEqual(snap, live)
        self.assertEqual(snap[0][0], str(ITEMS))

    def test_table_function_count_and_sum_equal_the_table(self):
        live = self.rows(f"SELECT count(*), sum(n), total(price) FROM {self.table};")
        for export in (self.export, self.ion_export):
            fn = self.rows("SELECT count(*), sum(json_extract(item, '$.n')), "
                           "total(json_extract(item, '$.price')) "
                           f"FROM dynamodb_export('{export['uri']}');")
            self.assertEqual(fn, live)
        self.assertEqual(live[0][0], str(ITEMS))

    def test_table_function_gives_the_item_and_its_arguments(self):
        uri = self.export["uri"]
        snap = self.rows(self.bind() + "SELECT item FROM snap ORDER BY id, sk;")
        fn = self.rows(".headers on\nSELECT * FROM dynamodb_export('{0}') ORDER BY "
                       "json_extract(item, '$.id'), json_extract(item, '$.sk');".format(uri))
        self.assertEqual(fn[0], ["item"])  # the arguments are hidden
        self.assertEqual(fn[1:], snap)
        self.assertEqual(len(snap), ITEMS)
        # The hidden columns give the arguments; the argument may be a column.
        r = self.rows(f"SELECT DISTINCT e.export, e.incremental1 IS NULL FROM "
                      f"(SELECT '{uri}' AS u) AS x, dynamodb_export(x.u) AS e;")
        self.assertEqual(r, [[uri, "1"]])
        # A join scans it again: the same items each time.
        r = self.rows(f"SELECT count(*) FROM (VALUES (1), (2)) AS v, dynamodb_export('{uri}');")
        self.assertEqual(r, [[str(2 * ITEMS)]])

    def test_table_function_errors_as_create(self):
        broken = self.write_broken(self.files)
        key = broken["files"][2]
        body = gzip.compress(("".join(line + "\n" for line in self.files[2][:-1])).encode())
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        cases = (
            (f"SELECT count(*) FROM dynamodb_export('{broken['uri']}');",
             f"s3://{self.bucket}/{key}: MD5 does not match"),
            ("SELECT count(*) FROM dynamodb_export('/tmp/x');", "not an s3:// URI"),
            (f"SELECT count(*) FROM dynamodb_export('s3://{self.bucket}/nothing/AWSDynamoDB/x');",
             f"export s3://{self.bucket}/nothing/AWSDynamoDB/x: no manifest-summary.json"),
            ("SELECT count(*) FROM dynamodb_export;", "dynamodb_export(): no export given"),
            ("SELECT count(*) FROM dynamodb_export(NULL);", "the export is NULL"),
            (f"SELECT count(*) FROM dynamodb_export('{self.export['uri']}', "
             f"'{self.export['uri']}');", "is a full export: only the first may be"),
            (f"DELETE FROM dynamodb_export WHERE export = '{self.export['uri']}';",
             "may not be modified"),
        )
        for sql, message in cases:
            r = self.ddbsql(sql)
            self.assertNotEqual(r.returncode, 0, (sql, r))
            self.assertIn(message, r.stderr, sql)
            self.assertNotIn(str(ITEMS), r.stdout, sql)
        # CREATE VIRTUAL TABLE with no argument is still an error, not a function.
        r = self.ddbsql("CREATE VIRTUAL TABLE temp.s USING dynamodb_export;")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("dynamodb_export(s): no export given", r.stderr)

    def test_item_encryption_table_refused_by_both_forms(self):
        # Its items are ciphertexts in the export: neither form shows them as values.
        doc = {"tables": {self.table: {"item_encryption": {
            "scheme": "aws-dynamodb-encryption-client",
            "materials": {"provider": "static", "encryption_key": "env:GCM_KEY",
                          "signing_key": "env:GCM_KEY"},
            "actions": {"default": "encrypt"}}}}}
        with open(self.catalog, "w") as f:
            json.dump(doc, f)
        for sql in (self.bind() + "SELECT count(*) FROM snap;",
                    f"SELECT count(*) FROM dynamodb_export('{self.export['uri']}');"):
            r = self.ddbsql(sql)
            self.assertNotEqual(r.returncode, 0, (sql, r))
            self.assertIn(f"table {self.table}: item_encryption tables cannot be read from an "
                          "export yet", r.stderr, sql)
            self.assertNotIn(str(ITEMS), r.stdout, sql)

    def test_every_column_and_the_item_equal_the_table(self):
        # sample=1000: both see every attribute (the rare one too).
        order = "ORDER BY id, sk"
        live = self.rows(f"CREATE VIRTUAL TABLE temp.live USING dynamodb(table='{self.table}', "
                         "sample=1000);\n.headers on\n"
                         f"SELECT *, item FROM live {order};")
        snap = self.rows(self.bind(extra=", sample=1000") + ".headers on\n"
                         f"SELECT *, item FROM snap {order};")
        self.assertEqual(snap[0], live[0])
        self.assertEqual(snap[0][:2], ["id", "sk"])  # keys first (DescribeTable)
        self.assertIn("rare", snap[0])
        self.assertEqual(len(snap), ITEMS + 1)
        self.assertEqual(snap, live)
        row = dict(zip(snap[0], snap[1]))
        self.assertEqual(row["body"], f"body of {row['sk']}")
        self.assertEqual(row["secret"], f"secret {row['sk']}")

    def test_ion_export_reads_as_the_json_one(self):
        query = ".headers on\nSELECT *, item FROM snap ORDER BY id, sk;"
        json_rows = self.rows(self.bind(extra=", sample=1000") + query)
        ion_rows = self.rows(self.bind(self.ion_export["uri"], extra=", sample=1000") + query)
        self.assertEqual(len(ion_rows), ITEMS + 1)
        self.assertEqual(ion_rows, json_rows)

    def test_athena_ddl_maps_the_data_folder_and_the_columns(self):
        r = self.ddbsql(self.bind(extra=", sample=1000") + ".export ddl athena snap\n")
        self.assertEqual(r.returncode, 0, r)
        ddl = r.stdout
        folder = self.export["uri"] + "/data/"
        self.assertIn(f"LOCATION '{folder}';", ddl)
        self.assertIn("CREATE EXTERNAL TABLE IF NOT EXISTS `snap_raw` (\n  Item struct<\n", ddl)
        for line in ("`id`: struct<S:string>", "`sk`: struct<N:string>",
                     "`flag`: struct<BOOL:boolean>", "`tags`: struct<SS:array<string>>",
                     "`doc`: string", "`raw`: struct<B:string>",
                     'Item."id".S AS "id"', 'TRY_CAST(Item."n".N AS DOUBLE) AS "n"',
                     'from_base64(Item."raw".B) AS "raw"',
                     "-- codec column (aes-256-gcm): its stored form, not decoded\n"
                     '  from_base64(Item."secret".B) AS "secret"',
                     'CREATE OR REPLACE VIEW "snap" AS', 'FROM "snap_raw";'):
            self.assertIn(line, ddl)
        self.assertNotIn("item", ddl.split("SELECT", 1)[1].split("FROM")[0].replace("Item.", ""))
        r = self.ddbsql(self.bind(self.ion_export["uri"]) + ".export ddl athena snap\n")
        self.assertIn("Athena DDL is written for DYNAMODB_JSON exports only", r.stderr)
        r = self.ddbsql(".export ddl athena nothing\n")
        self.assertIn("no export bound as nothing", r.stderr)

    def test_declared_types_equal_the_table(self):
        live = self.rows(f"CREATE VIRTUAL TABLE temp.live USING dynamodb(table='{self.table}', "
                         "sample=1000);\nSELECT name, type, hidden FROM pragma_table_xinfo('live');")
        snap = self.rows(self.bind(extra=", sample=1000") +
                         "SELECT name, type, hidden FROM pragma_table_xinfo('snap');")
        self.assertEqual(snap, live)

    def test_keys_from_the_argument_when_the_table_is_unknown(self):
        export = layout.write_export(self.s3, self.bucket, "elsewhere",
                                     layout.table_arn("gone_table"), self.files)
        r = self.rows(self.bind(export["uri"], extra=", table='orders', keys='id,sk'") +
                      ".headers on\nSELECT id, sk, secret FROM snap WHERE sk = 7;")
        self.assertEqual(r, [["id", "sk", "secret"], ["c07", "7", "secret 7"]])
        # Without keys= the gone table gives none: columns in name order.
        r = self.rows(self.bind(export["uri"]) +
                      "SELECT name FROM pragma_table_info('snap') LIMIT 3;")
        self.assertEqual(r, [["body"], ["doc"], ["flag"]])

    def test_stats_show_files_bytes_items(self):
        r = self.ddbsql(self.bind() + ".stats on\nSELECT count(*) FROM snap;")
        self.assertEqual(r.returncode, 0, r)
        size = sum(self.s3.head_object(Bucket=self.bucket, Key=k)["ContentLength"]
                   for k in self.export["files"])
        self.assertIn(f"export: {FILES} files, {size} bytes, {ITEMS} items", r.stderr)

    def test_wrong_md5_fails_naming_the_file(self):
        broken = self.write_broken(self.files)
        key = broken["files"][2]
        body = gzip.compress(("".join(line + "\n" for line in self.files[2][:-1])).encode())
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        r = self.ddbsql(self.bind(broken["uri"]) + "SELECT count(*) FROM snap;")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn(f"s3://{self.bucket}/{key}: MD5 does not match", r.stderr)
        self.assertNotIn(str(ITEMS), r.stdout)

    def test_changed_manifest_fails_naming_it_and_its_checksum(self):
        # Changes that parse and add up: only the checksum files can tell.
        for name, checksum in (("manifest-files", "md5"), ("manifest-summary", "checksum")):
            broken = self.write_broken(self.files, checksum=checksum)
            key = broken["folder"] + name + ".json"
            text = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode()
            changed = text.replace('"etag": "', '"etag": "0', 1).replace(
                '"exportTime": "2026', '"exportTime": "2025', 1)
            self.assertNotEqual(changed, text)
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=changed.encode())
            r = self.ddbsql(self.bind(broken["uri"]) + "SELECT count(*) FROM snap;")
            self.assertNotEqual(r.returncode, 0, r)
            self.assertIn(f"s3://{self.bucket}/{key}: MD5 does not match "
                          f"s3://{self.bucket}/{broken['folder']}{name}.{checksum}", r.stderr)
            self.assertEqual(r.stdout, "")
        # A .md5 that holds no MD5 is refused too.
        broken = self.write_broken(self.files)
        key = broken["folder"] + "manifest-summary.md5"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"not a checksum")
        r = self.ddbsql(self.bind(broken["uri"]) + "SELECT count(*) FROM snap;")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn(f"s3://{self.bucket}/{key}: not an MD5", r.stderr)

    def test_manifests_without_checksum_files_read(self):
        export = self.write_broken(self.files, checksum=None)
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=export["folder"])
        self.assertFalse([o["Key"] for o in listed["Contents"]
                          if o["Key"].endswith((".md5", ".checksum"))])
        self.assertEqual(self.rows(self.bind(export["uri"]) + "SELECT count(*) FROM snap;"),
                         [[str(ITEMS)]])

    def test_missing_file_fails_naming_it(self):
        broken = self.write_broken(self.files)
        key = broken["files"][1]
        self.s3.delete_object(Bucket=self.bucket, Key=key)
        r = self.ddbsql(self.bind(broken["uri"], extra=", sample=0") + "SELECT count(*) FROM snap;")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn(f"s3://{self.bucket}/{key}: data file missing", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_wrong_item_count_fails_naming_the_file(self):
        counts = [len(f) for f in self.files]
        counts[0] += 1
        broken = self.write_broken(self.files, counts=counts)
        r = self.ddbsql(self.bind(broken["uri"]) + "SELECT count(*) FROM snap;")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn(f"s3://{self.bucket}/{broken['files'][0]}: {counts[0] - 1} items, "
                      f"but manifest-files.json says {counts[0]}", r.stderr)

    def test_a_line_that_is_no_item_fails_naming_file_and_line(self):
        files = [list(f) for f in self.files]
        files[3][4] = '{"Item": {"id": {"S": "a"}, "n": {"N": "x1"}}}'
        broken = self.write_broken(files)
        r = self.ddbsql(self.bind(broken["uri"], extra=", sample=0") + "SELECT count(*) FROM snap;")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn(f"s3://{self.bucket}/{broken['files'][3]} line 5:", r.stderr)

    def test_bad_arguments_and_places(self):
        r = self.ddbsql("CREATE VIRTUAL TABLE temp.s USING dynamodb_export('/tmp/x');")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("not an s3:// URI", r.stderr)
        r = self.ddbsql(self.bind(f"s3://{self.bucket}/nothing/AWSDynamoDB/x"))
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn(f"export s3://{self.bucket}/nothing/AWSDynamoDB/x: no manifest-summary.json",
                      r.stderr)
        r = self.ddbsql(self.bind(extra=", segments=3"))
        self.assertIn("unknown argument 'segments=3'", r.stderr)
        r = self.ddbsql(self.bind() + "DELETE FROM snap;")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("may not be modified", r.stderr)



class ExportIncrementalTest(cli_support.CliTestCase):
    """A full export and two incremental ones read as the table after the
    changes: the newest WriteTimestampMicros per key wins, whatever the
    order of the lines; a change without NewImage deletes."""

    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.s3_url = cli_support.require_s3(cls)
        cls.key_id = cli_support.new_key_id("exportinc")
        cls.secret = cli_support.new_secret()
        cls.bucket = "export-inc-" + uuid.uuid4().hex[:12]
        cls.table = "inc"
        cls.ddb, cls.s3 = writer.clients(cls.url, cls.s3_url, cls.key_id, cls.secret,
                                         cli_support.REGION)
        writer.ensure_bucket(cls.s3, cls.bucket)
        cli_support.create_table(cls.ddb, cls.table, key="id", key_type="N")
        cls.ddb.get_waiter("table_exists").wait(TableName=cls.table)

        def item(i, n, extra=None):
            it = {"id": {"N": str(i)}, "n": {"N": str(n)}, "name": {"S": f"item {i}"}}
            if extra:
                it["extra"] = extra
            return it

        first = [item(i, i) for i in range(120)]
        writer.batch_put(cls.ddb, cls.table, first)
        arn = layout.table_arn(cls.table)
        cls.full = layout.write_export(cls.s3, cls.bucket, "inc", arn,
                                       layout.split([layout.json_line(x) for x in first], 3))
        t = 1_700_000_000_000_000
        # (micros, key, new image or None) in the order the lines are written.
        incr1 = [(t + i, i, item(i, i + 1000)) for i in range(20)]
        incr1 += [(t + 100 + i, i, None) for i in range(20, 30)]
        incr1 += [(t + 200 + i, i, item(i, i, extra={"S": "new"})) for i in range(200, 210)]
        # Two changes of key 50, the newer written first: the newer wins.
        incr1 += [(t + 500, 50, item(50, -50)), (t + 400, 50, item(50, 4000))]
        incr2 = [(t + 1000 + i, i, item(i, -1)) for i in range(10)]
        incr2 += [(t + 1100 + i, i, None) for i in range(200, 205)]
        incr2 += [(t + 1200, 25, item(25, 2525, extra={"L": [{"S": "back"}]}))]
        incr2 += [(t + 1300, 777, None)]  # a key never seen: deleting it changes nothing
        final = {}
        for micros, key, new in sorted(incr1 + incr2, key=lambda c: c[0]):
            final[key] = new
        for key, new in final.items():
            if new is None:
                cls.ddb.delete_item(TableName=cls.table, Key={"id": {"N": str(key)}})
            else:
                cls.ddb.put_item(TableName=cls.table, Item=new)

        def json_lines(changes):
            return [layout.incremental_json_line(m, {"id": {"N": str(k)}}, new)
                    for m, k, new in changes]

        cls.incr1 = layout.write_export(cls.s3, cls.bucket, "inc", arn,
                                        layout.split(json_lines(incr1), 2),
                                        export_type="INCREMENTAL_EXPORT")
        ion = [layout.incremental_ion_line(m, {"id": {"N": str(k)}}, new) for m, k, new in incr2]
        cls.incr2 = layout.write_export(cls.s3, cls.bucket, "inc", arn, layout.split(ion, 2),
                                        export_type="INCREMENTAL_EXPORT", output_format="ION",
                                        extension="ion.gz")

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url,
                             AWS_ENDPOINT_URL_S3=self.s3_url)

    def rows(self, script):
        r = self.run_cli(["-csv"], self.env(), input=script)
        self.assert_ok(r)
        return list(csv.reader(io.StringIO(r.stdout)))

    def test_merge_equals_the_table_after_the_changes(self):
        query = "SELECT id, n, name, item FROM {} ORDER BY id;"
        live = self.rows(query.format(self.table))
        for args in (f"'{self.full['uri']}', '{self.incr1['uri']}', '{self.incr2['uri']}'",
                     f"'{self.full['uri']}', incremental='{self.incr2['uri']}', "
                     f"incremental='{self.incr1['uri']}'"):
            snap = self.rows(f"CREATE VIRTUAL TABLE temp.snap USING dynamodb_export({args});\n" +
                             query.format("snap"))
            self.assertEqual(snap, live)
        self.assertEqual(len(live), 120 - 9 + 5)  # 25 deleted, then back
        self.assertIn(["50", "-50", "item 50"], [r[:3] for r in live])

    def test_merge_through_the_table_function(self):
        live = self.rows(f"SELECT id, n, name, item FROM {self.table} ORDER BY id;")
        # Up to eight incremental exports (the same one twice changes nothing).
        for uris in ((self.full, self.incr1, self.incr2), (self.full, self.incr2, self.incr1),
                     (self.full,) + (self.incr1, self.incr2) * 4):
            args = ", ".join(f"'{u['uri']}'" for u in uris)
            fn = self.rows("SELECT json_extract(item, '$.id'), json_extract(item, '$.n'), "
                           f"json_extract(item, '$.name'), item FROM dynamodb_export({args}) "
                           "ORDER BY 1;")
            self.assertEqual(fn, live)
        self.assertEqual(len(live), 120 - 9 + 5)
        r = self.run_cli(["-csv"], self.env(), input=(
            f"SELECT count(*) FROM dynamodb_export('{self.incr1['uri']}');"))
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("is an incremental export: give the full export first", r.stderr)

    def test_keys_from_the_changes_without_the_table(self):
        r = self.rows(f"CREATE VIRTUAL TABLE temp.snap USING dynamodb_export('{self.full['uri']}', "
                      f"'{self.incr1['uri']}', table='not_here');\n"
                      "SELECT name FROM pragma_table_info('snap') LIMIT 1;\n"
                      "SELECT count(*) FROM snap;")
        self.assertEqual(r, [["id"], [str(120 - 10 + 10)]])

    def test_incremental_alone_or_first_is_refused(self):
        r = self.run_cli(["-csv"], self.env(), input=(
            f"CREATE VIRTUAL TABLE temp.snap USING dynamodb_export('{self.incr1['uri']}');"))
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("is an incremental export: give the full export first", r.stderr)
        r = self.run_cli(["-csv"], self.env(), input=(
            f"CREATE VIRTUAL TABLE temp.snap USING dynamodb_export('{self.full['uri']}', "
            f"'{self.full['uri']}');"))
        self.assertIn("is a full export: only the first may be", r.stderr)


if __name__ == "__main__":
    cli_support.main()
