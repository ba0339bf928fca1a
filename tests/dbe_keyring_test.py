#!/usr/bin/env python3
"""The keyrings of the AWS Database Encryption SDK no official vector covers
(issue 18), end to end: items written by tests/dbe_peer.py (a writer and
reader made from the specification with Python's `cryptography`, checked
here against the SDK's official vectors first) are put into DynamoDB Local
and read back through ddbsql equal to what was written, attribute by
attribute, with every attribute type, both algorithm suites and both
format versions:

- raw-aes: a 256-bit wrapping key through a key reference;
- aws-kms: each item's intermediate key encrypted by moto's KMS under the
  item's encryption context;
- hierarchical over a branch key store: the store's table in DynamoDB
  Local, its branch keys (two versions) encrypted by moto's KMS as
  branch-key-store.md says; ddbsql's KMS traffic goes through
  tests/fault_proxy.py, which counts one Decrypt per branch key version for
  the whole session.

A wrong key, a key store item whose kms-arn is not the declared one and
another table's context each fail naming the table and the key.
"""

import base64
import datetime
import json
import os
import uuid
from decimal import Decimal

import cli_support

peer = cli_support.load_test_module("dbe_peer", "dbe_peer.py")
vectors = cli_support.load_test_module("dbe_test", "dbe_test.py")

PK = "id"
ACTIONS = {"id": "SIGN_ONLY", "secret": "ENCRYPT_AND_SIGN", "n": "ENCRYPT_AND_SIGN",
           "blob": "ENCRYPT_AND_SIGN", "flag": "ENCRYPT_AND_SIGN", "none": "ENCRYPT_AND_SIGN",
           "tags": "ENCRYPT_AND_SIGN", "nums": "ENCRYPT_AND_SIGN", "blobs": "ENCRYPT_AND_SIGN",
           "doc": "ENCRYPT_AND_SIGN", "list": "ENCRYPT_AND_SIGN", "version": "SIGN_ONLY",
           "note": "DO_NOTHING"}
# Version 2 (SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT) variants.
ACTIONS_V2 = dict(ACTIONS, id="SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT",
                  version="SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT")


def plain_items(count):
    """Items with every DynamoDB type (DynamoDB JSON)."""
    out = []
    for i in range(count):
        out.append({
            "id": {"S": f"item-{i}"},
            "secret": {"S": f"sécret {i} ✓"},
            "n": {"N": str(i * 7 - 3)},
            "blob": {"B": base64.b64encode(bytes([i, 0, 255])).decode()},
            "flag": {"BOOL": i % 2 == 0},
            "none": {"NULL": True},
            "tags": {"SS": ["b", "a", f"t{i}"]},
            "nums": {"NS": ["1.5", "10", str(i)]},
            "blobs": {"BS": [base64.b64encode(b"\x01").decode(),
                             base64.b64encode(bytes([i + 2])).decode()]},
            "doc": {"M": {"k": {"S": "v"}, "deep": {"L": [{"N": "1"}, {"M": {}}]},
                          "set": {"SS": ["z", "y"]}}},
            "list": {"L": [{"S": "x"}, {"BOOL": False}, {"NULL": True}]},
            "version": {"N": str(i)},
            "note": {"S": "not signed"},
        })
    return out


def declaration(keyring):
    return {"scheme": "aws-database-encryption-sdk", "keyring": keyring,
            "actions": ACTIONS, "allowed_unsigned_attributes": ["note"]}


def unsigned(name):
    return name == "note"


class DbeKeyringTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        import boto3

        cls.ddb_url = cli_support.require_dynamodb(cls)
        cls.moto_url = cli_support.require_s3(cls)
        cls.key_id = cli_support.new_key_id("dbekr")
        cls.secret = cli_support.new_secret()
        cls.ddb = cli_support.boto_client(cls.ddb_url, cls.key_id, cls.secret)
        cls.kms = boto3.client("kms", endpoint_url=cls.moto_url, region_name=cli_support.REGION,
                               aws_access_key_id=cls.key_id, aws_secret_access_key=cls.secret)
        cls.key_arn = cls.kms.create_key(Description="ddbsql dbe")["KeyMetadata"]["Arn"]

    def setUp(self):
        super().setUp()
        self.table = "dbe_" + uuid.uuid4().hex[:8]
        cli_support.create_table(self.ddb, self.table, key=PK, key_type="S")
        self.addCleanup(self.ddb.delete_table, TableName=self.table)
        self.proxy = cli_support.FaultProxy(self.moto_url)
        self.addCleanup(self.proxy.stop)

    def env(self, **extra):
        values = dict(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                      AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.ddb_url,
                      AWS_ENDPOINT_URL_KMS=self.proxy.url)
        values.update(extra)
        return self.base_env(**values)

    def catalog(self, decl, table=None):
        path = os.path.join(self.home, "catalog-" + uuid.uuid4().hex[:8] + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"tables": {table or self.table: {"item_encryption": decl}}}, f)
        return path

    def write(self, keyring, items, actions=ACTIONS, flavor=0, table=None):
        stored = [peer.encrypt_item(i, self.table, PK, None, actions, keyring, flavor)
                  for i in items]
        for s in stored:
            self.ddb.put_item(TableName=table or self.table,
                              Item={k: vectors.to_boto(v) for k, v in s.items()})
        return stored

    def kms_calls(self, operation):
        return sum(1 for r in self.proxy.log()["requests"]
                   if r["target"] == "TrentService." + operation)

    def check_read_back(self, catalog, items, env):
        """Every item of the table read through ddbsql equals `items`."""
        names = sorted(items[0])
        cols = ", ".join(f'typeof("{a}") AS "t:{a}", '
                         f'CASE typeof("{a}") WHEN \'blob\' THEN hex("{a}") ELSE "{a}" END '
                         f'AS "v:{a}"' for a in names)
        r = self.run_cli(["--catalog", catalog, "-json", "-c",
                          f'SELECT {cols}, item FROM "{self.table}" ORDER BY "id"'], env)
        self.assert_ok(r)
        rows = json.loads(r.stdout)
        expected = sorted(items, key=lambda i: i["id"]["S"])
        self.assertEqual(len(rows), len(expected))
        for row, item in zip(rows, expected):
            got = json.loads(row["item"], parse_float=Decimal, parse_int=Decimal)
            self.assertEqual(sorted(got), names)
            for a in names:
                where = (item["id"]["S"], a)
                vectors.check_value(self, where, item[a], row["t:" + a], row["v:" + a])
                self.assertEqual(vectors.read_back(got[a], item[a]), vectors.as_shown(item[a]),
                                 where)
        return r

    def test_the_peer_is_the_format(self):
        # The peer reads every official vector (and refuses the negative
        # ones), and reads back what it writes.
        branch = vectors.BRANCH
        keyring = peer.HierarchicalKeyring(branch["key-id"], branch["branchKeyVersion"],
                                           lambda v: base64.b64decode(branch["branchKey"]))
        checked = 0
        for name, positive, config, encrypted, plaintext in vectors.vectors():
            allowed = set(config.get("allowedUnsignedAttributes", []))
            if not positive:
                with self.assertRaises(AssertionError, msg=name):
                    peer.decrypt_item(encrypted, vectors.TABLE, "RecNum", None,
                                      lambda a: a in allowed, keyring)
                continue
            out = peer.decrypt_item(encrypted, vectors.TABLE, "RecNum", None,
                                    lambda a: a in allowed, keyring)
            self.assertEqual(sorted(out), sorted(plaintext), name)
            for a in plaintext:
                self.assertEqual(vectors.read_back(vectors.as_shown(out[a]), plaintext[a]),
                                 vectors.as_shown(plaintext[a]), (name, a))
            checked += 1
        self.assertEqual(checked, 21)
        for actions in (ACTIONS, ACTIONS_V2):
            for flavor in (0, 1):
                item = plain_items(1)[0]
                stored = peer.encrypt_item(item, "T", PK, None, actions, keyring, flavor)
                out = peer.decrypt_item(stored, "T", PK, None, unsigned, keyring)
                for a in item:
                    self.assertEqual(vectors.as_shown(out[a]), vectors.as_shown(item[a]))

    def test_raw_aes_keyring(self):
        key = os.urandom(32)
        keyring = peer.RawAesKeyring("my-namespace", "my-key", key)
        items = plain_items(4)
        self.write(keyring, items[:2], flavor=0)
        self.write(keyring, items[2:], actions=ACTIONS_V2, flavor=1)
        decl = declaration({"type": "raw-aes", "key_namespace": "my-namespace",
                            "key_name": "my-key",
                            "key": {"ref": "env:WRAPPING_KEY", "encoding": "hex"}})
        decl["actions"] = ACTIONS_V2
        catalog = self.catalog(decl)
        self.check_read_back(catalog, items, self.env(WRAPPING_KEY=key.hex()))
        # A wrong key: an error naming the table and the key, not the key.
        wrong = os.urandom(32).hex()
        r = self.run_cli(["--catalog", catalog, "-c", f'SELECT * FROM "{self.table}"'],
                         self.env(WRAPPING_KEY=wrong))
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f"table {self.table}, item {{\"id\":\"item-", r.stderr)
        self.assertIn("does not unwrap with env:WRAPPING_KEY (hex)", r.stderr)
        self.assertNotIn(wrong, r.stderr)
        # Another key name: the keyring does not recognise the data key.
        decl["keyring"]["key_name"] = "other-key"
        r = self.run_cli(["--catalog", self.catalog(decl), "-c", f'SELECT * FROM "{self.table}"'],
                         self.env(WRAPPING_KEY=key.hex()))
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("no data key of the item is for the declared raw-aes keyring "
                      "(namespace my-namespace, key name other-key)", r.stderr)

    def test_aws_kms_keyring(self):
        keyring = peer.KmsKeyring(self.kms, self.key_arn)
        items = plain_items(3)
        self.write(keyring, items, flavor=1)
        catalog = self.catalog(declaration({"type": "aws-kms", "key_id": self.key_arn}))
        self.check_read_back(catalog, items, self.env())
        # One KMS Decrypt per item (each has its own data key), none when
        # the same items are read again in the session.
        self.assertEqual(self.kms_calls("Decrypt"), 3, self.proxy.log())
        r = self.run_cli(["--catalog", catalog, "-c", f'SELECT count(*) FROM "{self.table}"',
                          "-c", f'SELECT count(*) FROM "{self.table}"'], self.env())
        self.assert_ok(r)
        self.assertEqual(r.stdout, "3\n3\n")
        self.assertEqual(self.kms_calls("Decrypt"), 6, self.proxy.log())
        # Another table's name changes the context KMS checks.
        other = "dbe_other_" + uuid.uuid4().hex[:6]
        cli_support.create_table(self.ddb, other, key=PK, key_type="S")
        self.addCleanup(self.ddb.delete_table, TableName=other)
        self.write(keyring, items[:1], table=other)
        r = self.run_cli(["--catalog", self.catalog(
            declaration({"type": "aws-kms", "key_id": self.key_arn}), table=other),
            "-c", f'SELECT * FROM "{other}"'], self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f'table {other}, item {{"id":"item-0"}}', r.stderr)
        self.assertIn("KMS Decrypt", r.stderr)

    def test_verify_warn_stops_on_a_kms_failure_and_skips_only_bad_items(self):
        # `.verify warn` skips only items the check judges bad. KMS failing
        # mid-session (refusing, failing) says nothing about the items: the
        # statement fails naming the table, the item and KMS's error, prints
        # no count and skips nothing.
        keyring = peer.KmsKeyring(self.kms, self.key_arn)
        items = plain_items(4)
        self.write(keyring, items[:2], flavor=1)
        catalog = self.catalog(declaration({"type": "aws-kms", "key_id": self.key_arn}))
        count = f'SELECT count(*) FROM "{self.table}";\n'
        for fault, says in (("denied", "AccessDeniedException"),
                            ("500", "InternalServerError")):
            with self.subTest(fault=fault):
                self.proxy.then("ok")

                def kms_fails(fault=fault):
                    # Two items more, each with a data key the session has
                    # not seen: its next scan needs KMS, which now fails.
                    self.write(keyring, items[2:], flavor=1)
                    self.proxy.then(fault)

                r = self.run_cli_interleaved(["--catalog", catalog], self.env(),
                                             ".verify warn\n.stats on\n" + count, kms_fails,
                                             count)
                for item in items[2:]:
                    self.ddb.delete_item(TableName=self.table, Key={PK: item[PK]})
                self.assertNotEqual(r.returncode, 0, r)
                self.assertEqual(r.stdout.split(), ["2"], r)
                self.assertIn(f'table {self.table}, item {{"id":"item-', r.stderr)
                self.assertIn(f"KMS Decrypt with {self.key_arn}", r.stderr)
                self.assertIn(says, r.stderr)
                self.assertNotIn("skipped (.verify warn)", r.stderr)
                self.assertNotRegex(r.stderr, r", [1-9][0-9]* skipped")
        # A tampered item is still the check's verdict: skipped and counted.
        self.proxy.then("ok")
        stored = self.write(keyring, items[2:], flavor=1)
        bad = dict(stored[0])
        bad["version"] = {"N": "99"}  # signed, not encrypted
        self.ddb.put_item(TableName=self.table,
                          Item={k: vectors.to_boto(v) for k, v in bad.items()})
        r = self.run_cli(["--catalog", catalog, "-c", ".verify warn", "-c", ".stats on", "-c",
                          count], self.env())
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout.split(), ["3"], r)
        self.assertIn(f'skipped (.verify warn): table {self.table}, item {{"id":"item-2"}}',
                      r.stderr)
        self.assertIn("item_encryption: 3 items verified and decrypted, 1 skipped", r.stderr)

    def test_verify_warn_stops_when_the_branch_key_store_cannot_be_read(self):
        # The branch key store's KMS refusing, or its table missing: no item is
        # judged, so `.verify warn` skips none and the statement fails.
        version = str(uuid.uuid4())
        store, branch_id, keys = self.make_key_store([version])
        keyring = peer.HierarchicalKeyring(branch_id, version, lambda v: keys[v])
        self.write(keyring, plain_items(2))
        catalog = self.catalog(declaration({
            "type": "hierarchical", "branch_key_id": branch_id,
            "key_store": {"table": store, "kms_key_arn": self.key_arn}}))
        count = ["-c", ".verify warn", "-c", f'SELECT count(*) FROM "{self.table}"']
        self.proxy.then("denied")
        r = self.run_cli(["--catalog", catalog] + count, self.env())
        self.assertNotEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "", r)
        self.assertIn(f'table {self.table}, item {{"id":"item-', r.stderr)
        self.assertIn(f"branch key store {store}, branch key {branch_id} version {version}",
                      r.stderr)
        self.assertIn("KMS Decrypt: AccessDeniedException", r.stderr)
        self.assertNotIn("skipped (.verify warn)", r.stderr)
        self.proxy.then("ok")
        missing = "NoSuchKeyStore_" + uuid.uuid4().hex[:6]
        r = self.run_cli(["--catalog", self.catalog(declaration({
            "type": "hierarchical", "branch_key_id": branch_id,
            "key_store": {"table": missing, "kms_key_arn": self.key_arn}}))] + count, self.env())
        self.assertNotEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "", r)
        self.assertIn(f"branch key store {missing}", r.stderr)
        self.assertIn("ResourceNotFoundException", r.stderr)
        self.assertNotIn("skipped (.verify warn)", r.stderr)

    def make_key_store(self, versions):
        """A branch key store table holding `versions` of one branch key;
        returns (table, branch key id, {version: key})."""
        store = "KeyStore_" + uuid.uuid4().hex[:6]
        cli_support.create_table(self.ddb, store, key="branch-key-id", key_type="S",
                                 range_key=("type", "S"))
        self.addCleanup(self.ddb.delete_table, TableName=store)
        branch_id = str(uuid.uuid4())
        keys = {}
        created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for i, version in enumerate(versions):
            keys[version] = os.urandom(32)
            for kind in ("branch:version:" + version,) + (("branch:ACTIVE",) if i == 0 else ()):
                item = {"branch-key-id": branch_id, "type": kind, "create-time": created,
                        "kms-arn": self.key_arn, "hierarchy-version": "1"}
                if kind == "branch:ACTIVE":
                    item["version"] = "branch:version:" + version
                context = dict(item, tablename=store)
                enc = self.kms.encrypt(KeyId=self.key_arn, Plaintext=keys[version],
                                       EncryptionContext=context)["CiphertextBlob"]
                ddb_item = {k: {"S": v} for k, v in item.items()}
                ddb_item["hierarchy-version"] = {"N": "1"}
                ddb_item["enc"] = {"B": enc}
                self.ddb.put_item(TableName=store, Item=ddb_item)
        return store, branch_id, keys

    def test_hierarchical_keyring_over_a_branch_key_store(self):
        v1, v2 = str(uuid.uuid4()), str(uuid.uuid4())
        store, branch_id, keys = self.make_key_store([v1, v2])
        items = plain_items(6)
        for version, group in ((v1, items[:3]), (v2, items[3:])):
            keyring = peer.HierarchicalKeyring(branch_id, version, lambda v: keys[v])
            self.write(keyring, group, flavor=1 if version == v1 else 0)
        catalog = self.catalog(declaration({
            "type": "hierarchical", "branch_key_id": branch_id,
            "key_store": {"table": store, "kms_key_arn": self.key_arn}}))
        self.check_read_back(catalog, items, self.env())
        # Each branch key version fetched and decrypted once per session.
        self.assertEqual(self.kms_calls("Decrypt"), 2, self.proxy.log())
        # A key store item under another KMS key is refused before KMS.
        other_arn = self.kms.create_key(Description="other")["KeyMetadata"]["Arn"]
        bad = self.catalog(declaration({
            "type": "hierarchical", "branch_key_id": branch_id,
            "key_store": {"table": store, "kms_key_arn": other_arn}}))
        r = self.run_cli(["--catalog", bad, "-c", f'SELECT * FROM "{self.table}"'], self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f"table {self.table}, item {{\"id\":\"item-", r.stderr)
        self.assertIn(f"branch key store {store}, branch key {branch_id} version ", r.stderr)
        self.assertIn("is not the declared kms_key_arn", r.stderr)
        self.assertEqual(self.kms_calls("Decrypt"), 2)
        # A version the store does not hold.
        self.ddb.delete_item(TableName=store, Key={"branch-key-id": {"S": branch_id},
                                                   "type": {"S": "branch:version:" + v2}})
        r = self.run_cli(["--catalog", catalog, "-c", f'SELECT * FROM "{self.table}"'],
                         self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f"version {v2}: no such branch key version in the key store", r.stderr)


if __name__ == "__main__":
    cli_support.main()
