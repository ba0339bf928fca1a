#!/usr/bin/env python3
"""Reading items of the AWS Database Encryption SDK through `--catalog`
(issue 18): every decrypt vector of the SDK's Java manifests and iotest.json
(tests/data/aws-database-encryption-sdk/) is put into DynamoDB Local under
the vectors' table `GazelleVectorTable` (key `RecNum` N), declared with the
vector's own config and the hierarchical keyring of static-branch-key-1, and
read back through ddbsql: each positive vector equal to its plaintext,
attribute by attribute with DynamoDB's types as SQL maps them, and the
`item` column equal to the whole plaintext item; each negative vector fails
naming the table and the key, and `.verify warn` skips and counts it. A
WHERE on an attribute the SDK may have encrypted is left to SQLite, a key
lookup decrypts, beacons and unsigned attributes read as stored, and writes
are refused with the reason.
"""

import base64
import json
import os
import uuid
from decimal import Decimal

import cli_support

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                    "aws-database-encryption-sdk")
TABLE = "GazelleVectorTable"


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return json.load(f)


BRANCH = load("keys.json")["keys"]["static-branch-key-1"]


def number_text(v):
    return v if isinstance(v, str) else json.dumps(v)


def wire(short):
    """The vectors' shorthand (a bare string S, a bare number N, B and BS in
    base64) as DynamoDB JSON."""
    if isinstance(short, str):
        return {"S": short}
    if isinstance(short, (int, float)) and not isinstance(short, bool):
        return {"N": number_text(short)}
    (t, v), = short.items()
    if t == "L":
        return {"L": [wire(x) for x in v]}
    if t == "M":
        return {"M": {k: wire(x) for k, x in v.items()}}
    if t == "NS":
        return {"NS": [number_text(x) for x in v]}
    return {t: v}


def vectors():
    """[(name, positive, config, encrypted item, plaintext item)], items in
    DynamoDB JSON."""
    out = []
    for file in ("decrypt_java_32.json", "decrypt_java_33.json"):
        for key, t in load(file)["tests"].items():
            out.append((f"{file}#{key}", t["type"] == "positive-decrypt", t["config"],
                        t["encrypted"], {k: wire(v) for k, v in t["plaintext"].items()}))
    n = 0
    for t in load("iotest.json")["DecryptTests"]:
        for enc, plain in zip(t["EncryptedRecords"], t["PlainTextRecords"]):
            out.append((f"iotest.json#{n}", True, t["Config"], enc,
                        {k: wire(v) for k, v in plain.items()}))
            n += 1
    return out


to_boto = cli_support.to_boto


def as_shown(value):
    """How ddbsql shows a DynamoDB value inside JSON (the item column, M, L,
    sets): numbers as numbers, B as base64, sets as sorted lists."""
    (t, v), = value.items()
    if t in ("S", "B", "BOOL"):
        return v
    if t == "N":
        return Decimal(v)
    if t == "NULL":
        return None
    if t == "L":
        return [as_shown(x) for x in v]
    if t == "M":
        return {k: as_shown(x) for k, x in v.items()}
    if t == "NS":
        return sorted(Decimal(x) for x in v)
    return sorted(v)  # SS, BS


def read_back(got, value):
    """`got` (parsed JSON) with its sets sorted where `value` has sets."""
    (t, v), = value.items()
    if t in ("SS", "NS", "BS"):
        return sorted(got)
    if t == "L" and isinstance(got, list) and len(got) == len(v):
        return [read_back(g, x) for g, x in zip(got, v)]
    if t == "M" and isinstance(got, dict):
        return {k: read_back(g, v[k]) if k in v else g for k, g in got.items()}
    return got


def loads(text):
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def check_value(test, where, value, got_type, got):
    """A column's typeof and value (as -json shows it) against the DynamoDB
    value it was read from."""
    (t, v), = value.items()
    if t == "S":
        test.assertEqual((got_type, got), ("text", v), where)
    elif t == "N":
        test.assertIn(got_type, ("integer", "real"), where)
        test.assertEqual(Decimal(str(got)), Decimal(v), where)
    elif t == "B":
        test.assertEqual(got_type, "blob", where)
        test.assertEqual(bytes.fromhex(got), base64.b64decode(v), where)
    elif t == "BOOL":
        test.assertEqual((got_type, got), ("integer", int(v)), where)
    elif t == "NULL":
        test.assertEqual(got_type, "null", where)
    else:
        test.assertEqual(got_type, "text", where)
        test.assertEqual(read_back(loads(got), value), as_shown(value), where)


def declaration(config, branch=BRANCH):
    d = {"scheme": "aws-database-encryption-sdk",
         "keyring": {"type": "hierarchical", "branch_key_id": branch["key-id"],
                     "static_branch_key": {"version": branch["branchKeyVersion"],
                                           "key": {"ref": "env:BRANCH_KEY",
                                                   "encoding": "base64"}}}}
    if "attributeActionsOnEncrypt" in config:
        d["actions"] = config["attributeActionsOnEncrypt"]
    if "allowedUnsignedAttributes" in config:
        d["allowed_unsigned_attributes"] = config["allowedUnsignedAttributes"]
    if "allowedUnsignedAttributePrefix" in config:
        d["allowed_unsigned_attribute_prefix"] = config["allowedUnsignedAttributePrefix"]
    return d


class DbeVectorsTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("dbe")
        cls.secret = cli_support.new_secret()
        cls.ddb = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cli_support.create_table(cls.ddb, TABLE, key="RecNum", key_type="N")
        cls.vectors = vectors()

    @classmethod
    def tearDownClass(cls):
        cls.ddb.delete_table(TableName=TABLE)

    def setUp(self):
        super().setUp()
        # Every test starts from an empty table.
        for page in self.ddb.get_paginator("scan").paginate(TableName=TABLE):
            for item in page["Items"]:
                self.ddb.delete_item(TableName=TABLE, Key={"RecNum": item["RecNum"]})

    def vector(self, name):
        return next(v for v in self.vectors if v[0] == name)

    def put(self, item):
        self.ddb.put_item(TableName=TABLE, Item={k: to_boto(v) for k, v in item.items()})

    def env(self, **extra):
        values = dict(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                      AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url,
                      BRANCH_KEY=BRANCH["branchKey"])
        values.update(extra)
        return self.base_env(**values)

    def catalog(self, decl):
        path = os.path.join(self.home, "catalog-" + uuid.uuid4().hex[:8] + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"tables": {TABLE: {"item_encryption": decl}}}, f)
        return path

    def ddbsql(self, catalog, *args, env=None):
        return self.run_cli(["--catalog", catalog, *args], env or self.env())

    def check_value(self, where, value, got_type, got):
        check_value(self, where, value, got_type, got)

    def check_item(self, name, catalog, plaintext):
        """The table's one item read back equals `plaintext`."""
        names = sorted(plaintext)
        cols = ", ".join(f'typeof("{a}") AS "t:{a}", '
                         f'CASE typeof("{a}") WHEN \'blob\' THEN hex("{a}") ELSE "{a}" END '
                         f'AS "v:{a}"' for a in names)
        r = self.ddbsql(catalog, "-json", "-c", f'SELECT {cols}, item FROM "{TABLE}"')
        self.assert_ok(r)
        rows = json.loads(r.stdout)
        self.assertEqual(len(rows), 1, (name, r))
        row = rows[0]
        item = loads(row["item"])
        self.assertEqual(sorted(item), names, name)
        for a in names:
            self.check_value((name, a), plaintext[a], row["t:" + a], row["v:" + a])
            self.assertEqual(read_back(item[a], plaintext[a]), as_shown(plaintext[a]), (name, a))
        # The sample saw plain items: the SDK's attributes are no columns.
        r = self.ddbsql(catalog, "-header", "-c", f'SELECT * FROM "{TABLE}" LIMIT 0')
        self.assert_ok(r)
        self.assertNotIn("aws_dbe_", r.stdout, name)

    def test_every_positive_vector_reads_back_its_plaintext(self):
        checked = 0
        for name, positive, config, encrypted, plaintext in self.vectors:
            if not positive:
                continue
            with self.subTest(vector=name):
                self.put(encrypted)
                self.check_item(name, self.catalog(declaration(config)), plaintext)
                checked += 1
        # 8 + 11 positive tests in the Java manifests, 2 items in iotest.json.
        self.assertEqual(checked, 21)

    def test_every_negative_vector_fails_naming_table_and_key(self):
        failed = 0
        for name, positive, config, encrypted, _ in self.vectors:
            if positive:
                continue
            with self.subTest(vector=name):
                self.put(encrypted)
                catalog = self.catalog(declaration(config))
                sql = f'SELECT count(*) FROM "{TABLE}"'
                r = self.ddbsql(catalog, "-c", sql)
                self.assertEqual(r.returncode, 1, r)
                self.assertEqual(r.stdout, "", r)
                self.assertIn(f'table {TABLE}, item {{"RecNum":1}}', r.stderr)
                self.assertIn("legend", r.stderr)
                self.assertNotIn(BRANCH["branchKey"], r.stderr)
                # .verify warn: reported, left out, counted.
                r = self.ddbsql(catalog, "-c", ".verify warn", "-c", ".stats on", "-c", sql)
                self.assertEqual(r.returncode, 0, r)
                self.assertEqual(r.stdout.split()[0], "0", r)
                self.assertIn(f"skipped (.verify warn): table {TABLE}", r.stderr)
                self.assertIn("item_encryption: 0 items verified and decrypted, 1 skipped",
                              r.stderr)
                failed += 1
        self.assertEqual(failed, 2)

    def test_a_tampered_item_fails_and_verify_warn_skips_it(self):
        name, _, config, encrypted, plaintext = self.vector("decrypt_java_33.json#1")
        self.put(encrypted)
        bad = dict(encrypted)
        bad["RecNum"] = {"N": "2"}  # the signed key: the unwrap's context changes
        self.put(bad)
        catalog = self.catalog(declaration(config))
        sql = f'SELECT "RecNum", "Stuff" FROM "{TABLE}" ORDER BY 1'
        r = self.ddbsql(catalog, "-c", sql)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f'table {TABLE}, item {{"RecNum":2}}', r.stderr)
        self.assertIn("does not unwrap", r.stderr)
        r = self.ddbsql(catalog, "-csv", "-c", ".verify warn", "-c", sql)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "1,StuffData\n", r)
        self.assertIn('skipped (.verify warn): table GazelleVectorTable, item {"RecNum":2}',
                      r.stderr)
        # A changed encrypted attribute fails the footer's tag.
        self.ddb.delete_item(TableName=TABLE, Key={"RecNum": {"N": "2"}})
        stuff = bytearray(base64.b64decode(encrypted["Stuff"]["B"]))
        stuff[4] ^= 1
        bad = dict(encrypted)
        bad["Stuff"] = {"B": base64.b64encode(bytes(stuff)).decode()}
        self.put(bad)
        r = self.ddbsql(catalog, "-c", f'SELECT * FROM "{TABLE}" WHERE "RecNum" = 1')
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f'table {TABLE}, item {{"RecNum":1}}', r.stderr)
        self.assertIn("footer's signature tag does not match", r.stderr)

    def test_a_wrong_branch_key_fails_without_showing_it(self):
        name, _, config, encrypted, _ = self.vector("decrypt_java_33.json#6")
        self.put(encrypted)
        wrong = base64.b64encode(bytes(32)).decode()
        r = self.ddbsql(self.catalog(declaration(config)), "-c", f'SELECT * FROM "{TABLE}"',
                        env=self.env(BRANCH_KEY=wrong))
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f'table {TABLE}, item {{"RecNum":1}}', r.stderr)
        self.assertIn("does not unwrap with branch key version " + BRANCH["branchKeyVersion"],
                      r.stderr)
        self.assertNotIn(wrong, r.stderr + r.stdout)

    def test_where_on_a_maybe_encrypted_attribute_is_left_to_sqlite(self):
        name, _, config, encrypted, plaintext = self.vector("decrypt_java_33.json#1")
        item = dict(encrypted)
        item["Extra"] = {"S": "plain"}
        item["aws_dbe_b_Stuff"] = {"S": "5f3a"}  # a beacon, as the SDK adds it
        self.put(item)
        decl = declaration(config)
        decl["allowed_unsigned_attributes"] = ["Extra"]
        catalog = self.catalog(decl)
        sql = f'SELECT "RecNum" FROM "{TABLE}" WHERE "Stuff" = \'StuffData\''
        plan = self.ddbsql(catalog, "-c", "EXPLAIN QUERY PLAN " + sql)
        self.assert_ok(plan)
        self.assertNotIn("filter=", plan.stdout)
        r = self.ddbsql(catalog, "-c", ".stats on", "-c", sql)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "1\n")
        self.assertIn("items scanned: 1  returned: 1  rows: 1", r.stderr)
        # An unsigned attribute is never encrypted: DynamoDB may filter it.
        sql = f'SELECT "Stuff" FROM "{TABLE}" WHERE "Extra" = \'plain\''
        plan = self.ddbsql(catalog, "-c", "EXPLAIN QUERY PLAN " + sql)
        self.assert_ok(plan)
        self.assertIn("filter=", plan.stdout)
        r = self.ddbsql(catalog, "-c", sql)
        self.assert_ok(r)
        self.assertEqual(r.stdout, "StuffData\n")
        # The key: a GetItem, decrypted.
        r = self.ddbsql(catalog, "-list", "-c",
                        f'SELECT "Junk", "Extra", "aws_dbe_b_Stuff" FROM "{TABLE}" '
                        'WHERE "RecNum" = 1')
        self.assert_ok(r)
        self.assertEqual(r.stdout, "JunkData|plain|5f3a\n")

    def test_writes_are_refused_and_leave_the_item(self):
        name, _, config, encrypted, plaintext = self.vector("decrypt_java_33.json#1")
        self.put(encrypted)
        catalog = self.catalog(declaration(config))
        for sql in (f'INSERT INTO "{TABLE}" ("RecNum", "Stuff") VALUES (9, \'x\')',
                    f'UPDATE "{TABLE}" SET "Stuff" = \'x\' WHERE "RecNum" = 1',
                    f'DELETE FROM "{TABLE}" WHERE "RecNum" = 1'):
            with self.subTest(sql=sql):
                r = self.ddbsql(catalog, "-c", sql)
                self.assertEqual(r.returncode, 1, r)
                self.assertIn(f"table {TABLE}: writing items of the AWS Database Encryption "
                              "SDK is not supported", r.stderr)
        items = self.ddb.scan(TableName=TABLE)["Items"]
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0]["Stuff"]["B"], base64.b64decode(encrypted["Stuff"]["B"]))

    def test_a_bad_declaration_fails_before_any_request(self):
        decl = declaration({})
        decl["keyring"]["static_branch_key"]["versoin"] = "x"
        r = self.ddbsql(self.catalog(decl), "-c", f'SELECT * FROM "{TABLE}"',
                        env=self.env(AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:9"))
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f"table {TABLE}, item_encryption.keyring.static_branch_key: "
                      'unknown field "versoin"', r.stderr)


if __name__ == "__main__":
    cli_support.main()
