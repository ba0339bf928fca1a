#!/usr/bin/env python3
"""Names SQL would confuse: DynamoDB tells attribute and table names apart by
every byte, SQLite compares identifiers ignoring ASCII case. Each attribute
and each table gets a name of its own (vtab/sql_names.h), never another's
values; a name that stands for several is an error that names the columns
or tables to use instead, and writes through a renamed column write the
attribute it stands for.

Attributes are tested on DynamoDB Local; tables whose names differ only in
case on moto's server (DDBSQL_TEST_S3_URL serves DynamoDB too), as DynamoDB
Local refuses them.

Run: scripts/python.sh tests/names_test.py --ddbsql build/ddbsql
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

COLS = "case_cols"    # items with Name and name
KEYED = "case_key"    # key id, and an attribute ID
ITEMED = "case_item"  # an attribute named like the hidden column item
WRITES = "case_writes"

COLS_WARNING = (f"warning: table {COLS}: attributes Name and name differ only in case, which SQL "
                "names do not tell apart: they are columns Name_1 and name_0\n")


class CaseColumnsTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("names")
        cls.secret = cli_support.new_secret("names")
        cls.client = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        for table in (COLS, KEYED, ITEMED, WRITES):
            cli_support.create_table(cls.client, table)
        for table in (COLS, WRITES):
            cls.client.put_item(TableName=table, Item={
                "id": {"S": "a"}, "Name": {"S": "upper"}, "name": {"S": "lower"}})
            cls.client.put_item(TableName=table, Item={
                "id": {"S": "b"}, "name": {"S": "only lower"}})
        cls.client.put_item(TableName=KEYED, Item={"id": {"S": "k1"}, "ID": {"S": "upper id"}})
        cls.client.put_item(TableName=KEYED, Item={"id": {"S": "k2"}})
        cls.client.put_item(TableName=ITEMED, Item={"id": {"S": "x"}, "item": {"N": "5"}})

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL=self.url)

    def ddbsql(self, *statements, args=("-csv", "-header")):
        argv = list(args)
        for s in statements:
            argv += ["-c", s]
        return self.run_cli(argv, self.env())

    def test_each_attribute_has_a_column_of_its_own(self):
        r = self.ddbsql(f"SELECT * FROM {COLS} ORDER BY id",
                        f"SELECT count(*) AS n FROM {COLS} WHERE name_0 = 'lower'",
                        f"SELECT count(*) AS n FROM {COLS} WHERE \"Name_1\" = 'upper'",
                        f"SELECT id FROM {COLS} WHERE name_0 LIKE 'only%'")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "id,Name_1,name_0\na,upper,lower\nb,,\"only lower\"\n"
                                   "n\n1\nn\n1\nid\nb\n")
        # Warned once a session, however many statements use the table.
        self.assertEqual(r.stderr, COLS_WARNING)

    def test_the_shared_name_is_an_error_naming_the_columns(self):
        for where in ("name = 'lower'", "\"Name\" = 'upper'", "NAME IS NULL"):
            with self.subTest(where=where):
                r = self.ddbsql(f"SELECT count(*) FROM {COLS} WHERE {where}")
                self.assertEqual(r.returncode, 1, r)
                self.assertEqual(r.stdout, "")
                self.assertIn(f"(attributes Name and name of {COLS} differ only in case, which "
                              "SQL names do not tell apart: they are columns Name_1 and name_0)",
                              r.stderr)

    def test_filters_name_the_attribute_the_column_stands_for(self):
        r = self.ddbsql(f"EXPLAIN QUERY PLAN SELECT id FROM {COLS} WHERE name_0 = 'lower'",
                        args=("-list",))
        self.assertIn("filter=(name=?1)", r.stdout, r)
        r = self.ddbsql(f"EXPLAIN QUERY PLAN SELECT id FROM {COLS} WHERE \"Name_1\" = 'upper'",
                        args=("-list",))
        self.assertIn("filter=(Name=?1)", r.stdout, r)

    def test_a_key_beside_an_attribute_differing_in_case(self):
        r = self.ddbsql(f"SELECT count(*) FROM {KEYED} WHERE \"ID\" = 'upper id'")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f"(attributes ID and id of {KEYED} differ only in case, which SQL names do "
                      "not tell apart: they are columns ID_1_2 and id_0)", r.stderr)
        r = self.ddbsql(f"SELECT id_0, \"ID_1_2\" FROM {KEYED} WHERE \"ID_1_2\" = 'upper id'",
                        f"SELECT \"ID_1_2\" FROM {KEYED} WHERE id_0 = 'k1'",
                        f"SELECT count(*) FROM {KEYED} WHERE id_0 IN ('k1', 'k2')")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "id_0,ID_1_2\nk1,\"upper id\"\nID_1_2\n\"upper id\"\n"
                                   "count(*)\n2\n")
        # The key lookup names the key attribute.
        r = self.ddbsql(f"EXPLAIN QUERY PLAN SELECT * FROM {KEYED} WHERE id_0 = 'k1'",
                        args=("-list",))
        self.assertRegex(r.stdout, r"(GetItem key=\(id=\?1\)|filter=\(id=\?1\))")

    def test_an_attribute_named_item(self):
        r = self.ddbsql(f"SELECT id, item_0, item->>'item' AS j FROM {ITEMED}")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "id,item_0,j\nx,5,5\n")
        self.assertEqual(r.stderr, f"warning: table {ITEMED}: attribute item is column item_0 "
                                   "(the column item is the whole item)\n")

    def test_schema_shows_the_column_names(self):
        r = self.ddbsql(f".schema {COLS}", args=())
        self.assertEqual(r.returncode, 0, r)
        self.assertIn(f"/* {COLS}(id TEXT,Name_1 TEXT,name_0 TEXT,item HIDDEN) */", r.stdout)
        self.assertEqual(r.stderr, COLS_WARNING)

    def test_writes_through_a_renamed_column_write_its_attribute(self):
        r = self.ddbsql(f"UPDATE {WRITES} SET \"Name_1\" = 'UP' WHERE id = 'a'",
                        f"UPDATE {WRITES} SET name_0 = 'low' WHERE name_0 = 'only lower'",
                        f"INSERT INTO {WRITES}(id, \"Name_1\", name_0) VALUES ('c', 'C', 'c')",
                        f"INSERT INTO {WRITES}(id, name_0) VALUES ('d', 'd')",
                        f"DELETE FROM {WRITES} WHERE \"Name_1\" = 'C'")
        self.assertEqual(r.returncode, 0, r)
        items = {i["id"]["S"]: {k: v["S"] for k, v in i.items() if k != "id"}
                 for i in self.client.scan(TableName=WRITES, ConsistentRead=True)["Items"]}
        self.assertEqual(items, {"a": {"Name": "UP", "name": "lower"},
                                 "b": {"name": "low"},
                                 "d": {"name": "d"}})


MOTO_REGION = "eu-south-2"
UPPER = "Case_T"
LOWER = "case_t"
TABLE_HINT = ("(DynamoDB tables Case_T and case_t differ only in case, which SQL names do not "
              "tell apart: they are tables Case_T_1_6 and case_t_0)")


class CaseTablesTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = os.environ.get("DDBSQL_TEST_S3_URL")
        if not cls.url:
            if cli_support.emulators_required():
                raise AssertionError("DDBSQL_TEST_S3_URL is not set")
            raise unittest.SkipTest("DDBSQL_TEST_S3_URL is not set (moto serves DynamoDB)")
        cls.key_id = cli_support.new_key_id("tables")
        cls.secret = cli_support.new_secret("tables")
        cls.client = cli_support.boto_client(cls.url, cls.key_id, cls.secret, region=MOTO_REGION)
        for name, count in ((UPPER, 3), (LOWER, 5)):
            if name in cls.client.list_tables()["TableNames"]:
                cls.client.delete_table(TableName=name)
            cli_support.create_table(cls.client, name)
            for i in range(count):
                cls.client.put_item(TableName=name, Item={"id": {"S": f"{name}-{i}"}})
        names = cls.client.list_tables()["TableNames"]
        assert UPPER in names and LOWER in names, names

    @classmethod
    def tearDownClass(cls):
        for name in (UPPER, LOWER):
            cls.client.delete_table(TableName=name)

    def ddbsql(self, *statements):
        argv = []
        for s in statements:
            argv += ["-c", s]
        env = self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                            AWS_REGION=MOTO_REGION, AWS_ENDPOINT_URL_DYNAMODB=self.url)
        return self.run_cli(argv, env)

    def test_each_table_has_a_name_of_its_own(self):
        r = self.ddbsql(".tables", "SELECT count(*) FROM Case_T_1_6",
                        "SELECT count(*) FROM case_t_0", "SELECT min(id) FROM \"CASE_T_1_6\"",
                        ".indexes case%")
        self.assert_ok(r)
        self.assertEqual(r.stdout, "Case_T_1_6  case_t_0  \n3\n5\nCase_T-0\n"
                                   "Case_T_1_6: PRIMARY KEY (id HASH S)\n"
                                   "case_t_0: PRIMARY KEY (id HASH S)\n")

    def test_the_shared_name_is_an_error_naming_the_tables(self):
        for name in ("case_t", "\"Case_T\"", "ddb.case_t"):
            with self.subTest(name=name):
                r = self.ddbsql(f"SELECT count(*) FROM {name}")
                self.assertEqual(r.returncode, 1, r)
                self.assertEqual(r.stdout, "")
                self.assertIn(TABLE_HINT, r.stderr)

    def test_refresh_takes_either_name(self):
        r = self.ddbsql(".refresh case_t", ".refresh Case_T_1_6", "SELECT count(*) FROM case_t_0")
        self.assert_ok(r)
        self.assertEqual(r.stdout, "5\n")


if __name__ == "__main__":
    cli_support.main()
