#!/usr/bin/env python3
"""Reading tables of the AWS DynamoDB Encryption Client through `--catalog`
(issue 16): every offline scenario of the client's official vectors
(tests/data/aws-dynamodb-encryption-client/: static, wrapped AES, wrapped
RSA and the most-recent provider; Python- and Java-written ciphertexts) is
loaded under its own table name and read back through ddbsql equal to the
plaintext vectors, attribute by attribute with DynamoDB's types as SQL maps
them; a tampered attribute, a wrong key and another table's name each fail
naming the table and the key, `.verify warn` skips and counts; a WHERE on
an encrypted attribute is left to SQLite. Writes (INSERT, REPLACE,
UPDATE, DELETE, in and outside BEGIN) with every offline provider produce
items tests/ddb_item_encryption_reader.py (the format, not ddbsql's code)
verifies and decrypts, equal to the same statements on a plain SQLite
table; a change between read and write refuses UPDATE and DELETE.

The vectors' table is called `TableName`, which DynamoDB Local cannot host
(its own SQLite schema clashes): the tables live in moto's server
(DDBSQL_TEST_S3_URL, which serves the DynamoDB API too).
"""

import base64
import json
import os
import sqlite3
import threading
import uuid
from decimal import Decimal

import cli_support
import ddb_item_encryption_reader as reader

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                       "aws-dynamodb-encryption-client", "encrypted_item")
SIG = "*amzn-ddb-map-sig*"
DESC = "*amzn-ddb-map-desc*"


def load(relative):
    with open(os.path.join(VECTORS, relative), encoding="utf-8") as f:
        return json.load(f)


KEYS = load("keys.json")
SCENARIOS = [s for s in load("scenarios.json")["scenarios"] if not s["network"]]
PLAINTEXT = load("plaintext.json")


def key_param(name):
    return {"ref": "env:" + name, "encoding": "base64"}


def materials_json(scenario):
    """The catalog's `materials` for a scenario (or its MetaStore)."""
    provider = scenario["provider"]
    keys = scenario.get("keys", {})
    if provider == "static":
        return {"provider": "static", "encryption_key": key_param(keys["decrypt"]),
                "signing_key": key_param(keys["verify"])}
    if provider == "wrapped":
        return {"provider": "wrapped", "unwrapping_key": key_param(keys["decrypt"]),
                "verification_key": key_param(keys["verify"])}
    if provider == "most_recent":
        return {"provider": "most-recent",
                "metastore_table": scenario["metastore"]["table_name"],
                "material_name": scenario["material_name"],
                "materials": materials_json(scenario["metastore"])}
    raise AssertionError("provider " + provider)


def plaintext_tables(version):
    """{table: (key names, key types, [(attributes, action name)])}."""
    tables = {}
    for table, t in PLAINTEXT["items"].items():
        names = [t["index"]["partition"]] + ([t["index"]["sort"]] if "sort" in t["index"] else [])
        types = [t["index_types"]["partition"]] + (
            [t["index_types"]["sort"]] if "sort" in t["index"] else [])
        items = []
        for entry in t["items"]:
            attrs = dict(entry["attributes"])
            if not entry.get("exact", False):
                for group in PLAINTEXT["versions"].get(table, {}).get(version, []):
                    attrs.update(PLAINTEXT["attributes"][group])
            items.append((attrs, entry["action"]))
        tables[table] = (names, types, items)
    return tables


def actions_json(action_name):
    a = PLAINTEXT["actions"][action_name]
    return {"default": a["default"], "attributes": a.get("override", {})}


def key_of(item, names):
    return tuple(json.dumps(item[n], sort_keys=True) for n in names)


def plain(value):
    """A DynamoDB value as SQL shows it inside JSON (M, L, the item column)."""
    (t, v), = value.items()
    if t == "S":
        return v
    if t == "N":
        return Decimal(v)
    if t == "B":
        return v  # base64, as the vectors hold it
    if t == "BOOL":
        return v
    if t == "NULL":
        return None
    if t == "M":
        return {k: plain(x) for k, x in v.items()}
    if t == "L":
        return [plain(x) for x in v]
    if t in ("SS", "BS"):
        return sorted(v)
    if t == "NS":
        return sorted(Decimal(x) for x in v)
    raise AssertionError(t)


to_boto = cli_support.to_boto


def loads(text):
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


class ItemEncryptionTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_s3(cls)
        cls.key_id = cli_support.new_key_id("itemenc")
        cls.secret = cli_support.new_secret()
        cls.ddb = cli_support.boto_client(cls.url, cls.key_id, cls.secret)

    def setUp(self):
        super().setUp()
        self.tables = []
        self.addCleanup(self.drop_tables)

    def drop_tables(self):
        for name in self.tables:
            try:
                self.ddb.delete_table(TableName=name)
            except Exception:  # noqa: BLE001 - best effort
                pass

    def make_table(self, name, names, types, items):
        """(Re)creates `name` holding `items` (wire JSON)."""
        try:
            self.ddb.delete_table(TableName=name)
        except self.ddb.exceptions.ResourceNotFoundException:
            pass
        schema = [{"AttributeName": names[0], "KeyType": "HASH"}]
        if len(names) > 1:
            schema.append({"AttributeName": names[1], "KeyType": "RANGE"})
        self.ddb.create_table(
            TableName=name, KeySchema=schema, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t}
                                  for n, t in zip(names, types)])
        if name not in self.tables:
            self.tables.append(name)
        for item in items:
            self.ddb.put_item(TableName=name, Item={k: to_boto(v) for k, v in item.items()})

    def load_metastore(self, scenario):
        if scenario["provider"] != "most_recent":
            return
        meta = scenario["metastore"]
        items = [i for t in load(meta["ciphertext"][len("file://"):]).values() for i in t]
        self.make_table(meta["table_name"], ["N", "V"], ["S", "N"], items)

    def env(self, **extra):
        values = dict(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                      AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url)
        for name, k in KEYS.items():
            if "material" in k:
                values[name] = k["material"]
        values.update(extra)
        return self.base_env(**values)

    def write_catalog(self, table, materials, actions):
        path = os.path.join(self.home, "catalog-" + uuid.uuid4().hex[:8] + ".json")
        doc = {"tables": {table: {"item_encryption": {
            "scheme": "aws-dynamodb-encryption-client", "materials": materials,
            "actions": actions}}}}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        return path

    def ddbsql(self, catalog, *args, env=None):
        return self.run_cli(["--catalog", catalog, *args], env or self.env())

    def select_json(self, catalog, sql, *pre):
        argv = []
        for command in pre:
            argv += ["-c", command]
        r = self.ddbsql(catalog, "-json", *argv, "-c", sql)
        return r, (json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else [])

    def check_sql_value(self, where, value, got_type, got):
        """`got` (typeof, and the value as -json shows it) is `value` as SQL maps it."""
        (t, v), = value.items()
        if t == "S":
            self.assertEqual((got_type, got), ("text", v), where)
        elif t == "N":
            self.assertIn(got_type, ("integer", "real", "text"), where)
            self.assertEqual(Decimal(str(got)), Decimal(v), where)
        elif t == "B":
            self.assertEqual(got_type, "blob", where)
            self.assertEqual(bytes.fromhex(got), base64.b64decode(v), where)
        elif t == "BOOL":
            self.assertEqual((got_type, got), ("integer", int(v)), where)
        elif t == "NULL":
            self.assertEqual(got_type, "null", where)
        else:
            self.assertEqual(got_type, "text", where)
            self.assertEqual(plain_sorted(loads(got), t), plain(value), where)

    def check_table(self, catalog, table, names, expected):
        """Every item of `table` read back equals `expected` ({key: attrs})."""
        attributes = sorted({a for attrs in expected.values() for a in attrs})
        cols = ", ".join(f'typeof("{a}") AS "t:{a}", '
                         f'CASE typeof("{a}") WHEN \'blob\' THEN hex("{a}") ELSE "{a}" END '
                         f'AS "v:{a}"' for a in attributes)
        r, rows = self.select_json(catalog, f'SELECT {cols}, item FROM "{table}"')
        self.assert_ok(r)
        self.assertEqual(len(rows), len(expected), r)
        for row in rows:
            item = loads(row["item"])
            self.assertNotIn(SIG, item)
            self.assertNotIn(DESC, item)
            key = next((k for k in expected
                        if all(plain(json.loads(part)) == item[n] for part, n in zip(k, names))),
                       None)
            self.assertIsNotNone(key, (table, item))
            attrs = expected[key]
            self.assertEqual(sorted(item), sorted(attrs), (table, key))
            for a in attributes:
                where = (table, key, a)
                if a not in attrs:
                    self.assertEqual(row["t:" + a], "null", where)
                    continue
                if a == "version":
                    # The Java mapper bumps "version" when it saves (the
                    # client's own harness skips its value too): its type.
                    self.assertIn(row["t:" + a], ("integer", "real"), where)
                    continue
                self.check_sql_value(where, attrs[a], row["t:" + a], row["v:" + a])
                (t, _), = attrs[a].items()
                self.assertEqual(plain_sorted(item[a], t), plain(attrs[a]), where)
        # Sampling saw the plain items: no reserved attribute is a column.
        r = self.ddbsql(catalog, "-c", f'SELECT * FROM "{table}" LIMIT 1')
        self.assert_ok(r)
        self.assertNotIn("amzn-ddb", r.stdout)

    def test_every_offline_scenario_reads_back_the_plaintext(self):
        checked = 0
        for scenario in SCENARIOS:
            with self.subTest(ciphertext=scenario["ciphertext"]):
                self.load_metastore(scenario)
                stored = load(scenario["ciphertext"][len("file://"):])
                for table, (names, types, items) in plaintext_tables(scenario["version"]).items():
                    by_key = {key_of(i, names): i for i in stored.get(table, [])}
                    if not by_key:
                        continue
                    # One catalog declares one set of actions: each action
                    # set's items are read from the table alone.
                    for action in sorted({a for _, a in items}):
                        # As the client's harness: no ciphertext, no check.
                        group = [attrs for attrs, a in items
                                 if a == action and key_of(attrs, names) in by_key]
                        expected = {key_of(attrs, names): attrs for attrs in group}
                        self.make_table(table, names, types, [by_key[k] for k in expected])
                        catalog = self.write_catalog(table, materials_json(scenario),
                                                     actions_json(action))
                        self.check_table(catalog, table, names, expected)
                        checked += len(expected)
        # 18 scenarios (Python and Java) of 16 items, as the reader's test.
        self.assertEqual(checked, 18 * 16)

    def static_table(self):
        """TableName with the 'encrypt' items of static-aes-hmac-1 (Python);
        returns (catalog, names, stored items)."""
        scenario = SCENARIOS[0]
        self.assertEqual(scenario["provider"], "static")
        names, types, items = plaintext_tables(scenario["version"])["TableName"]
        stored = {key_of(i, names): i
                  for i in load(scenario["ciphertext"][len("file://"):])["TableName"]}
        group = [stored[key_of(attrs, names)] for attrs, a in items if a == "encrypt"]
        self.make_table("TableName", names, types, group)
        catalog = self.write_catalog("TableName", materials_json(scenario),
                                     actions_json("encrypt"))
        return catalog, names, group

    def test_a_tampered_attribute_fails_naming_table_and_key(self):
        catalog, names, group = self.static_table()
        bad = dict(group[0])
        bad["version"] = {"N": "7"}  # signed, not encrypted
        self.ddb.put_item(TableName="TableName", Item={k: to_boto(v) for k, v in bad.items()})
        r = self.ddbsql(catalog, "-c", 'SELECT count(*) FROM "TableName"')
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("table TableName", r.stderr)
        self.assertIn('"hashKey":' + bad["hashKey"]["N"], r.stderr.replace(" ", ""))
        self.assertIn("signature", r.stderr)
        self.assertNotIn(KEYS["aesKey"]["material"], r.stderr)
        # .verify warn: reported, left out, counted.
        r = self.ddbsql(catalog, "-c", ".verify warn", "-c", ".stats on", "-c",
                        'SELECT count(*) FROM "TableName"')
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout.split()[0], str(len(group) - 1), r)
        self.assertIn("skipped (.verify warn): table TableName", r.stderr)
        self.assertIn(f"item_encryption: {len(group) - 1} items verified and decrypted, "
                      "1 skipped", r.stderr)
        r = self.ddbsql(catalog, "-c", ".verify")
        self.assertEqual(r.stdout, "error\n", r)

    def test_a_wrong_key_fails(self):
        catalog, names, group = self.static_table()
        env = self.env(hmacKey=base64.b64encode(b"\x01" * 32).decode())
        r = self.ddbsql(catalog, "-c", 'SELECT count(*) FROM "TableName"', env=env)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("table TableName, item", r.stderr)
        self.assertIn("signature", r.stderr)

    def test_item_encryption_in_a_tables_own_catalog_argument_is_refused(self):
        # Read only from the session's catalog: a table's catalog= holding it
        # would otherwise have been left out, reading ciphertexts as values.
        catalog, names, group = self.static_table()
        with open(catalog, encoding="utf-8") as f:
            inline = json.dumps(json.load(f)["tables"]["TableName"])
        for argument in (catalog, inline):
            r = self.run_cli(["-c", "CREATE VIRTUAL TABLE temp.t USING dynamodb(table='TableName', "
                              f"catalog='{argument}'); SELECT count(*) FROM t;"], self.env())
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("item_encryption is read from the session's catalog", r.stderr)
            self.assertEqual(r.stdout, "", r)

    def test_another_tables_name_fails(self):
        scenario = SCENARIOS[0]
        names, types, items = plaintext_tables(scenario["version"])["TableName"]
        stored = load(scenario["ciphertext"][len("file://"):])["TableName"]
        group = {key_of(attrs, names) for attrs, a in items if a == "encrypt"}
        self.make_table("OtherName", names, types,
                        [i for i in stored if key_of(i, names) in group])
        catalog = self.write_catalog("OtherName", materials_json(scenario),
                                     actions_json("encrypt"))
        r = self.ddbsql(catalog, "-c", 'SELECT count(*) FROM "OtherName"')
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("table OtherName, item", r.stderr)

    def test_where_on_an_encrypted_attribute_is_left_to_sqlite(self):
        catalog, names, group = self.static_table()
        # stringValue is encrypted under "encrypt": no FilterExpression on it.
        sql = ('SELECT "hashKey", "rangeKey" FROM "TableName" '
               "WHERE \"stringValue\" = 'Hello world!' ORDER BY 1, 2")
        r = self.ddbsql(catalog, "-csv", "-c", sql)
        self.assert_ok(r)
        with_value = sorted((int(i["hashKey"]["N"]), int(i["rangeKey"]["N"])) for i in group
                            if "stringValue" in i)
        self.assertEqual(r.stdout.split(), [f"{h},{k}" for h, k in with_value])
        self.assertGreater(len(with_value), 0)
        plan = self.ddbsql(catalog, "-c", "EXPLAIN QUERY PLAN " + sql)
        self.assert_ok(plan)
        self.assertNotIn("filter=", plan.stdout)
        # DynamoDB returned every item (a FilterExpression on the ciphertext
        # would have returned none); SQLite kept the matching ones.
        r = self.ddbsql(catalog, "-c", ".stats on", "-c", sql)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn(f"items scanned: {len(group)}  returned: {len(group)}  "
                      f"rows: {len(with_value)}", r.stderr)
        # A signed ("sign") attribute may still be filtered by DynamoDB.
        plan = self.ddbsql(catalog, "-c",
                           'EXPLAIN QUERY PLAN SELECT * FROM "TableName" WHERE "version" = 0')
        self.assert_ok(plan)
        self.assertIn("filter=", plan.stdout)
        r = self.ddbsql(catalog, "-csv", "-c",
                        'SELECT count(*) FROM "TableName" WHERE "version" = 0')
        self.assert_ok(r)
        self.assertEqual(r.stdout.strip(), str(sum(1 for i in group if "version" in i)))

    def test_key_lookups_and_queries_decrypt(self):
        catalog, names, group = self.static_table()
        r = self.ddbsql(catalog, "-list", "-c",
                        'SELECT "stringValue" FROM "TableName" WHERE "hashKey" = 5 '
                        'AND "rangeKey" = 7', "-c",
                        'SELECT count(*) FROM "TableName" WHERE "hashKey" = 0')
        self.assert_ok(r)
        self.assertEqual(r.stdout, "Hello world!\n3\n")

    # ---- writes (INSERT, REPLACE, UPDATE, DELETE re-encrypt and re-sign) ----

    WRITE_TABLE = "EncWrites"
    WRITE_ACTIONS = {"default": "encrypt", "attributes": {"version": "sign", "note": "nothing"}}
    COLUMNS = "id, secret, n, version, note"

    def write_providers(self):
        """(label, catalog materials that can write, the reader's materials,
        set-up) for each provider that works offline."""
        aes = base64.b64decode(KEYS["aesKey"]["material"])
        hmac_key = base64.b64decode(KEYS["hmacKey"]["material"])
        rsa = {n: reader.load_rsa(base64.b64decode(KEYS[n]["material"]))
               for n in ("rsaEncPriv", "rsaSignPub")}
        static = {"provider": "static", "encryption_key": key_param("aesKey"),
                  "signing_key": key_param("hmacKey")}
        most_recent = next(s for s in SCENARIOS if s["provider"] == "most_recent" and
                           s["metastore"]["provider"] == "static")
        meta = most_recent["metastore"]

        def get_meta_item(name, version):
            got = self.ddb.get_item(TableName=meta["table_name"], ConsistentRead=True,
                                    Key={"N": {"S": name}, "V": {"N": str(version)}})
            return from_boto(got["Item"])

        return [
            ("static", static, reader.static_materials(aes, hmac_key), lambda: None),
            ("wrapped-aes", {"provider": "wrapped", "wrapping_key": key_param("aesKey"),
                             "unwrapping_key": key_param("aesKey"),
                             "signing_key": key_param("hmacKey")},
             reader.wrapped_materials(aes, hmac_key), lambda: None),
            ("wrapped-rsa", {"provider": "wrapped", "wrapping_key": key_param("rsaEncPub"),
                             "unwrapping_key": key_param("rsaEncPriv"),
                             "signing_key": key_param("rsaSignPriv"),
                             "verification_key": key_param("rsaSignPub")},
             reader.wrapped_materials(rsa["rsaEncPriv"], rsa["rsaSignPub"]), lambda: None),
            ("most-recent", {"provider": "most-recent", "metastore_table": meta["table_name"],
                             "material_name": most_recent["material_name"],
                             "materials": static},
             reader.most_recent_materials(most_recent["material_name"], get_meta_item,
                                          meta["table_name"], reader.static_materials(
                                              aes, hmac_key)),
             lambda: self.load_metastore(most_recent)),
        ]

    def write_table(self, materials):
        self.make_table(self.WRITE_TABLE, ["id"], ["S"], [])
        return self.write_catalog(self.WRITE_TABLE, materials, self.WRITE_ACTIONS)

    def stored_items(self):
        return [from_boto(i) for i in
                self.ddb.scan(TableName=self.WRITE_TABLE, ConsistentRead=True)["Items"]]

    def read_with_reader(self, materials):
        """The table's items decrypted and verified by the format's reader:
        {id: (secret, n, version, note)}."""
        actions = reader.Actions("encrypt", {"version": "sign", "note": "nothing"}, ("id",))
        out = {}
        for item in self.stored_items():
            self.assertEqual(set(item[SIG]), {"B"})
            if "secret" in item:
                self.assertEqual(set(item["secret"]), {"B"}, item)  # encrypted
            if "note" in item:
                self.assertEqual(set(item["note"]), {"S"}, item)  # left alone
            p = reader.decrypt_item(item, self.WRITE_TABLE, actions, materials, ("id",))
            out[p["id"]["S"]] = tuple(
                (None if a not in p else
                 p[a].get("S", None) if "S" in p[a] else int(p[a]["N"]))
                for a in ("secret", "n", "version", "note"))
        return out

    SEED = ("INSERT INTO EncWrites (id, item) VALUES ('a', "
            "'{\"id\": \"a\", \"secret\": \"s1\", \"n\": 1, \"version\": 1, "
            "\"note\": \"x\"}');\n"
            "BEGIN;\nINSERT INTO EncWrites (id, item) VALUES ('b', "
            "'{\"id\": \"b\", \"secret\": \"s2\", \"n\": 2, \"version\": 1, "
            "\"note\": \"y\"}');\nCOMMIT;\n")
    SEED_PLAIN = ("INSERT INTO EncWrites VALUES ('a', 's1', 1, 1, 'x');\n"
                  "INSERT INTO EncWrites VALUES ('b', 's2', 2, 1, 'y');\n")
    # The same statements for ddbsql and for a plain SQLite table.
    STATEMENTS = (
        "INSERT INTO EncWrites (id, secret, n, version, note) VALUES ('c', 's3', 3, 1, 'z');\n"
        "REPLACE INTO EncWrites (id, secret, n, version, note) VALUES ('a', 's1b', 10, 2, 'x2');\n"
        "UPDATE EncWrites SET secret = secret || '!', n = n + 1 WHERE id = 'b';\n"
        "BEGIN;\n"
        "UPDATE EncWrites SET n = n * 2 WHERE id = 'c';\n"
        "REPLACE INTO EncWrites (id, secret, n, version, note) VALUES ('d', 's4', 4, 1, 'w');\n"
        "INSERT INTO EncWrites (id, secret, n) VALUES ('e', 's5', 5);\n"
        "UPDATE EncWrites SET secret = 'd!' WHERE id = 'd';\n"
        "SELECT id, secret, n FROM EncWrites WHERE id IN ('c', 'd', 'e') ORDER BY id;\n"
        "COMMIT;\n"
        "DELETE FROM EncWrites WHERE id = 'e';\n"
        "BEGIN;\nDELETE FROM EncWrites WHERE id = 'd';\n"
        "UPDATE EncWrites SET note = 'nn', version = version + 1 WHERE id = 'a';\nCOMMIT;\n"
        "UPDATE EncWrites SET secret = NULL WHERE id = 'c';\n"
        "SELECT id, secret, n, version, note FROM EncWrites ORDER BY id;\n")

    def test_writes_encrypt_and_sign_for_every_offline_provider(self):
        plain = sqlite3.connect(":memory:", isolation_level=None)
        plain.execute("CREATE TABLE EncWrites (id PRIMARY KEY, secret, n, version, note)")
        expected_out = []
        for statement in (self.SEED_PLAIN + self.STATEMENTS).split(";\n"):
            if statement.strip():
                rows = plain.execute(statement).fetchall()
                expected_out += [",".join("" if v is None else str(v) for v in r) for r in rows]
        expected = {r[0]: tuple(r[1:]) for r in plain.execute(
            "SELECT id, secret, n, version, note FROM EncWrites")}
        for label, materials, reader_materials, setup in self.write_providers():
            with self.subTest(provider=label):
                setup()
                catalog = self.write_table(materials)
                r = self.run_cli(["--catalog", catalog, "-bail"], self.env(), input=self.SEED)
                self.assert_ok(r)
                # The seed as the client reads it.
                self.assertEqual(self.read_with_reader(reader_materials),
                                 {"a": ("s1", 1, 1, "x"), "b": ("s2", 2, 1, "y")})
                r = self.run_cli(["--catalog", catalog, "-csv", "-bail"], self.env(),
                                 input=self.STATEMENTS)
                self.assert_ok(r)
                # Inside BEGIN the transaction's own writes read back plain;
                # then the table as the plain SQLite table holds it.
                self.assertEqual(r.stdout.split(), expected_out, r)
                self.assertEqual(self.read_with_reader(reader_materials), expected)
                r = self.run_cli(["--catalog", catalog, "-csv", "-c",
                                  f"SELECT {self.COLUMNS} FROM EncWrites ORDER BY id"], self.env())
                self.assert_ok(r)
                self.assertEqual(r.stdout.split(), expected_out[-len(expected):])

    def seeded_static_table(self):
        label, materials, reader_materials, _ = self.write_providers()[0]
        catalog = self.write_table(materials)
        self.assert_ok(self.run_cli(["--catalog", catalog, "-bail"], self.env(),
                                    input=self.SEED))
        return catalog, reader_materials

    def held_write(self, catalog, script, hold, between):
        """`script` in ddbsql behind a fault proxy holding its `hold` requests
        until `between()` has run (writes_test.py's held_write)."""
        proxy = cli_support.FaultProxy(self.url)
        self.addCleanup(proxy.stop)
        proxy.control("", {"plan": [], "hold": hold})
        result = {}
        thread = threading.Thread(target=lambda: result.update(r=self.run_cli(
            ["--catalog", catalog, "--endpoint-url", proxy.url], self.env(), input=script)))
        thread.start()
        try:
            log = proxy.wait_held(1)
            self.assertGreaterEqual(log["held"], 1, log)
            between()
        finally:
            proxy.control("/release")
            thread.join()
        return result["r"]

    def test_an_update_after_a_concurrent_change_is_refused(self):
        catalog, reader_materials = self.seeded_static_table()
        other = []
        r = self.held_write(
            catalog, "UPDATE EncWrites SET n = n + 100 WHERE id = 'a';\n", ["PutItem"],
            lambda: other.append(self.run_cli(
                ["--catalog", catalog, "-c", "UPDATE EncWrites SET n = 7 WHERE id = 'a'"],
                self.env())))
        self.assert_ok(other[0])
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("table EncWrites: 1 item was not written because it changed or was "
                      "deleted since the statement read it (", r.stderr)
        self.assertEqual(self.read_with_reader(reader_materials)["a"], ("s1", 7, 1, "x"))

    def test_a_delete_after_a_concurrent_change_is_refused(self):
        catalog, reader_materials = self.seeded_static_table()
        other = []
        r = self.held_write(
            catalog, "DELETE FROM EncWrites WHERE id = 'a';\n", ["DeleteItem"],
            lambda: other.append(self.run_cli(
                ["--catalog", catalog, "-c", "UPDATE EncWrites SET note = 'q' WHERE id = 'a'"],
                self.env())))
        self.assert_ok(other[0])
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("changed or was deleted since the statement read it", r.stderr)
        self.assertEqual(self.read_with_reader(reader_materials)["a"], ("s1", 1, 1, "q"))
        # Unchanged since read: removed.
        r = self.ddbsql(catalog, "-c", "DELETE FROM EncWrites WHERE id = 'a'")
        self.assert_ok(r)
        self.assertEqual(sorted(self.read_with_reader(reader_materials)), ["b"])

    def test_a_key_change_and_reserved_attributes_are_refused(self):
        catalog, reader_materials = self.seeded_static_table()
        before = self.read_with_reader(reader_materials)
        r = self.ddbsql(catalog, "-c", "UPDATE EncWrites SET id = 'z' WHERE id = 'a'")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("changing the key of an item of a table with item_encryption is not "
                      "supported", r.stderr)
        r = self.ddbsql(catalog, "-c", "INSERT INTO EncWrites (id, item) VALUES ('q', "
                        "'{\"id\": \"q\", \"*amzn-ddb-map-sig*\": \"x\"}')")
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(self.read_with_reader(reader_materials), before)

def from_boto(item):
    """A boto3 item as wire JSON (binary as base64 text)."""
    def value(v):
        (t, x), = v.items()
        if t == "B":
            return {"B": base64.b64encode(bytes(x)).decode()}
        if t == "BS":
            return {"BS": [base64.b64encode(bytes(b)).decode() for b in x]}
        if t == "M":
            return {"M": {k: value(y) for k, y in x.items()}}
        if t == "L":
            return {"L": [value(y) for y in x]}
        return v
    return {k: value(v) for k, v in item.items()}


def plain_sorted(value, dynamodb_type):
    """A value read back as JSON, sets sorted (DynamoDB keeps no order)."""
    if dynamodb_type in ("SS", "BS", "NS"):
        return sorted(value)
    return value


if __name__ == "__main__":
    cli_support.main()
