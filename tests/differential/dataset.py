"""The data set of the differential test, and how ddbsql presents its values.

Everything here is deterministic (one fixed seed), so a failure reproduces.

Two DynamoDB tables:

  orders     pk S (HASH), sk N (RANGE); a few thousand items in ~95 partitions
             GSI gsi_status: status S (HASH), created N (RANGE), projection ALL
             LSI lsi_score:  pk (HASH), score N (RANGE), projection INCLUDE title, qty
  customers  cid S (HASH); a few hundred items

Items are written in DynamoDB's wire form (the low-level client's
{"S": ...}/{"N": ...} dicts), so number spellings reach DynamoDB exactly as
written here ("19.990", "1E2", "+5"): canonicalizing them is DynamoDB's job,
and the expected side is built from what DynamoDB gives back.

The SQL side of a value follows README.md "Tables and values": S TEXT; N an
INTEGER when integral within int64, else a REAL when the double's shortest
repr is the same number, else TEXT holding DynamoDB's decimal; B BLOB; BOOL
1/0; NULL or missing NULL; M, L and sets compact JSON (map keys in byte order,
numbers as DynamoDB's text, binaries in base64, non-ASCII kept); `item` the
whole item as such JSON.
"""

import base64
import decimal
import json
import math
import random
import re

SEED = 20240611

ORDERS = "orders"
CUSTOMERS = "customers"

# Numbers of every shape, as written to DynamoDB (not all canonical).
NUMBER_SHAPES = [
    "0", "1", "-1", "7", "42", "-42", "100", "007", "+5", "-0", "1E2", "2.50",
    "19.99", "19.990", "0.1", "0.10", "0.2", "0.30000000000000004", "-3.75", "1.5",
    "3.141592653589793", "2.718281828459045235360287471352662497",
    "9223372036854775807", "-9223372036854775808", "9223372036854775808",
    "-9223372036854775809", "18446744073709551616", "9007199254740993",
    "12345678901234567890123456789012345678", "-12345678901234567890123456789012345678",
    "0.12345678901234567890123456789012345678", "1e-30", "-1e-30", "1E-130", "1e100",
    "-1e100", "1e20", "1e21", "123e-5",
    "9.9999999999999999999999999999999999999E+125", "0.000001", "1000000", "99.5",
]

WORDS = [
    "abc", "ABC", "Abc", "abcdef", "ABCDEF", "abc%def", "abc_def", "a_c", "a%c", "xabc",
    "café", "CAFÉ", "Café crème", "naïve", "Ünïcødé ✓", "日本語", "中文字符", "한국어",
    "😀 emoji", "🎉🎉", "Ωmega", "ÀBC", "àbc", "", " ", "123", "0123", "1e3", " 42",
    "-7", "3.14", "x*y", "q?", "[br]", "line\nbreak", "comma,here", 'say "hi"',
    "apo'strophe", "tab\there", "back\\slash", "zeta", "Zeta", "omega", "mixed Case",
    "trailing ", "NULL", "null", "true", "0x10", "5", "05", "5.0",
]

STATUSES = ["open", "shipped", "cancelled", "returned", "Open", "ÉTÉ"]
COUNTRIES = ["FR", "DE", "JP", "US", "BR", "fr", "", "ÖS", "日本"]

# Sort keys of the "edge" partition: every shape a number key can take,
# including ones SQLite can only hold as TEXT.
EDGE_SORT_KEYS = [
    "-12345678901234567890123456789012345678", "-1e100", "-9223372036854775809",
    "-9223372036854775808", "-1000", "-1.5", "-1", "-1e-30", "0", "1e-30", "0.1",
    "0.30000000000000004", "0.12345678901234567890123456789", "1", "2", "2.5", "5",
    "19.99", "100", "9007199254740993", "9223372036854775807", "9223372036854775808",
    "1e20", "12345678901234567890123456789012345678", "1e100",
    "9.9999999999999999999999999999999999999E+125",
]

# Partition keys beyond cust#NNNN: ones that look like numbers, differ only by
# case, hold LIKE/GLOB metacharacters or non-ASCII.
ODD_PARTITIONS = ["5", "05", "5.0", "-7", "ABC", "abc", "Abc-1", "a%b", "a_b", "x*y",
                  "ünï", "日本", "🎉", "café", "CAFÉ", "line\nbreak", "quote'd"]


def orders_table():
    """CreateTable arguments of the orders table."""
    return {
        "TableName": ORDERS,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "created", "AttributeType": "N"},
            {"AttributeName": "score", "AttributeType": "N"},
        ],
        "GlobalSecondaryIndexes": [{
            "IndexName": "gsi_status",
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                          {"AttributeName": "created", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
        "LocalSecondaryIndexes": [{
            "IndexName": "lsi_score",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "score", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title", "qty"]},
        }],
        "BillingMode": "PAY_PER_REQUEST",
    }


def customers_table():
    """CreateTable arguments of the customers table."""
    return {
        "TableName": CUSTOMERS,
        "KeySchema": [{"AttributeName": "cid", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "cid", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def _n(text):
    return {"N": text}


def _s(text):
    return {"S": text}


def _number(rng):
    return rng.choice(NUMBER_SHAPES)


def _bytes(rng, n):
    return bytes(rng.choice([0, 0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)]) for _ in range(n))


def _any_value(rng, depth):
    """A value of any type, documents nested at most `depth` deep."""
    kind = rng.choice(["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"]
                      if depth > 0 else ["S", "N", "B", "BOOL", "NULL"])
    if kind == "S":
        return _s(rng.choice(WORDS))
    if kind == "N":
        return _n(_number(rng))
    if kind == "B":
        return {"B": _bytes(rng, rng.randrange(0, 6))}
    if kind == "BOOL":
        return {"BOOL": rng.random() < 0.5}
    if kind == "NULL":
        return {"NULL": True}
    if kind == "M":
        return {"M": _map(rng, depth - 1)}
    if kind == "L":
        return {"L": [_any_value(rng, depth - 1) for _ in range(rng.randrange(0, 4))]}
    return _set(rng, kind)


def _set(rng, kind):
    size = rng.randrange(1, 5)
    if kind == "SS":
        return {"SS": sorted(set(rng.choice([w for w in WORDS if w]) for _ in range(size)))}
    if kind == "NS":
        # Numerically distinct members: DynamoDB rejects "1" and "1.0" together.
        members = {}
        for _ in range(size):
            t = _number(rng)
            members.setdefault(decimal.Decimal(t), t)
        return {"NS": list(members.values())}
    members = {_bytes(rng, rng.randrange(1, 5)) for _ in range(size)}
    return {"BS": sorted(members)}


def _map(rng, depth):
    keys = ["a", "b", "c", "Z", "é", "日", "x.y", "with space", "n"]
    out = {}
    for k in rng.sample(keys, rng.randrange(0, 5)):
        out[k] = _any_value(rng, depth)
    return out


def _doc(rng):
    """The `doc` map: a fixed shape json_extract can rely on, some parts missing."""
    d = {"n": _n(str(rng.randrange(0, 50))), "kind": _s(rng.choice(["x", "y", "z", "X"]))}
    if rng.random() < 0.7:
        d["amount"] = _n(_number(rng))
    if rng.random() < 0.6:
        d["inner"] = {"M": {"word": _s(rng.choice(WORDS)),
                            "list": {"L": [_n(str(rng.randrange(10))) for _ in range(3)]}}}
    if rng.random() < 0.3:
        d["extra"] = _any_value(rng, 2)
    return d


def _order_item(rng, pk, sk):
    item = {"pk": _s(pk), "sk": _n(sk)}
    r = rng.random
    if r() < 0.85:
        item["status"] = _s(rng.choice(STATUSES))
    if r() < 0.88:
        # Mostly epoch seconds; some decimals. Items with a status but no
        # created value are not in the GSI.
        created = 1700000000 + rng.randrange(0, 10_000_000)
        item["created"] = _n(str(created) if r() < 0.95 else "%d.5" % created)
    if r() < 0.8:
        item["score"] = _n(rng.choice([str(rng.randrange(-100, 101)),
                                       "%d.%02d" % (rng.randrange(0, 100), rng.randrange(100)),
                                       _number(rng)]))
    if r() < 0.9:
        item["title"] = _s(rng.choice(WORDS) + rng.choice(["", "", " #%d" % rng.randrange(100)]))
    if r() < 0.85:
        item["amount"] = _n(_number(rng))
    if r() < 0.9:
        item["qty"] = _n(str(rng.randrange(0, 21)))
    if r() < 0.8:
        item["price"] = _n("%d.%02d" % (rng.randrange(0, 1000), rng.randrange(1, 100)))
    x = r()
    if x < 0.7:
        item["flag"] = {"BOOL": r() < 0.5}
    elif x < 0.8:
        item["flag"] = {"NULL": True}
    if r() < 0.6:
        item["doc"] = {"M": _doc(rng)}
    if r() < 0.5:
        item["tags"] = {"L": [_any_value(rng, 1) for _ in range(rng.randrange(0, 5))]}
    if r() < 0.4:
        item["ss"] = _set(rng, "SS")
    if r() < 0.4:
        item["ns"] = _set(rng, "NS")
    if r() < 0.3:
        item["bs"] = _set(rng, "BS")
    if r() < 0.4:
        item["blob"] = {"B": _bytes(rng, rng.randrange(0, 9))}
    if r() < 0.7:
        item["mixed"] = _any_value(rng, 1)
    if r() < 0.8:
        item["num_or_str"] = (_n(str(rng.randrange(-20, 21))) if r() < 0.5
                              else _s(rng.choice(["5", "10", "-3", "abc", "", "1e2", "7.0"])))
    if r() < 0.9:
        # Almost always a string: a column typed TEXT by the sample that now
        # and then holds a number.
        item["note"] = _n(str(rng.randrange(100))) if r() < 0.02 else _s(rng.choice(WORDS))
    if r() < 0.3:
        item["weird.name"] = _s(rng.choice(WORDS))
    if r() < 0.3:
        item["size"] = _n(str(rng.randrange(1, 5)))
    if r() < 0.02:
        item["ITEM"] = _s("shadowed by the item column")
    return item


def _orders(rng):
    items = []
    for i in range(1, 81):
        pk = "cust#%04d" % i
        n = rng.randrange(10, 61)
        sks = set()
        for k in range(1, n + 1):
            if rng.random() < 0.1:
                sks.add("%d.25" % (k * 10))
            else:
                sks.add(str(k * 10))
        if i % 10 == 0:
            sks.update(["0", "-10"])
        for sk in sorted(sks, key=decimal.Decimal):
            items.append(_order_item(rng, pk, sk))
    for sk in EDGE_SORT_KEYS:
        items.append(_order_item(rng, "edge", sk))
    # Items of the edge partition in the GSI whose `created` needs TEXT.
    for k, created in enumerate(["12345678901234567890123456789012345678", "9223372036854775808",
                                 "-12345678901234567890123456789012345678", "1e100"]):
        item = _order_item(rng, "edge-gsi", str(k + 1))
        item["status"] = _s("open")
        item["created"] = _n(created)
        items.append(item)
    for pk in ODD_PARTITIONS:
        for sk in range(1, rng.randrange(2, 8)):
            items.append(_order_item(rng, pk, str(sk)))
    # Rare attribute, likely outside the sampled items: reachable via `item`.
    for it in rng.sample(items, 3):
        it["rare"] = _s("rare value")
    return items


def _customers(rng):
    ids = ["cust#%04d" % i for i in range(1, 301) if i % 7 != 0]
    ids += ["5", "ABC", "abc", "ünï", "日本", "🎉", "café", "a%b", "zzz-no-orders"]
    items = []
    for cid in ids:
        item = {"cid": _s(cid)}
        r = rng.random
        if r() < 0.95:
            item["name"] = _s(rng.choice(WORDS) + " " + rng.choice(["Smith", "Müller", "山田", ""]))
        if r() < 0.9:
            item["country"] = _s(rng.choice(COUNTRIES))
        if r() < 0.9:
            item["tier"] = _n(str(rng.randrange(1, 6)))
        if r() < 0.85:
            item["balance"] = _n(rng.choice(["%d.%02d" % (rng.randrange(-500, 5000),
                                                           rng.randrange(100)),
                                             _number(rng)]))
        if r() < 0.8:
            item["vip"] = {"BOOL": r() < 0.3}
        if r() < 0.9:
            item["since"] = _n(str(2000 + rng.randrange(25)))
        if r() < 0.5:
            item["prefs"] = {"M": _map(rng, 2)}
        if r() < 0.4:
            item["emails"] = _set(rng, "SS")
        if r() < 0.7:
            item["nick"] = _n(str(rng.randrange(50))) if r() < 0.4 else _s(rng.choice(WORDS))
        items.append(item)
    return items


def generate(seed=SEED):
    """{table name: [items in wire form]}; the same for the same seed."""
    rng = random.Random(seed)
    return {ORDERS: _orders(rng), CUSTOMERS: _customers(rng)}


def _sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + v.replace("'", "''") + "'"


def local_setup_sql(data, seed=SEED):
    """Statements creating the local tables the corpus joins with: lkeys
    (pk, sk) pairs, most of them existing, and lcids, 250 customer ids."""
    rng = random.Random(seed + 1)
    pairs = [(it["pk"]["S"], it["sk"]["N"]) for it in data[ORDERS]]
    rows = []
    for pk, sk in rng.sample(pairs, 200):
        sql_sk = number_sql(sk)
        rows.append((pk, sql_sk if not isinstance(sql_sk, str) else sk, "hit"))
    for k in range(60):
        rows.append(("cust#%04d" % rng.randrange(1, 120), rng.randrange(1, 700) * 10 + 3, "miss"))
    # Key values of other types: '10' as TEXT in a NUMERIC column becomes 10.
    rows += [("cust#0001", "10", "text-sk"), ("5", 1.0, "real-sk"), (None, 10, "null-pk"),
             ("edge", None, "null-sk")]
    stmts = ["CREATE TABLE lkeys(pk TEXT, sk NUMERIC, label TEXT)"]
    for k in range(0, len(rows), 50):
        stmts.append("INSERT INTO lkeys VALUES " + ", ".join(
            "(%s, %s, %s)" % tuple(_sql_literal(x) for x in r) for r in rows[k:k + 50]))
    cids = sorted({it["cid"]["S"] for it in data[CUSTOMERS]})
    chosen = rng.sample(cids, 230) + ["cust#%04d" % (7 * k) for k in range(1, 21)]
    stmts.append("CREATE TABLE lcids(cid TEXT PRIMARY KEY)")
    stmts.append("INSERT INTO lcids VALUES " + ", ".join("(%s)" % _sql_literal(c) for c in chosen))
    return stmts


# ---------------------------------------------------------------------------
# DynamoDB values as ddbsql presents them


def canonical_number(text):
    """DynamoDB's text for a stored number: plain notation, no exponent, no
    leading or trailing zeros, "0" for zero."""
    d = decimal.Decimal(text)
    if d == 0:
        return "0"
    with decimal.localcontext() as ctx:
        ctx.prec = 200
        return format(d.normalize(), "f")


def number_sql(text):
    """The SQL value of DynamoDB number `text`: int, float or str."""
    d = decimal.Decimal(text)
    if d == d.to_integral_value() and -2**63 <= d < 2**63:
        return int(d)
    f = float(d)
    if math.isfinite(f) and decimal.Decimal(repr(f)) == d:
        return f
    return text


_JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eE][+-]?[0-9]+)?\Z")


def json_number(text):
    """`text` as a JSON number: verbatim when it is one (DynamoDB's canonical
    form always is; DynamoDB Local keeps the spelling of numbers nested in
    M and L), else with '+' and leading zeros dropped ("007" -> "7")."""
    if _JSON_NUMBER.match(text):
        return text
    sign, whole, frac, exp = _DECIMAL.match(text).groups()
    out = ("-" if sign == "-" else "") + (whole.lstrip("0") or "0")
    if frac:
        out += "." + frac
    return out + (exp or "")


def _json_string(s):
    return json.dumps(s, ensure_ascii=False)


def plain_json(av):
    """The compact JSON text of wire value `av`, as ddbsql writes it."""
    (kind, v), = av.items()
    if kind == "S":
        return _json_string(v)
    if kind == "N":
        return json_number(v)
    if kind == "B":
        return _json_string(base64.b64encode(v).decode())
    if kind == "BOOL":
        return "true" if v else "false"
    if kind == "NULL":
        return "null"
    if kind == "M":
        return item_json(v)
    if kind == "L":
        return "[" + ",".join(plain_json(x) for x in v) + "]"
    if kind == "SS":
        return "[" + ",".join(_json_string(x) for x in v) + "]"
    if kind == "NS":
        return "[" + ",".join(v) + "]"
    if kind == "BS":
        return "[" + ",".join(_json_string(base64.b64encode(x).decode()) for x in v) + "]"
    raise ValueError("unknown attribute type %r" % kind)


def item_json(item):
    """The JSON object of a whole item (or M value): keys in byte order."""
    keys = sorted(item, key=lambda k: k.encode("utf-8"))
    return "{" + ",".join(_json_string(k) + ":" + plain_json(item[k]) for k in keys) + "}"


def sql_value(av):
    """The SQL value of wire value `av` (None when `av` is None: missing)."""
    if av is None:
        return None
    (kind, v), = av.items()
    if kind == "S":
        return v
    if kind == "N":
        return number_sql(v)
    if kind == "B":
        return bytes(v)
    if kind == "BOOL":
        return 1 if v else 0
    if kind == "NULL":
        return None
    return plain_json(av)
