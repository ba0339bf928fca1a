#!/usr/bin/env python3
"""Tables of the AWS DynamoDB Encryption Client under the aws-kms ("direct
KMS") provider and the most-recent provider with a KMS- or wrapped-protected
MetaStore, end to end through moto's server (issue 16): a KMS key is
created in moto (DDBSQL_TEST_S3_URL serves every moto API), items are written
into a table on the same server by a small writer in this file, made only
from the format (`cryptography` and boto3's KMS GenerateDataKey with the
encryption context the client builds; none of ddbsql's code), and read back
through ddbsql with a catalog `aws-kms` provider, equal to what was written,
attribute by attribute.

ddbsql's KMS traffic goes through tests/fault_proxy.py (AWS_ENDPOINT_URL_KMS
points at it; moto keeps no call log): the test counts one KMS Decrypt per
distinct data key for the whole session, however often the items are read.

Writes by ddbsql (INSERT, UPDATE, a key change, DELETE) are decrypted and
verified by tests/ddb_item_encryption_reader.py (the format, not ddbsql's
code): under aws-kms one GenerateDataKey per item written, as the client's
direct KMS provider does; under most-recent (its MetaStore in DynamoDB Local)
KMS sees only the MetaStore's version, never an item.
"""

import base64
import hashlib
import hmac
import json
import os
import uuid
from decimal import Decimal

import cli_support

reader = cli_support.load_test_module("ddb_item_encryption_reader",
                                      "ddb_item_encryption_reader.py")
to_boto, from_boto = reader.to_boto, reader.from_boto

DESC = "*amzn-ddb-map-desc*"
SIG = "*amzn-ddb-map-sig*"
ENC_ALG = "AES/256"
SIG_ALG = "HmacSHA256/256"
HASH, RANGE = "pk", "sk"
# The catalog's actions: everything encrypted but these.
ACTIONS = {"default": "encrypt", "attributes": {"version": "sign", "note": "nothing"}}


# ---- a writer from the format --------------------------------------------

def _canonical_number(text):
    d = Decimal(text)
    return "0" if d == 0 else "{0:f}".format(d.normalize())


def kms_context(item, table):
    """The encryption context the client gives KMS: the algorithms, the key
    attributes' values (S as is, N canonical) and the table."""
    ec = {"*amzn-ddb-env-alg*": ENC_ALG, "*amzn-ddb-sig-alg*": SIG_ALG, "*aws-kms-table*": table}
    for name in (HASH, RANGE):
        (t, v), = item[name].items()
        ec[name] = _canonical_number(v) if t == "N" else v
    return ec


def hkdf_sha256(ikm, info, length=32):
    """RFC 5869 with an empty salt (as the client derives its keys)."""
    prk = hmac.new(b"\x00" * 32, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def encrypt_item(plain, table, kms, key_arn):
    """The stored form of `plain` (wire JSON) under a fresh KMS data key."""
    key = kms.generate_data_key(KeyId=key_arn, NumberOfBytes=32,
                                EncryptionContext=kms_context(plain, table))
    actions = reader.Actions(ACTIONS["default"], ACTIONS["attributes"], (HASH, RANGE))
    return reader.encrypt_item(plain, table, actions, hkdf_sha256(key["Plaintext"], b"Encryption"),
                               hkdf_sha256(key["Plaintext"], b"Signing"), {
                                   "amzn-ddb-env-alg": ENC_ALG,
                                   "amzn-ddb-env-key":
                                       base64.b64encode(key["CiphertextBlob"]).decode(),
                                   "amzn-ddb-map-signingAlg": "HmacSHA256",
                                   "amzn-ddb-sig-alg": SIG_ALG,
                                   "amzn-ddb-wrap-alg": "kms",
                                   "aws-kms-ec-attr": "*keys*",
                               })


def plain(value):
    """A DynamoDB value as the `item` column's JSON shows it."""
    (t, v), = value.items()
    if t == "S" or t == "BOOL" or t == "B":
        return v
    if t == "N":
        return Decimal(v)
    if t == "SS":
        return sorted(v)
    if t == "M":
        return {k: plain(x) for k, x in v.items()}
    raise AssertionError(t)


def loads(text):
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def plain_items(count):
    items = []
    for i in range(count):
        items.append({
            HASH: {"S": "order#%d" % i},
            RANGE: {"N": str(10 + i)},
            "customer": {"S": "customer %d, Ümlaut ✓" % i},
            "amount": {"N": "%d.25" % (100 * i + 3)},
            "photo": {"B": base64.b64encode(bytes(range(i, i + 40))).decode()},
            "tags": {"SS": ["red", "tag%d" % i]},
            "paid": {"BOOL": i % 2 == 0},
            "address": {"M": {"city": {"S": "Lyon"}, "zip": {"N": str(69000 + i)}}},
            "version": {"N": str(i)},
            "note": {"S": "left alone %d" % i},
        })
    return items


def connect(cls, ddb_url, kms_url, label):
    """A test class's credentials, its DynamoDB client (`ddb_url`), moto's
    KMS (`kms_url`) and a key created there."""
    import boto3

    cls.key_id = cli_support.new_key_id(label)
    cls.secret = cli_support.new_secret()
    cls.ddb = cli_support.boto_client(ddb_url, cls.key_id, cls.secret)
    cls.kms = boto3.client("kms", endpoint_url=kms_url, region_name=cli_support.REGION,
                           aws_access_key_id=cls.key_id, aws_secret_access_key=cls.secret)
    cls.key_arn = cls.kms.create_key(Description="ddbsql " + label)["KeyMetadata"]["Arn"]


class ItemEncryptionKmsTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_s3()
        connect(cls, cls.url, cls.url, "itemkms")

    def setUp(self):
        super().setUp()
        self.table = "kms_orders_" + uuid.uuid4().hex[:8]
        cli_support.create_table(self.ddb, self.table, key=HASH, key_type="S",
                                 range_key=(RANGE, "N"))
        self.addCleanup(self.ddb.delete_table, TableName=self.table)
        self.proxy = cli_support.FaultProxy(self.url)
        self.addCleanup(self.proxy.stop)

    def write(self, items):
        stored = [encrypt_item(i, self.table, self.kms, self.key_arn) for i in items]
        for s in stored:
            self.ddb.put_item(TableName=self.table, Item={k: to_boto(v) for k, v in s.items()})
        return stored

    def catalog(self, table, key_id):
        path = os.path.join(self.home, "catalog-" + uuid.uuid4().hex[:8] + ".json")
        doc = {"tables": {table: {"item_encryption": {
            "scheme": "aws-dynamodb-encryption-client",
            "materials": {"provider": "aws-kms", "key_id": key_id},
            "actions": ACTIONS}}}}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        return path

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url,
                             AWS_ENDPOINT_URL_KMS=self.proxy.url)

    def kms_calls(self, operation):
        return sum(1 for r in self.proxy.log()["requests"]
                   if r["target"] == "TrentService." + operation)

    def test_the_writer_is_the_format(self):
        # The writer's items decrypt with the reader written from the format
        # (its own KMS Decrypt straight to moto, not through the proxy).
        items = plain_items(2)
        stored = self.write(items)
        kms_decrypt = lambda blob, ec: self.kms.decrypt(  # noqa: E731
            CiphertextBlob=blob, EncryptionContext=ec)["Plaintext"]
        actions = reader.Actions(ACTIONS["default"], ACTIONS["attributes"], (HASH, RANGE))
        for s, p in zip(stored, items):
            self.assertEqual(reader.decrypt_item(s, self.table, actions,
                                                 reader.kms_materials(kms_decrypt),
                                                 (HASH, RANGE)), p)

    def test_items_read_back_with_one_kms_decrypt_per_data_key(self):
        items = plain_items(5)
        self.write(items)
        catalog = self.catalog(self.table, self.key_arn)
        select = f'SELECT "{HASH}", "customer", typeof("photo"), hex("photo"), "amount", ' \
                 f'"paid", item FROM "{self.table}" ORDER BY "{HASH}"'
        # One session reads every item three times (a scan twice, then a key
        # lookup each): each data key is still asked of KMS once.
        argv = ["--catalog", catalog, "-json", "-c", select, "-c", select]
        for i in range(len(items)):
            argv += ["-c", f'SELECT "customer" FROM "{self.table}" '
                           f'WHERE "{HASH}" = \'order#{i}\' AND "{RANGE}" = {10 + i}']
        r = self.run_cli(argv, self.env())
        self.assert_ok(r)
        self.assertNotIn("amzn-ddb", r.stdout)
        # -json prints one array per statement.
        decoder, text, outputs = json.JSONDecoder(), r.stdout.strip(), []
        while text:
            value, end = decoder.raw_decode(text)
            outputs.append(value)
            text = text[end:].strip()
        self.assertEqual(len(outputs), 2 + len(items), r)
        self.assertEqual(outputs[0], outputs[1])
        expected = sorted(items, key=lambda i: i[HASH]["S"])
        self.assertEqual(len(outputs[0]), len(expected))
        for row, want in zip(outputs[0], expected):
            where = want[HASH]["S"]
            self.assertEqual(row[HASH], want[HASH]["S"], where)
            self.assertEqual(row["customer"], want["customer"]["S"], where)
            self.assertEqual(row['typeof("photo")'], "blob", where)
            self.assertEqual(bytes.fromhex(row['hex("photo")']),
                             base64.b64decode(want["photo"]["B"]), where)
            self.assertEqual(Decimal(str(row["amount"])), Decimal(want["amount"]["N"]), where)
            self.assertEqual(row["paid"], int(want["paid"]["BOOL"]), where)
            item = loads(row["item"])
            self.assertEqual(sorted(item), sorted(want), where)
            for name, value in want.items():
                got = item[name]
                if isinstance(got, list):
                    got = sorted(got)
                self.assertEqual(got, plain(value), (where, name))
        for i, out in enumerate(outputs[2:]):
            self.assertEqual(out, [{"customer": items[i]["customer"]["S"]}])
        # Five items, five data keys: five Decrypts, whatever was read again.
        self.assertEqual(self.kms_calls("Decrypt"), len(items), self.proxy.log())
        self.assertEqual(self.kms_calls("GenerateDataKey"), 0)

    def test_another_tables_context_is_refused_by_kms(self):
        # The items of one table loaded under another name: the context KMS
        # checks names the table, so Decrypt fails and the error names the
        # table and the item's key.
        items = plain_items(1)
        stored = self.write(items)
        other = self.table + "_copy"
        cli_support.create_table(self.ddb, other, key=HASH, key_type="S", range_key=(RANGE, "N"))
        self.addCleanup(self.ddb.delete_table, TableName=other)
        self.ddb.put_item(TableName=other, Item={k: to_boto(v) for k, v in stored[0].items()})
        r = self.run_cli(["--catalog", self.catalog(other, self.key_arn), "-c",
                          f'SELECT count(*) FROM "{other}"'], self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f"table {other}, item", r.stderr)
        self.assertIn("order#0", r.stderr)
        self.assertEqual(self.kms_calls("Decrypt"), 1)

    def test_verify_warn_stops_on_a_kms_failure_and_skips_only_bad_items(self):
        # `.verify warn` skips only items the check judges bad. KMS failing
        # mid-session (refusing, failing, the connection reset) says nothing
        # about the items: the statement fails naming the table, the item
        # and KMS's error, prints no count and skips nothing.
        items = plain_items(4)
        self.write(items[:2])
        catalog = self.catalog(self.table, self.key_arn)
        count = f'SELECT count(*) FROM "{self.table}";\n'
        for fault, says in (("denied", "KMS Decrypt: AccessDeniedException"),
                            ("500", "KMS Decrypt: InternalServerError"),
                            ("reset", "KMS Decrypt")):
            with self.subTest(fault=fault):
                self.proxy.then("ok")

                def kms_fails(fault=fault):
                    # Two items more, each with a data key the session has
                    # not seen: its next scan needs KMS, which now fails.
                    self.write(items[2:])
                    self.proxy.then(fault)

                r = self.run_cli_interleaved(["--catalog", catalog], self.env(),
                                             ".verify warn\n.stats on\n" + count, kms_fails,
                                             count)
                for item in items[2:]:
                    self.ddb.delete_item(TableName=self.table,
                                         Key={HASH: item[HASH], RANGE: item[RANGE]})
                self.assertNotEqual(r.returncode, 0, r)
                # The first count, before KMS failed; none after it.
                self.assertEqual(r.stdout.split(), ["2"], r)
                self.assertIn(f'table {self.table}, item {{"pk":"order#', r.stderr)
                self.assertIn(says, r.stderr)
                self.assertNotIn("skipped (.verify warn)", r.stderr)
                self.assertNotRegex(r.stderr, r", [1-9][0-9]* skipped")
        # A tampered item is still the check's verdict: skipped and counted.
        self.proxy.then("ok")
        stored = self.write(items[2:])
        bad = dict(stored[0])
        bad["version"] = {"N": "99"}  # signed, not encrypted
        self.ddb.put_item(TableName=self.table, Item={k: to_boto(v) for k, v in bad.items()})
        r = self.run_cli(["--catalog", catalog, "-c", ".verify warn", "-c", ".stats on", "-c",
                          count], self.env())
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout.split(), ["3"], r)
        self.assertIn(f'skipped (.verify warn): table {self.table}, item {{"pk":"order#2"',
                      r.stderr)
        self.assertIn("signature does not verify", r.stderr)
        self.assertIn("item_encryption: 3 items verified and decrypted, 1 skipped", r.stderr)

    # ---- writes: INSERT, UPDATE (a key change too), DELETE by ddbsql ----

    def kms_decrypt(self, blob, ec):
        """KMS Decrypt straight to moto (not through the proxy)."""
        return self.kms.decrypt(CiphertextBlob=blob, EncryptionContext=ec)["Plaintext"]

    def stored_items(self, table):
        return {(i[HASH]["S"], int(i[RANGE]["N"])): from_boto(i) for i in
                self.ddb.scan(TableName=table, ConsistentRead=True)["Items"]}

    def test_writes_decrypt_with_the_reader_and_one_data_key_per_item_written(self):
        catalog = self.catalog(self.table, self.key_arn)
        actions = reader.Actions(ACTIONS["default"], ACTIONS["attributes"], (HASH, RANGE))

        def run(*statements):
            before = {op: self.kms_calls(op) for op in ("GenerateDataKey", "Decrypt")}
            argv = ["--catalog", catalog, "-bail", "-csv"]
            for sql in statements:
                argv += ["-c", sql]
            r = self.run_cli(argv, self.env())
            self.assert_ok(r)
            return r, {op: self.kms_calls(op) - n for op, n in before.items()}

        def row(pk, sk, customer, amount):
            doc = {HASH: pk, RANGE: sk, "customer": customer, "amount": amount,
                   "version": 1, "note": "n-" + pk}
            return (f'INSERT INTO "{self.table}" ("{HASH}", "{RANGE}", item) '
                    f"VALUES ('{pk}', {sk}, '{json.dumps(doc)}')")

        # Three INSERTs: one data key each (the client's direct KMS provider
        # asks one for every item it encrypts: the context holds its key).
        _, calls = run(row("a", 1, "Ada", 10), row("b", 2, "Bo", 20), row("c", 3, "Cy", 30))
        self.assertEqual(calls, {"GenerateDataKey": 3, "Decrypt": 0})
        # An UPDATE, a key change and a DELETE: each item read is one Decrypt
        # (its data key, cached: the UPDATE's second read of it asks nothing),
        # each item written one GenerateDataKey.
        _, calls = run(f'UPDATE "{self.table}" SET amount = amount + 1, customer = \'Ada-L\' '
                       f"WHERE \"{HASH}\" = 'a'",
                       f'UPDATE "{self.table}" SET "{RANGE}" = 7 WHERE "{HASH}" = \'b\'',
                       f'DELETE FROM "{self.table}" WHERE "{HASH}" = \'c\'')
        self.assertEqual(calls, {"GenerateDataKey": 2, "Decrypt": 3})
        # The format's reader (its own KMS Decrypt, the context rebuilt from
        # each item's key) verifies and decrypts what ddbsql wrote.
        stored = self.stored_items(self.table)
        self.assertEqual(sorted(stored), [("a", 1), ("b", 7)])
        plain_items = {k: reader.decrypt_item(v, self.table, actions,
                                              reader.kms_materials(self.kms_decrypt), (HASH, RANGE))
                       for k, v in stored.items()}
        for k, v in stored.items():
            self.assertEqual(set(v["customer"]), {"B"}, k)  # encrypted
            self.assertEqual(v["note"], {"S": "n-" + k[0]}, k)  # left alone
        self.assertEqual(plain_items[("a", 1)]["customer"], {"S": "Ada-L"})
        self.assertEqual(Decimal(plain_items[("a", 1)]["amount"]["N"]), 11)
        self.assertEqual(plain_items[("b", 7)]["customer"], {"S": "Bo"})
        self.assertEqual(plain_items[("b", 7)][RANGE], {"N": "7"})
        # The moved item was encrypted for its new key: under the old one it
        # does not read (KMS refuses the context; the signature covers the
        # key as well).
        moved = dict(stored[("b", 7)])
        moved[RANGE] = {"N": "2"}
        with self.assertRaises(Exception):
            reader.decrypt_item(moved, self.table, actions, reader.kms_materials(self.kms_decrypt),
                                (HASH, RANGE))
        # Read back through ddbsql: two data keys, two Decrypts.
        r, calls = run(f'SELECT "{HASH}", "{RANGE}", customer, amount FROM "{self.table}" '
                       f'ORDER BY "{HASH}"')
        self.assertEqual(r.stdout.split(), ["a,1,Ada-L,11", "b,7,Bo,20"])
        self.assertEqual(calls, {"GenerateDataKey": 0, "Decrypt": 2})


class ItemEncryptionMostRecentTest(cli_support.CliTestCase):
    """The most-recent provider whose MetaStore (in DynamoDB Local, with the
    table) is protected by aws-kms (through moto) or by wrapped keys: items
    ddbsql writes decrypt with the format's reader, which reads the
    MetaStore's entry itself; KMS is asked once per MetaStore version."""

    MATERIAL = "orders-material"

    @classmethod
    def setUpClass(cls):
        cls.ddb_url = cli_support.require_dynamodb(cls)
        cls.moto_url = cli_support.require_s3()
        connect(cls, cls.ddb_url, cls.moto_url, "itemmr")

    def setUp(self):
        super().setUp()
        self.proxy = cli_support.FaultProxy(self.moto_url)
        self.addCleanup(self.proxy.stop)

    kms_calls = ItemEncryptionKmsTest.kms_calls

    def tables(self, label):
        suffix = label + "_" + uuid.uuid4().hex[:8]
        table, meta = "mr_orders_" + suffix, "mr_meta_" + suffix
        cli_support.create_table(self.ddb, table, key=HASH, key_type="S", range_key=(RANGE, "N"))
        cli_support.create_table(self.ddb, meta, key="N", key_type="S", range_key=("V", "N"))
        for t in (table, meta):
            self.addCleanup(self.ddb.delete_table, TableName=t)
        return table, meta

    def test_writes_under_a_kms_or_wrapped_protected_metastore(self):
        aes, mac = os.urandom(32), os.urandom(32)
        protectors = [
            ("kms", {"provider": "aws-kms", "key_id": self.key_arn},
             reader.kms_materials(lambda blob, ec: self.kms.decrypt(
                 CiphertextBlob=blob, EncryptionContext=ec)["Plaintext"])),
            ("wrapped", {"provider": "wrapped", "wrapping_key": {"ref": "env:MR_AES",
                                                                 "encoding": "base64"},
                         "unwrapping_key": {"ref": "env:MR_AES", "encoding": "base64"},
                         "signing_key": {"ref": "env:MR_MAC", "encoding": "base64"}},
             reader.wrapped_materials(aes, mac)),
        ]
        env = self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                            AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.ddb_url,
                            AWS_ENDPOINT_URL_KMS=self.proxy.url,
                            MR_AES=base64.b64encode(aes).decode(),
                            MR_MAC=base64.b64encode(mac).decode())
        for label, protector, reader_protector in protectors:
            with self.subTest(metastore=label):
                table, meta = self.tables(label)
                path = os.path.join(self.home, "catalog-" + label + ".json")
                with open(path, "w", encoding="utf-8") as f:
                    json.dump({"tables": {table: {"item_encryption": {
                        "scheme": "aws-dynamodb-encryption-client",
                        "materials": {"provider": "most-recent", "metastore_table": meta,
                                      "material_name": self.MATERIAL, "materials": protector},
                        "actions": ACTIONS}}}}, f)
                def run(argv):
                    before = {op: self.kms_calls(op) for op in ("GenerateDataKey", "Decrypt")}
                    r = self.run_cli(["--catalog", path, "-bail", "-csv"] + argv, env)
                    self.assert_ok(r)
                    return r, {op: self.kms_calls(op) - n for op, n in before.items()}

                argv = []
                for i in range(4):
                    doc = {HASH: f"o{i}", RANGE: i, "customer": f"c{i}", "amount": i,
                           "version": 1, "note": f"n{i}"}
                    argv += ["-c", f'INSERT INTO "{table}" ("{HASH}", "{RANGE}", item) '
                                   f"VALUES ('o{i}', {i}, '{json.dumps(doc)}')"]
                _, calls = run(argv)
                # One MetaStore version (created by this session, as the
                # client's most-recent provider creates version 0, and used
                # from the keys it generated) protects every item: KMS
                # encrypts that version's entry once, never sees an item.
                kms = label == "kms"
                self.assertEqual(calls, {"GenerateDataKey": int(kms), "Decrypt": 0})
                # Another session reads the version once (one Decrypt), then
                # updates, moves and deletes with it: nothing per item.
                r, calls = run([
                    "-c", f'UPDATE "{table}" SET amount = amount * 10 WHERE "{HASH}" = \'o1\'',
                    "-c", f'UPDATE "{table}" SET "{RANGE}" = 9 WHERE "{HASH}" = \'o2\'',
                    "-c", f'DELETE FROM "{table}" WHERE "{HASH}" = \'o3\'',
                    "-c", f'SELECT "{HASH}", "{RANGE}", customer, amount FROM "{table}" '
                          f'ORDER BY "{HASH}"'])
                self.assertEqual(r.stdout.split(), ["o0,0,c0,0", "o1,1,c1,10", "o2,9,c2,2"])
                self.assertEqual(calls, {"GenerateDataKey": 0, "Decrypt": int(kms)})
                entries = self.ddb.scan(TableName=meta, ConsistentRead=True)["Items"]
                self.assertEqual([(e["N"]["S"], e["V"]["N"]) for e in entries],
                                 [(self.MATERIAL, "0")])

                def get_meta_item(name, version, meta=meta):
                    got = self.ddb.get_item(TableName=meta, ConsistentRead=True,
                                            Key={"N": {"S": name}, "V": {"N": str(version)}})
                    return from_boto(got["Item"])

                materials = reader.most_recent_materials(self.MATERIAL, get_meta_item, meta,
                                                         reader_protector)
                actions = reader.Actions(ACTIONS["default"], ACTIONS["attributes"], (HASH, RANGE))
                got = {}
                for item in self.ddb.scan(TableName=table, ConsistentRead=True)["Items"]:
                    stored = from_boto(item)
                    self.assertEqual(set(stored["customer"]), {"B"})
                    p = reader.decrypt_item(stored, table, actions, materials, (HASH, RANGE))
                    got[(p[HASH]["S"], int(p[RANGE]["N"]))] = (p["customer"]["S"],
                                                                int(p["amount"]["N"]))
                self.assertEqual(got, {("o0", 0): ("c0", 0), ("o1", 1): ("c1", 10),
                                       ("o2", 9): ("c2", 2)})
                # A new session reads the version once again.
                r, calls = run(["-c", f'SELECT count(*), sum(amount) FROM "{table}"'])
                self.assertEqual(r.stdout.split(), ["3,12"])
                self.assertEqual(calls, {"GenerateDataKey": 0, "Decrypt": int(kms)})


if __name__ == "__main__":
    cli_support.main()
