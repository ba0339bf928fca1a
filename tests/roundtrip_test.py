#!/usr/bin/env python3
"""Round trip: items written by boto3 (a peer client) read back through
`ddbsql -csv -header` exactly as README "Tables and values" maps them.

Every attribute column is selected three ways: typeof(c), quote(c) (exact:
SQLite quotes a REAL with enough digits to read back as the same double) and
c itself (hex(c) for a BLOB, whose raw bytes CSV cannot show). The CSV is
parsed with Python's csv module and each value compared with what DynamoDB
returns to boto3; the hidden `item` column is compared with the item as plain
JSON, numbers as exact decimals. The same SELECT over a local SQLite table
holding the expected values, run by the sqlite3 shell, must print the same
bytes: `ddbsql -csv` output diffs clean against `sqlite3 -csv`.
"""

import base64
import csv
import decimal
import io
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

D = decimal.Decimal
decimal.getcontext().prec = 200  # exact arithmetic on 38-digit numbers

TABLE = "roundtrip"

# Numbers chosen around every boundary of the N mapping.
NUMBERS = [
    "0", "42", "-7", "100", "1.0",
    "9223372036854775807", "-9223372036854775808",  # int64 limits: INTEGER
    "9223372036854775808", "-9223372036854775809",  # one past: not a double's shortest digits
    "19.99", "0.1", "-0.5", "1E-5", "1.5E+100", "1E+20", "-1.23E-120", "1E-130",
    "0.12345678901234568",  # 17 significant digits, still the shortest of its double
    "0.10000000000000001",  # the same double as 0.1 but not the same decimal: TEXT
    "3.14159265358979323846",
    "12345678901234567890123456789012345678",  # 38 digits
    "-0.12345678901234567890123456789012345678",
    "9.9999999999999999999999999999999999999E+125",  # DynamoDB's largest
]

STRINGS = [
    "plain",
    "h\u00e9llo w\u00f6rld \u2014 \u65e5\u672c\u8a9e \U0001F389\U0001F44D\U0001F3FD",
    'say "hi", it\'s ""quoted""',
    "line1\nline2\r\nline3\ttab",
    "a,b,,c",
    " leading and trailing spaces ",
    "",
    "NULL",
    "back\\slash and \x01 control",
]

BLOBS = [b"\x00", b"\x00\x01\x02\xff\xfe\x00", b"plain ascii", bytes(range(256)), b""]


def av_n(text):
    return {"N": text}


def build_items():
    """The items, in DynamoDB's wire form, keyed by id."""
    items = []
    for i, s in enumerate(STRINGS):
        items.append({"id": {"S": f"s{i:02d}"}, "s": {"S": s}})
    for i, n in enumerate(NUMBERS):
        items.append({"id": {"S": f"n{i:02d}"}, "n": av_n(n)})
    for i, b in enumerate(BLOBS):
        items.append({"id": {"S": f"b{i:02d}"}, "b": {"B": b}})
    items += [
        {"id": {"S": "bool-true"}, "flag": {"BOOL": True}},
        {"id": {"S": "bool-false"}, "flag": {"BOOL": False}},
        {"id": {"S": "null"}, "nul": {"NULL": True}, "s": {"NULL": True}},
        {"id": {"S": "missing-everything"}},
        {"id": {"S": "doc-nested"},
         "m": {"M": {
             "name": {"S": "caf\u00e9 \"x\",\n\U0001F600"},
             "count": {"N": "12345678901234567890123456789012345678"},
             "small": {"N": "1E-130"},
             "ok": {"BOOL": True},
             "none": {"NULL": True},
             "raw": {"B": b"\x00\xff"},
             "zeta": {"L": [{"N": "1"}, {"S": "two"}, {"L": []}, {"M": {}}]},
             "Alpha": {"M": {"deep": {"M": {"deeper": {"SS": ["x", "y"]}}}}},
             "tags": {"SS": ["b", "a,c", "\u00e9"]},
             "nums": {"NS": ["1", "-2.5", "99999999999999999999999999999999999999"]},
             "bins": {"BS": [b"\x00", b"\x01\x02"]},
         }},
         "l": {"L": [{"S": "a"}, {"N": "-0.000001"}, {"BOOL": False}, {"NULL": True},
                     {"M": {"k": {"S": "v"}}}, {"B": b"\x00"}, {"L": [{"N": "3"}]}]}},
        {"id": {"S": "doc-empty"}, "m": {"M": {}}, "l": {"L": []}},
        {"id": {"S": "sets"},
         "ss": {"SS": ["plain", "with,comma", 'with "quotes"', "new\nline",
                       "\U0001F680 rocket"]},
         "ns": {"NS": ["0", "-1", "3.5", "12345678901234567890123456789012345678",
                       "1E-130", "9.9999999999999999999999999999999999999E+125"]},
         "bs": {"BS": [b"\x00", b"\x00\x00", b"\xff\x00\x01"]}},
        {"id": {"S": "sets-single"}, "ss": {"SS": ["only"]}, "ns": {"NS": ["7"]},
         "bs": {"BS": [b"x"]}},
        # One attribute whose type changes from item to item.
        {"id": {"S": "mixed-1"}, "mixed": {"S": "text"}},
        {"id": {"S": "mixed-2"}, "mixed": {"N": "2.5"}},
        {"id": {"S": "mixed-3"}, "mixed": {"B": b"\x00z"}},
        {"id": {"S": "mixed-4"}, "mixed": {"BOOL": True}},
        {"id": {"S": "mixed-5"}, "mixed": {"L": [{"S": "x"}]}},
        {"id": {"S": "mixed-6"}, "mixed": {"NS": ["1"]}},
        {"id": {"S": "mixed-7"}, "mixed": {"N": "12345678901234567890123456789012345678"}},
        # Attribute names that need quoting in SQL.
        {"id": {"S": "names"}, "with space": {"S": "sp"}, "dash-name": {"N": "5"},
         "\u00fcml\u00e4ut": {"S": "u"}},
        # Everything at once, so one row carries every type.
        {"id": {"S": "zz-all"}, "s": {"S": "all"}, "n": {"N": "1.25"}, "b": {"B": b"\x00a"},
         "flag": {"BOOL": True}, "nul": {"NULL": True}, "m": {"M": {"a": {"N": "1"}}},
         "l": {"L": [{"N": "1"}]}, "ss": {"SS": ["a"]}, "ns": {"NS": ["1"]},
         "bs": {"BS": [b"\x00"]}, "mixed": {"S": "all"}},
    ]
    return items


# ---- the documented mapping, written independently of ddbsql -------------

def expected_sql_value(av):
    """(SQLite type name, Python value) that README's mapping gives `av`;
    JSON columns give ("text", None) and are compared as JSON separately."""
    (t, v), = av.items()
    if t == "S":
        return "text", v
    if t == "N":
        d = D(v)
        if d == d.to_integral_value() and -(2 ** 63) <= d < 2 ** 63:
            return "integer", int(d)
        f = float(d)
        if math.isfinite(f) and D(repr(f)) == d:
            return "real", f
        return "text", v
    if t == "B":
        return "blob", bytes(v)
    if t == "BOOL":
        return "integer", 1 if v else 0
    if t == "NULL":
        return "null", None
    return "text", None  # M, L, SS, NS, BS: JSON text


def tagged(av):
    """`av` as the plain JSON README promises, with every scalar tagged by
    its JSON type (so that true and 1 differ) and set members sorted (sets
    have no order)."""
    (t, v), = av.items()
    if t == "S":
        return ("str", v)
    if t == "N":
        return ("num", D(v))
    if t == "B":
        return ("str", base64.b64encode(bytes(v)).decode("ascii"))
    if t == "BOOL":
        return ("bool", v)
    if t == "NULL":
        return ("null", None)
    if t == "M":
        return ("obj", {k: tagged(x) for k, x in v.items()})
    if t == "L":
        return ("arr", [tagged(x) for x in v])
    if t == "SS":
        return ("set", sorted(("str", x) for x in v))
    if t == "NS":
        return ("set", sorted(("num", D(x)) for x in v))
    if t == "BS":
        return ("set", sorted(("str", base64.b64encode(bytes(x)).decode("ascii")) for x in v))
    raise AssertionError(f"unknown type {t}")


def tagged_actual(value, like):
    """ddbsql's parsed JSON `value`, tagged the same way; `like` is the
    expected tagged value, which says where the sets are."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, D):
        return ("num", value)
    if isinstance(value, str):
        return ("str", value)
    if value is None:
        return ("null", None)
    if isinstance(value, dict):
        sub = like[1] if like and like[0] == "obj" else {}
        return ("obj", {k: tagged_actual(x, sub.get(k)) for k, x in value.items()})
    if isinstance(value, list):
        if like and like[0] == "set":
            return ("set", sorted(tagged_actual(x, None) for x in value))
        sub = like[1] if like and like[0] == "arr" else []
        return ("arr", [tagged_actual(x, sub[i] if i < len(sub) else None)
                        for i, x in enumerate(value)])
    raise AssertionError(f"unexpected JSON value {value!r}")


def parse_json(text):
    """Parses ddbsql's JSON with exact numbers; asserts object keys come in
    byte order and appear once."""

    def pairs(kv):
        keys = [k for k, _ in kv]
        if keys != sorted(keys, key=lambda k: k.encode("utf-8")) or len(set(keys)) != len(keys):
            raise AssertionError(f"object keys not unique and in byte order: {keys}")
        return dict(kv)

    return json.loads(text, parse_float=D, parse_int=D, object_pairs_hook=pairs)


def sqlite_text_of_real(f):
    """How SQLite renders a REAL in CSV (sqlite3_column_text, "%!.15g")."""
    s = "%.15g" % f
    mantissa, _, exponent = s.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + ("e" + exponent if exponent else "")


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


class RoundTripTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.key_id = cli_support.new_key_id("roundtrip")
        cls.secret = cli_support.new_secret("roundtrip")
        client = cli_support.boto_client(cls.url, cls.key_id, cls.secret)
        cli_support.create_table(client, TABLE)
        cls.written = build_items()
        for item in cls.written:
            client.put_item(TableName=TABLE, Item=item)
        # What DynamoDB holds, as boto3 reads it back (numbers in DynamoDB's
        # canonical text): the reference every column is compared with.
        stored = []
        kwargs = {"TableName": TABLE, "ConsistentRead": True}
        while True:
            page = client.scan(**kwargs)
            stored += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        cls.stored = {item["id"]["S"]: item for item in stored}
        cls.attributes = sorted({a for item in stored for a in item} - {"id"})

        cls.dash_table, cls.dot_table = "table-with-dash", "table.with.dot"
        for name, count in ((cls.dash_table, 3), (cls.dot_table, 5)):
            cli_support.create_table(client, name, key="k", key_type="N")
            for i in range(count):
                client.put_item(TableName=name, Item={"k": {"N": str(i)}, "v": {"S": name}})

    def env(self):
        return self.base_env(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                             AWS_REGION=cli_support.REGION, AWS_ENDPOINT_URL=self.url)

    def ddbsql_csv(self, sql):
        result = self.run_cli(["-csv", "-header", "-c", sql], self.env())
        self.assert_ok(result)
        # Strict UTF-8: every text column holds valid UTF-8, blobs are hex.
        text = result.stdout_bytes.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        return result.stdout_bytes, rows[0], rows[1:]

    def test_the_items_were_stored_as_written(self):
        # Guards the fixture itself: DynamoDB keeps what boto3 wrote.
        self.assertEqual(set(self.stored), {i["id"]["S"] for i in self.written})
        self.assertIn("mixed", self.attributes)

    def test_select_star_columns(self):
        _, header, rows = self.ddbsql_csv(f"SELECT * FROM {TABLE} ORDER BY id")
        self.assertEqual(header[0], "id")
        self.assertEqual(sorted(header[1:]), self.attributes)
        self.assertNotIn("item", header)  # hidden
        self.assertEqual([r[0] for r in rows], sorted(self.stored))

    def test_every_column_value(self):
        selects = ["id"]
        for a in self.attributes:
            c = quote_ident(a)
            selects += [f"typeof({c})", f"quote({c})",
                        f"CASE typeof({c}) WHEN 'blob' THEN hex({c}) ELSE {c} END"]
        sql = f"SELECT {', '.join(selects)} FROM {TABLE} ORDER BY id"
        raw, header, rows = self.ddbsql_csv(sql)
        self.assertEqual(len(header), 1 + 3 * len(self.attributes))
        self.assertEqual([r[0] for r in rows], sorted(self.stored))
        checked = 0
        for row in rows:
            self.assertEqual(len(row), len(header), row)
            item = self.stored[row[0]]
            for j, a in enumerate(self.attributes):
                typ, quoted, shown = row[1 + 3 * j: 4 + 3 * j]
                with self.subTest(id=row[0], attribute=a):
                    self.check_value(item.get(a), typ, quoted, shown)
                    checked += item.get(a) is not None
        self.assertEqual(checked, sum(len(i) - 1 for i in self.stored.values()))
        self.check_against_sqlite3(sql, raw)

    def check_value(self, av, typ, quoted, shown):
        if av is None:  # a missing attribute is NULL
            self.assertEqual((typ, quoted, shown), ("null", "NULL", ""))
            return
        want_type, want = expected_sql_value(av)
        self.assertEqual(typ, want_type, f"{av} -> {shown!r}")
        kind = next(iter(av))
        if want_type == "null":
            self.assertEqual((quoted, shown), ("NULL", ""))
        elif want_type == "integer":
            self.assertEqual(shown, str(want))
            self.assertEqual(quoted, str(want))
        elif want_type == "real":
            # quote() keeps every bit of the double; CSV shows 15 digits.
            self.assertEqual(float(quoted), want, f"{av} -> quote {quoted}")
            self.assertEqual(shown, sqlite_text_of_real(want), av)
        elif want_type == "blob":
            self.assertEqual(shown, want.hex().upper())
            self.assertEqual(quoted, "X'" + want.hex().upper() + "'")
        elif kind in ("S", "N"):
            self.assertEqual(shown, want)
            self.assertEqual(quoted, "'" + want.replace("'", "''") + "'")
            if kind == "N":  # the exact decimal: all 38 digits
                self.assertEqual(D(shown), D(av["N"]))
        else:  # M, L and sets: JSON text
            expected = tagged(av)
            self.assertEqual(tagged_actual(parse_json(shown), expected), expected, shown)
            self.assertEqual(quoted, "'" + shown.replace("'", "''") + "'")

    def check_against_sqlite3(self, sql, ddbsql_output):
        """The sqlite3 shell prints the same CSV for a local table holding the
        values ddbsql should produce (JSON texts as ddbsql made them, checked
        above)."""
        sqlite3_bin = shutil.which("sqlite3")
        if not sqlite3_bin:
            return  # setup.sh installs it; without it only this cross-check is lost
        rows = list(csv.reader(io.StringIO(ddbsql_output.decode("utf-8"), newline="")))[1:]
        json_texts = {}
        for row in rows:
            for j, a in enumerate(self.attributes):
                json_texts[(row[0], a)] = row[3 + 3 * j]
        tmp = tempfile.mkdtemp(prefix="ddbsql-roundtrip-")
        self.addCleanup(shutil.rmtree, tmp, True)
        db_path = os.path.join(tmp, "local.db")
        db = sqlite3.connect(db_path)
        columns = ", ".join(quote_ident(c) for c in ["id"] + self.attributes)
        db.execute(f"CREATE TABLE {TABLE}({columns})")  # no affinity: values keep their types
        for key, item in self.stored.items():
            values = [key]
            for a in self.attributes:
                av = item.get(a)
                if av is None:
                    values.append(None)
                    continue
                typ, v = expected_sql_value(av)
                values.append(json_texts[(key, a)] if v is None and typ == "text" else v)
            db.execute(f"INSERT INTO {TABLE} VALUES ({', '.join('?' * len(values))})", values)
        db.commit()
        db.close()
        proc = subprocess.run([sqlite3_bin, "-csv", "-header", db_path, sql],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(ddbsql_output, proc.stdout)

    def test_item_column_is_the_whole_item(self):
        _, header, rows = self.ddbsql_csv(f"SELECT id, item FROM {TABLE} ORDER BY id")
        self.assertEqual(header, ["id", "item"])
        self.assertEqual(len(rows), len(self.stored))
        for key, text in rows:
            with self.subTest(id=key):
                expected = tagged({"M": self.stored[key]})
                self.assertEqual(tagged_actual(parse_json(text), expected), expected, text)

    def test_json_extract_reaches_nested_attributes(self):
        _, _, rows = self.ddbsql_csv(
            "SELECT json_extract(item, '$.m.Alpha.deep.deeper[0]'), "
            "json_extract(m, '$.count'), json_extract(item, '$.l[4].k') "
            f"FROM {TABLE} WHERE id = 'doc-nested'")
        self.assertEqual(len(rows), 1)
        deeper, count, k = rows[0]
        self.assertIn(deeper, ("x", "y"))
        self.assertEqual(k, "v")
        # json_extract turns a 38-digit number into a REAL: only its value
        # survives, as SQLite does for local JSON.
        self.assertAlmostEqual(float(count), 1.2345678901234568e37, delta=1e23)

    def test_count_of_tables_with_dash_and_dot(self):
        for name, count in ((self.dash_table, 3), (self.dot_table, 5)):
            with self.subTest(table=name):
                _, header, rows = self.ddbsql_csv(f'SELECT count(*), min(v) FROM "{name}"')
                self.assertEqual(rows, [[str(count), name]])
        result = self.run_cli(["-c", ".tables"], self.env())
        self.assert_ok(result)
        self.assertEqual(result.stdout.split(), sorted([TABLE, self.dash_table, self.dot_table]))


if __name__ == "__main__":
    cli_support.main()
