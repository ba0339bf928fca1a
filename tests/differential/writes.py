"""Random write statements for the write differential (differential_test.py).

Two small tables exist twice, with the same rows and declared types: in
DynamoDB Local (read and written by ddbsql) and as plain SQLite tables (read
and written by the sqlite3 shell):

  kvt  id S (HASH); attributes a N, b S, c N
  evt  pk S (HASH), sk N (RANGE); attributes g S, n N, v S
      GSI by_g: g (HASH), n (RANGE), projection ALL (sparse: items without g)
      LSI by_n: pk (HASH), n (RANGE), projection ALL

script() draws a seeded, reproducible sequence of statements: INSERT (also
of several rows, some of which clash), INSERT OR IGNORE, REPLACE, UPDATE
(by key, by IN list, by other predicates, of the key itself), DELETE (by key
and by other predicates) and SELECTs over every access path (GetItem,
BatchGetItem, Query with ORDER BY and LIMIT pushed down, the GSI and the LSI,
Scans with IS NULL filters, the `item` column, a self join and a join of the
two tables), grouped in transactions (BEGIN ... COMMIT, some ROLLBACK, some
SAVEPOINT ... ROLLBACK TO / RELEASE) or, with transactions=False, run one by
one outside BEGIN. After each transaction both tables are read whole.

Values stay within what both sides store alike: keys from small pools (so
that writes of one item meet within a transaction), numbers that are small
integers or halves (exact in binary: sums do not depend on row order), and
texts in TEXT columns only. SELECTs order their rows completely (or select
only the sort key an index orders by), so the outputs compare byte for byte.
"""

import random

SEED = 20250607

IDS = ["k%02d" % i for i in range(16)]
WORDS = ["x", "y", "zeta", "Alpha", "b b", "k03", "k07", "caf\u00e9"]
PKS = ["p0", "p1", "p2", "p3"]
GS = ["g0", "g1", "g2"]

KVT_COLUMNS = [("id", "TEXT"), ("a", "NUMERIC"), ("b", "TEXT"), ("c", "NUMERIC")]
EVT_COLUMNS = [("pk", "TEXT"), ("sk", "NUMERIC"), ("g", "TEXT"), ("n", "NUMERIC"), ("v", "TEXT")]


def tables():
    """CreateTable arguments of kvt and evt."""
    kvt = {
        "TableName": "kvt",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    evt = {
        "TableName": "evt",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "N"},
                                 {"AttributeName": "g", "AttributeType": "S"},
                                 {"AttributeName": "n", "AttributeType": "N"}],
        "GlobalSecondaryIndexes": [{
            "IndexName": "by_g",
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                          {"AttributeName": "n", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}],
        "LocalSecondaryIndexes": [{
            "IndexName": "by_n",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "n", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    return [kvt, evt]


def initial_rows(seed=SEED):
    """{table: [row dict]} present before the script; every attribute of
    every column is present in some item, with one type."""
    rng = random.Random(seed)
    kvt = []
    for i in IDS[:10]:
        row = {"id": i, "a": rng.randint(-3, 12), "b": rng.choice(WORDS)}
        if rng.random() < 0.7:
            row["c"] = rng.randint(0, 9)
        kvt.append(row)
    evt = []
    for pk in PKS[:3]:
        for sk in range(1, 6):
            row = {"pk": pk, "sk": sk, "n": rng.randint(0, 9), "v": rng.choice(WORDS + IDS[:4])}
            if rng.random() < 0.7:
                row["g"] = rng.choice(GS)
            evt.append(row)
    return {"kvt": kvt, "evt": evt}


def wire_item(row):
    """A row as DynamoDB's low-level client writes it."""
    out = {}
    for k, v in row.items():
        out[k] = {"N": str(v)} if isinstance(v, (int, float)) else {"S": v}
    return out


def local_schema_sql():
    """The plain SQLite tables, with the declared types ddbsql gives."""
    return [
        "CREATE TABLE kvt(id TEXT NOT NULL PRIMARY KEY, a NUMERIC, b TEXT, c NUMERIC)",
        "CREATE TABLE evt(pk TEXT NOT NULL, sk NUMERIC NOT NULL, g TEXT, n NUMERIC, v TEXT, "
        "PRIMARY KEY(pk, sk))",
    ]


def literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return repr(v)


class Generator:
    def __init__(self, seed, atomic=True):
        self.rng = random.Random(seed)
        # Outside BEGIN a statement is not atomic (README "Writes"): one that
        # fails at a later row keeps its earlier rows, and says so. Outside
        # BEGIN only statements that fail at their first row, if at all, are
        # drawn.
        self.atomic = atomic

    def rows(self, most):
        return self.rng.randint(1, most) if self.atomic else 1

    def number(self):
        r = self.rng.random()
        if r < 0.1:
            return None
        if r < 0.3:
            return self.rng.randint(-4, 20) + 0.5
        return self.rng.randint(-4, 20)

    def word(self, null=0.1):
        return None if self.rng.random() < null else self.rng.choice(WORDS)

    def tk_id(self):
        return self.rng.choice(IDS)

    def tk_row(self):
        return "(%s, %s, %s, %s)" % (literal(self.tk_id()), literal(self.number()),
                                     literal(self.word()), literal(self.number()))

    def te_key(self):
        return self.rng.choice(PKS), self.rng.randint(1, 8)

    def te_row(self):
        pk, sk = self.te_key()
        g = None if self.rng.random() < 0.3 else self.rng.choice(GS)
        return "(%s, %d, %s, %s, %s)" % (literal(pk), sk, literal(g),
                                         literal(self.rng.randint(0, 9)),
                                         literal(self.rng.choice(WORDS + IDS[:4])))

    def write(self):
        """One write statement."""
        r = self.rng
        k = r.randrange(24)
        if k == 0:
            rows = ", ".join(self.tk_row() for _ in range(self.rows(3)))
            return "INSERT INTO kvt(id, a, b, c) VALUES %s;" % rows
        if k == 1:
            return "INSERT OR IGNORE INTO kvt(id, a, b) VALUES (%s, %s, %s);" % (
                literal(self.tk_id()), literal(self.number()), literal(self.word()))
        if k == 2:
            return "REPLACE INTO kvt(id, a, c) VALUES (%s, %s, %s);" % (
                literal(self.tk_id()), literal(self.number()), literal(self.number()))
        if k == 3:
            return "UPDATE kvt SET a = a + 1 WHERE id = %s;" % literal(self.tk_id())
        if k == 4:
            return "UPDATE kvt SET b = %s, c = %s WHERE a > %d;" % (
                literal(self.word()), literal(self.number()), r.randint(0, 15))
        if k == 5:
            ids = sorted(set(self.tk_id() for _ in range(3)))
            return "UPDATE kvt SET a = %s WHERE id IN (%s);" % (
                literal(self.number()), ", ".join(map(literal, ids)))
        if k == 6:
            return "UPDATE kvt SET id = %s WHERE id = %s;" % (literal(self.tk_id()),
                                                           literal(self.tk_id()))
        if k == 7:
            return "DELETE FROM kvt WHERE id = %s;" % literal(self.tk_id())
        if k == 8:
            return r.choice(["DELETE FROM kvt WHERE a < %d;" % r.randint(-2, 6),
                             "DELETE FROM kvt WHERE c IS NULL AND a > %d;" % r.randint(0, 10),
                             "DELETE FROM kvt WHERE b = %s;" % literal(self.word(0))])
        if k == 9 and self.atomic:
            # A second row that fails: the statement is undone whole.
            return "INSERT INTO kvt(id, a) VALUES (%s, 1), (NULL, 2);" % literal(self.tk_id())
        if k == 10:
            return ("INSERT OR IGNORE INTO kvt(id, a, b) SELECT id || 'x', a * 2, b FROM kvt "
                    "WHERE length(id) = 3 AND a > %d;" % r.randint(5, 15))
        if k == 11:
            return "UPDATE kvt SET a = a + 0.5, b = NULL WHERE id = %s;" % literal(self.tk_id())
        if k == 12:
            return "INSERT INTO evt(pk, sk, g, n, v) VALUES %s;" % ", ".join(
                self.te_row() for _ in range(self.rows(2)))
        if k == 13:
            return "REPLACE INTO evt(pk, sk, g, n, v) VALUES %s;" % self.te_row()
        if k == 14:
            pk, sk = self.te_key()
            return "UPDATE evt SET n = n + 1 WHERE pk = %s AND sk = %d;" % (literal(pk), sk)
        if k == 15:
            return "UPDATE evt SET g = %s WHERE pk = %s;" % (literal(r.choice(GS)),
                                                          literal(r.choice(PKS)))
        if k == 16:
            return "UPDATE evt SET g = NULL, v = %s WHERE pk = %s AND sk > %d;" % (
                literal(self.word(0)), literal(r.choice(PKS)), r.randint(1, 6))
        if k == 17:
            lo = r.randint(1, 6)
            return "DELETE FROM evt WHERE pk = %s AND sk BETWEEN %d AND %d;" % (
                literal(r.choice(PKS)), lo, lo + r.randint(0, 2))
        if k == 18:
            pk, sk = self.te_key()
            return "DELETE FROM evt WHERE pk = %s AND sk = %d;" % (literal(pk), sk)
        if k == 19:
            return "DELETE FROM evt WHERE g = %s AND n > %d;" % (literal(r.choice(GS)),
                                                              r.randint(0, 8))
        if k == 20:
            return "UPDATE evt SET n = n + 10 WHERE g = %s AND n >= %d;" % (
                literal(r.choice(GS)), r.randint(0, 8))
        if k == 21:
            pk, sk = self.te_key()
            return "UPDATE evt SET sk = %d WHERE pk = %s AND sk = %d;" % (r.randint(1, 8),
                                                                        literal(pk), sk)
        if k == 22:
            # A key that exists as a row elsewhere: a clash unless deleted.
            return "INSERT INTO kvt(id, a) SELECT v, n FROM evt WHERE pk = %s AND sk = %d;" % (
                literal(r.choice(PKS)), r.randint(1, 5))
        return "DELETE FROM kvt WHERE id IN (%s);" % ", ".join(
            literal(i) for i in sorted(set(self.tk_id() for _ in range(2))))

    def read(self):
        """One SELECT whose output is fully ordered.

        Returns (ddbsql SQL, sqlite3 SQL): they differ only where the
        `item` column is read (a plain table has none)."""
        r = self.rng
        k = r.randrange(16)
        if k == 0:
            return "SELECT id, a, b, c FROM kvt ORDER BY id;"
        if k == 1:
            return "SELECT id, a, b, c FROM kvt WHERE id = %s;" % literal(self.tk_id())
        if k == 2:
            ids = sorted(set(self.tk_id() for _ in range(4)))
            return "SELECT id, a, b FROM kvt WHERE id IN (%s) ORDER BY id;" % ", ".join(
                map(literal, ids))
        if k == 3:
            return "SELECT count(*), sum(a), max(b), min(c) FROM kvt;"
        if k == 4:
            return "SELECT id, a FROM kvt WHERE c IS NULL ORDER BY id;"
        if k == 5:
            return "SELECT x.id, y.id FROM kvt x JOIN kvt y ON x.a = y.c ORDER BY 1, 2;"
        if k == 6:
            n = r.randint(-2, 12)
            col = r.choice("abc")
            return ("SELECT id, json_extract(item, '$.%s') FROM kvt WHERE a > %d ORDER BY id;"
                    % (col, n), "SELECT id, %s FROM kvt WHERE a > %d ORDER BY id;" % (col, n))
        if k == 7:
            return "SELECT pk, sk, n FROM evt WHERE pk = %s ORDER BY sk DESC LIMIT %d;" % (
                literal(r.choice(PKS)), r.randint(1, 4))
        if k == 8:
            return "SELECT pk, sk, g, v FROM evt WHERE pk = %s AND sk >= %d ORDER BY sk;" % (
                literal(r.choice(PKS)), r.randint(1, 6))
        if k == 9:
            # Rows in the index's order; only the sort key is shown, so ties
            # look alike whatever their order.
            return "SELECT n FROM evt WHERE g = %s AND n > %d ORDER BY n;" % (
                literal(r.choice(GS)), r.randint(-1, 8))
        if k == 10:
            return "SELECT n FROM evt WHERE pk = %s AND n > %d ORDER BY n DESC;" % (
                literal(r.choice(PKS)), r.randint(-1, 8))
        if k == 11:
            return "SELECT g, count(*), sum(n) FROM evt WHERE g IS NOT NULL GROUP BY g ORDER BY g;"
        if k == 12:
            return "SELECT pk, sk, g, n, v FROM evt ORDER BY pk, sk;"
        if k == 13:
            return ("SELECT e.pk, e.sk, t.id, t.a FROM evt e JOIN kvt t ON t.id = e.v "
                    "ORDER BY 1, 2;")
        if k == 14:
            pk, sk = self.te_key()
            return "SELECT pk, sk, g, n, v FROM evt WHERE pk = %s AND sk = %d;" % (literal(pk), sk)
        return "SELECT id, b FROM kvt WHERE b IS NOT NULL AND id > %s ORDER BY id LIMIT 3;" % (
            literal(self.tk_id()))

    def statement(self):
        """(ddbsql SQL, sqlite3 SQL) of a write (60%) or a read."""
        if self.rng.random() < 0.6:
            s = self.write()
            return s, s
        q = self.read()
        return q if isinstance(q, tuple) else (q, q)


FINAL = [
    "SELECT id, a, b, c FROM kvt ORDER BY id;",
    "SELECT pk, sk, g, n, v FROM evt ORDER BY pk, sk;",
]


def script(seed=SEED, transactions=True, statements=360):
    """[(ddbsql SQL, sqlite3 SQL)] of about `statements` statements."""
    gen = Generator(seed, atomic=transactions)
    rng = gen.rng
    out = []
    while len(out) < statements:
        if not transactions:
            out.append(gen.statement())
            if rng.random() < 0.1:
                out.extend((s, s) for s in FINAL)
            continue
        out.append(("BEGIN;", "BEGIN;"))
        for _ in range(rng.randint(3, 14)):
            out.append(gen.statement())
        if rng.random() < 0.3:
            out.append(("SAVEPOINT sp;", "SAVEPOINT sp;"))
            for _ in range(rng.randint(1, 5)):
                out.append(gen.statement())
            end = rng.choice(["ROLLBACK TO sp;", "RELEASE sp;"])
            out.append((end, end))
            for _ in range(rng.randint(0, 4)):
                out.append(gen.statement())
        end = "ROLLBACK;" if rng.random() < 0.15 else "COMMIT;"
        out.append((end, end))
        out.extend((s, s) for s in FINAL)
    return out
