#!/usr/bin/env python3
"""Tables of the AWS DynamoDB Encryption Client under the aws-kms ("direct
KMS") provider, end to end through moto's server (issue 16): a KMS key is
created in moto (DDBSQL_TEST_S3_URL serves every moto API), items are written
into a table on the same server by a small writer in this file, made only
from the format (`cryptography` and boto3's KMS GenerateDataKey with the
encryption context the client builds; none of ddbsql's code), and read back
through ddbsql with a catalog `aws-kms` provider, equal to what was written,
attribute by attribute.

ddbsql's KMS traffic goes through tests/fault_proxy.py (AWS_ENDPOINT_URL_KMS
points at it; moto keeps no call log): the test counts one KMS Decrypt per
distinct data key for the whole session, however often the items are read.
"""

import base64
import hashlib
import hmac
import json
import os
import struct
import uuid
from decimal import Decimal

import cli_support

reader = cli_support.load_test_module("ddb_item_encryption_reader",
                                      "ddb_item_encryption_reader.py")

DESC = "*amzn-ddb-map-desc*"
SIG = "*amzn-ddb-map-sig*"
ENC_ALG = "AES/256"
SIG_ALG = "HmacSHA256/256"
HASH, RANGE = "pk", "sk"
# The catalog's actions: everything encrypted but these.
ACTIONS = {"default": "encrypt", "attributes": {"version": "sign", "note": "nothing"}}


# ---- a writer from the format --------------------------------------------

def _lv(b):
    return struct.pack(">I", len(b)) + b


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


def aes_cbc_encrypt(key, data):
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return iv + enc.update(padded) + enc.finalize()


def encrypt_item(plain, table, kms, key_arn):
    """The stored form of `plain` (wire JSON) under a fresh KMS data key."""
    key = kms.generate_data_key(KeyId=key_arn, NumberOfBytes=32,
                                EncryptionContext=kms_context(plain, table))
    aes_key = hkdf_sha256(key["Plaintext"], b"Encryption")
    mac_key = hkdf_sha256(key["Plaintext"], b"Signing")
    actions = reader.Actions(ACTIONS["default"], ACTIONS["attributes"], (HASH, RANGE))
    stored = {}
    for name, value in plain.items():
        if actions.action(name) == "encrypt":
            ciphertext = aes_cbc_encrypt(aes_key, reader.serialize(value))
            stored[name] = {"B": base64.b64encode(ciphertext).decode()}
        else:
            stored[name] = value
    description = {
        "amzn-ddb-env-alg": ENC_ALG,
        "amzn-ddb-env-key": base64.b64encode(key["CiphertextBlob"]).decode(),
        "amzn-ddb-map-signingAlg": "HmacSHA256",
        "amzn-ddb-map-sym-mode": "/CBC/PKCS5Padding",
        "amzn-ddb-sig-alg": SIG_ALG,
        "amzn-ddb-wrap-alg": "kms",
        "aws-kms-ec-attr": "*keys*",
    }
    desc = b"\x00\x00\x00\x00" + b"".join(
        _lv(n.encode()) + _lv(description[n].encode())
        for n in sorted(description, key=lambda n: n.encode()))
    signature = hmac.new(mac_key, reader.string_to_sign(stored, table, actions),
                         hashlib.sha256).digest()
    stored[DESC] = {"B": base64.b64encode(desc).decode()}
    stored[SIG] = {"B": base64.b64encode(signature).decode()}
    return stored


to_boto = cli_support.to_boto


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


class ItemEncryptionKmsTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        import boto3

        cls.url = cli_support.require_s3()
        cls.key_id = cli_support.new_key_id("itemkms")
        cls.secret = cli_support.new_secret()
        cls.ddb = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cls.kms = boto3.client("kms", endpoint_url=cls.url, region_name=cli_support.REGION,
                               aws_access_key_id=cls.key_id, aws_secret_access_key=cls.secret)
        cls.key_arn = cls.kms.create_key(Description="ddbsql item_encryption")["KeyMetadata"]["Arn"]

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


if __name__ == "__main__":
    cli_support.main()
