#!/usr/bin/env python3
"""Differential test of ddbsql's SQL over DynamoDB against plain SQLite.

The same rows live in two places: DynamoDB Local (written with boto3, a peer
client) and a plain SQLite database file whose tables have the names, the
declared column types and the values ddbsql presents (see
tests/differential/dataset.py for the data and the value mapping). Every
query of tests/differential/queries.sql runs through `ddbsql -csv` (one
process) and through `sqlite3 -csv` on that file (one process); the outputs
must be identical byte for byte. Whatever ddbsql pushes down to DynamoDB
(GetItem, BatchGetItem, Query on the table or an index, LIMIT, ORDER BY) must
not change a result.

The expected table is built from the items as DynamoDB returns them (set
member order, number spelling), and gets its declared types after its rows
are in (through writable_schema), so no value is converted by an affinity on
the way in: a NUMERIC column may hold TEXT '9223372036854775808' exactly as
ddbsql returns it, while comparisons still see the declared affinity.

Local tables (lkeys, lcids) are created by the same statements on both sides.
The only rewrite of a query for the expected side: `SELECT * FROM t` lists
t's visible columns there, because a plain table cannot hide `item`.

A second TestCase checks plans (EXPLAIN QUERY PLAN) and DynamoDB request
counts (.stats) for the main query shapes.

A third, WriteDifferentialTest, writes: seeded random INSERT, INSERT OR
IGNORE, REPLACE, UPDATE, DELETE and SELECT statements (tests/differential/
writes.py) run through ddbsql on two small DynamoDB tables and through
sqlite3 on plain tables with the same rows and declared types, in
transactions (BEGIN ... COMMIT, ROLLBACK, SAVEPOINT ... ROLLBACK TO) and
outside them. Each statement's output, and whether it failed, must agree;
so must the tables after each transaction (and DynamoDB's items, read with
boto3, at the end).

Usage: differential_test.py --ddbsql PATH [unittest args]
Needs DDBSQL_TEST_DYNAMODB_URL (skips without it unless
DDBSQL_REQUIRE_EMULATORS=1) and the sqlite3 command-line shell.
"""

import argparse
import concurrent.futures
import csv
import difflib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "differential"))
sys.path.insert(0, HERE)

import cli_support  # noqa: E402
import dataset  # noqa: E402  (needs the path above)
import writes  # noqa: E402

DDBSQL = None  # set by main()
MARK = "@@diff@@"
CORPUS = os.path.join(HERE, "differential", "queries.sql")
RUN_TIMEOUT = 300 * cli_support.TIME_SCALE
# How the sqlite3 shell reports a failed statement.
SQLITE3_ERROR = re.compile(r"^(Parse error|Runtime error|Error)\b", re.M)


# A corpus comment holding this marks a query whose result is allowed to
# differ from SQLite's; the rest of the comment says why, and names one of
# the differences README "Known differences from SQLite" documents, which
# check_divergence asserts.
KNOWN_DIVERGENCE = "KNOWN DIVERGENCE"
DIVERGENCE_EXACT_EQUALITY = "equality on a number key is DynamoDB's exact equality"
DIVERGENCE_DESC_ERROR = "ORDER BY a number sort key DESC is served in DynamoDB's order"


def check_divergence(intent, got, want):
    """None when ddbsql's output `got` differs from sqlite3's `want` the way
    the documented divergence in `intent` says, else what is wrong."""
    if got == want:
        return "no longer diverges: remove the KNOWN DIVERGENCE mark"
    # ddbsql names the input line of an error as the sqlite3 shell does.
    errors = [line for line in got.split("\n")
              if SQLITE3_ERROR.search(line) or re.match(r"<stdin>:\d+: ", line)]
    if DIVERGENCE_DESC_ERROR in intent:
        # The descending scan stops with the error README promises, naming
        # the key and the way around it.
        if not any(re.search(r"ORDER BY (\w+) DESC: sort key \S+ has more digits than SQLite "
                             r"orders as a number.*ORDER BY \1\+0 DESC instead", line)
                   for line in errors):
            return "expected the error naming the sort key and ORDER BY sk+0 DESC"
        return None
    if DIVERGENCE_EXACT_EQUALITY in intent:
        # Exact equality matches a subset of what equality as doubles
        # matches: no error, no row sqlite3 lacks (a count: a smaller one).
        if errors:
            return "an error where only fewer matches are documented"
        got_rows, want_rows = got.strip("\n").split("\n"), want.strip("\n").split("\n")
        if len(got_rows) == len(want_rows) == 1 and got_rows[0].isdigit() and \
                want_rows[0].isdigit():
            return None if int(got_rows[0]) < int(want_rows[0]) else "a count not smaller"
        remaining = list(want_rows)
        for row in got_rows:
            if row == "":
                continue
            if row not in remaining:
                return "row %r is no row of sqlite3's" % row
            remaining.remove(row)
        return None
    return "names no documented divergence (README \"Known differences from SQLite\")"


class Query:
    def __init__(self, number, line, intent, sql):
        self.number = number
        self.line = line
        self.intent = intent
        self.sql = sql


def parse_corpus(path):
    """Statements separated by blank lines; `--` lines before one name its intent."""
    queries = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    block, start = [], 0
    for n, line in enumerate(lines + [""], 1):
        if line.strip():
            if not block:
                start = n
            block.append(line)
            continue
        if not block:
            continue
        intent = " ".join(l.lstrip("- ").strip() for l in block if l.lstrip().startswith("--"))
        sql = "\n".join(l for l in block if not l.lstrip().startswith("--")).strip()
        block = []
        if not sql:
            continue
        if not sql.endswith(";"):
            sql += ";"
        queries.append(Query(len(queries), start, intent, sql))
    return queries


def marked_script(setup, statements):
    """A shell script running `setup` silently, then `statements`, each after
    a `.print` marker line."""
    script = [".nullvalue ''", ".headers off"] + [s.rstrip(";") + ";" for s in setup]
    for n, sql in enumerate(statements):
        script.append(".print %s%d" % (MARK, n))
        script.append(sql if sql.startswith(".") or sql.endswith(";") else sql + ";")
    script.append(".print %send" % MARK)
    return "\n".join(script) + "\n"


def split_marked(out, count):
    """Per statement, the output between its marker and the next one (None
    when its marker never came: the shell stopped early), and what came
    before the first marker (the setup's output: nothing when all went well)."""
    marks = [(m.group(1), m.start(), m.end())
             for m in re.finditer(re.escape(MARK) + r"(\w+)\n", out)]
    parts = {}
    for k, (name, _, end) in enumerate(marks):
        parts[name] = out[end:marks[k + 1][1] if k + 1 < len(marks) else len(out)]
    return [parts.get(str(n)) for n in range(count)], out[:marks[0][1] if marks else len(out)]


class Fixture:
    """The loaded DynamoDB database and the expected SQLite file, built once
    for every TestCase of this file (all of them only read)."""

    _instance = None
    _error = None

    @classmethod
    def get(cls):
        if cls._error is not None:
            raise cls._error  # fail every TestCase, but load only once
        if cls._instance is None:
            try:
                cls._instance = cls()
            except Exception as e:
                cls._error = e
                raise
        return cls._instance

    def __init__(self):
        import boto3  # imported here so --help works without it

        self.endpoint = os.environ["DDBSQL_TEST_DYNAMODB_URL"]
        # A fresh access key id is a fresh DynamoDB Local database.
        self.key_id = "difftest" + uuid.uuid4().hex[:12]
        self.client = boto3.client("dynamodb", endpoint_url=self.endpoint, region_name="us-east-1",
                                   aws_access_key_id=self.key_id, aws_secret_access_key="secret")
        self.tmp = tempfile.mkdtemp(prefix="ddbsql-differential-")
        self.data = dataset.generate()
        self.setup_sql = dataset.local_setup_sql(self.data)
        self._load()
        self.items = {t: self._read_back(t) for t in self.data}
        self.warnings = set()
        self.columns = self._ddbsql_columns()
        self.attributes = {t: self._attributes_of(t) for t in self.columns}
        self.expected_db = os.path.join(self.tmp, "expected.db")
        self._build_expected()

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self):
        return ddbsql_env(self.endpoint, self.key_id, self.tmp)

    def ddbsql(self, script, mode="-csv"):
        """Runs `script` through one ddbsql process; stdout and stderr merged,
        but for the warning that names renamed columns (README "Names"),
        which the first statement of a session using the table prints and
        sqlite3 has no reason to: it is kept in self.warnings."""
        proc = subprocess.run([DDBSQL, "-batch", mode],
                              input=script.encode("utf-8", errors="surrogateescape"),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env=self.env(), timeout=RUN_TIMEOUT)
        out = proc.stdout.decode("utf-8", errors="surrogateescape")
        self.warnings.update(RENAMED_WARNING.findall(out))
        return RENAMED_WARNING.sub("", out)

    def _load(self):
        self.client.create_table(**dataset.orders_table())
        self.client.create_table(**dataset.customers_table())
        for t in self.data:
            self.client.get_waiter("table_exists").wait(TableName=t)

        def write(table, chunk):
            request = {table: [{"PutRequest": {"Item": it}} for it in chunk]}
            while request:
                request = self.client.batch_write_item(RequestItems=request).get(
                    "UnprocessedItems") or None

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            jobs = [pool.submit(write, t, items[k:k + 25])
                    for t, items in self.data.items() for k in range(0, len(items), 25)]
            for j in jobs:
                j.result()

    def _read_back(self, table):
        """Every item as DynamoDB returns it (canonical numbers, set order)."""
        items, start = [], None
        while True:
            kwargs = {"TableName": table, "ConsistentRead": True}
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = self.client.scan(**kwargs)
            items += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        if len(items) != len(self.data[table]):
            raise AssertionError("%s: wrote %d items, read back %d"
                                 % (table, len(self.data[table]), len(items)))
        # Our canonical form must be DynamoDB's for top-level numbers.
        written = {self._key(table, it): it for it in self.data[table]}
        for it in items:
            for name, av in written[self._key(table, it)].items():
                if "N" in av and dataset.canonical_number(av["N"]) != it[name]["N"]:
                    raise AssertionError("%s.%s: wrote %s, DynamoDB returned %s, expected %s"
                                         % (table, name, av["N"], it[name]["N"],
                                            dataset.canonical_number(av["N"])))
        return items

    @staticmethod
    def _key(table, item):
        if table == dataset.ORDERS:
            return (item["pk"]["S"], dataset.canonical_number(item["sk"]["N"]))
        return item["cid"]["S"]

    def _ddbsql_columns(self):
        """{table: [(name, declared type, hidden)]} as ddbsql declares them."""
        tables = list(self.data)
        statements = ["SELECT name, type, hidden FROM pragma_table_xinfo('%s');" % t
                      for t in tables]
        out = self.ddbsql(marked_script([], statements))
        parts, _ = split_marked(out, len(statements))
        columns = {}
        for t, part in zip(tables, parts):
            rows = list(csv.reader((part or "").splitlines()))
            if not rows or any(len(r) != 3 for r in rows) or rows[-1] != ["item", "", "1"]:
                raise AssertionError("cannot read the columns of %s: %s" % (t, out[-2000:]))
            columns[t] = [(r[0], r[1], r[2] == "1") for r in rows]
        return columns

    def _attributes_of(self, table):
        """{column: the attribute it stands for}: its own name, or for
        names SQL would confuse the name that README's rule (an attribute
        named `item`, or names that differ only in case) turns into it."""
        names = {a for item in self.items[table] for a in item}
        out = {}
        for column, _, hidden in self.columns[table]:
            if hidden:
                continue
            if column in names:
                out[column] = column
                continue
            found = [a for a in names if a + case_suffix(a) == column]
            if len(found) != 1:
                raise AssertionError("column %s of %s stands for no attribute" % (column, table))
            out[column] = found[0]
            warning = "warning: table %s: attribute %s is column %s" % (table, found[0], column)
            if not any(w.startswith(warning) for w in self.warnings):
                raise AssertionError("no warning names column %s of %s: %s"
                                     % (column, table, self.warnings))
        return out

    def _build_expected(self):
        db = sqlite3.connect(self.expected_db)
        try:
            for t, cols in self.columns.items():
                names = ", ".join(quote_ident(c[0]) for c in cols)
                db.execute("CREATE TABLE %s(%s)" % (quote_ident(t), names))
                rows = []
                for item in self.items[t]:
                    row = []
                    for name, _, hidden in cols:
                        row.append(dataset.item_json(item) if hidden and name == "item"
                                   else dataset.sql_value(item.get(self.attributes[t][name])))
                    rows.append(row)
                db.executemany("INSERT INTO %s VALUES (%s)" % (quote_ident(t),
                                                                 ", ".join("?" * len(cols))), rows)
            db.commit()
            # Declared types only now, so that the rows went in unconverted.
            db.execute("PRAGMA writable_schema=ON")
            for t, cols in self.columns.items():
                decl = ", ".join(quote_ident(n) + (" " + ty if ty else "") for n, ty, _ in cols)
                db.execute("UPDATE sqlite_schema SET sql=? WHERE type='table' AND name=?",
                           ("CREATE TABLE %s(%s)" % (quote_ident(t), decl), t))
            db.commit()
        finally:
            db.close()

    def sqlite3(self, script):
        """Runs `script` through the sqlite3 shell on a copy of the expected file."""
        db = os.path.join(self.tmp, "run.db")
        shutil.copyfile(self.expected_db, db)
        proc = subprocess.run(["sqlite3", "-init", os.devnull, "-batch", "-csv", db],
                              input=script.encode("utf-8", errors="surrogateescape"),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=RUN_TIMEOUT, env=self.env())
        return proc.stdout.decode("utf-8", errors="surrogateescape")

    def star_columns(self, table):
        return ", ".join(quote_ident(n) for n, _, hidden in self.columns[table] if not hidden)


def ddbsql_env(endpoint, key_id, home):
    """The environment of a ddbsql (or sqlite3) child: DynamoDB Local's
    database of `key_id`, and a HOME of its own."""
    # No ~/.ddbsqlrc, catalog, schema cache, ledger or ~/.aws of the user.
    return cli_support.hermetic_env(
        home, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY="secret", AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL_DYNAMODB=endpoint)


# The warning ddbsql prints once a session for a table whose attributes have
# columns of other names.
RENAMED_WARNING = re.compile(r"^warning: table \w+: attribute.*\n", re.M)


def case_suffix(name):
    """README "Names": "_" and the positions of the name's capitals, or "_0"."""
    capitals = [str(i + 1) for i, c in enumerate(name) if "A" <= c <= "Z"]
    return "_" + "_".join(capitals) if capitals else "_0"


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def expected_sql(fixture, sql):
    """The query for the plain-SQLite side: `SELECT * FROM t` spelled out."""
    def spell(m):
        return "SELECT %s FROM %s" % (fixture.star_columns(m.group(1)), m.group(1))
    return re.sub(r"\bSELECT \* FROM (%s)\b" % "|".join(map(re.escape, fixture.columns)), spell,
                  sql)


def shorten(text, lines=12, width=200):
    rows = text.split("\n")
    out = [r if len(r) <= width else r[:width] + "..." for r in rows[:lines]]
    if len(rows) > lines:
        out.append("... (%d lines in all)" % len(rows))
    return "\n".join(out)


class DifferentialTest(unittest.TestCase):
    """Every corpus query gives the same bytes through ddbsql and sqlite3."""

    @classmethod
    def setUpClass(cls):
        cls.fx = Fixture.get()

    def test_corpus_matches_sqlite(self):
        queries = parse_corpus(CORPUS)
        self.assertGreaterEqual(len(queries), 150, "the corpus shrank")
        fx = self.fx
        started = time.monotonic()
        got, got_setup = split_marked(
            fx.ddbsql(marked_script(fx.setup_sql, [q.sql for q in queries])), len(queries))
        ddbsql_seconds = time.monotonic() - started
        want, want_setup = split_marked(fx.sqlite3(marked_script(
            fx.setup_sql, [expected_sql(fx, q.sql) for q in queries])), len(queries))
        print("ddbsql ran %d statements in %.1f s" % (len(queries), ddbsql_seconds))
        self.assertEqual("", want_setup, "the local tables' setup failed in sqlite3")
        self.assertEqual("", got_setup, "the local tables' setup failed in ddbsql")
        version = [split_marked(run(marked_script([], ["SELECT sqlite_version();"])), 1)[0]
                   for run in (fx.ddbsql, fx.sqlite3)]
        if version[0] != version[1]:
            # Float and JSON rendering may differ between SQLite releases.
            print("note: ddbsql and the sqlite3 shell use different SQLite versions")
        failed = []
        divergent = []
        for q, g, w in zip(queries, got, want):
            if w is None or SQLITE3_ERROR.search(w):
                failed.append((q, g, w, "the expected side failed: fix the query"))
            elif KNOWN_DIVERGENCE in q.intent:
                # Documented differences (README "Known differences from
                # SQLite"): they must still run, differ as documented, and
                # are listed.
                wrong = "a known divergence must still produce output" if g is None else \
                    check_divergence(q.intent, g, w)
                if wrong:
                    failed.append((q, g, w, "known divergence: " + wrong))
                else:
                    divergent.append(q)
            elif g != w:
                same_rows = g is not None and sorted(g.split("\n")) == sorted(w.split("\n"))
                failed.append((q, g, w, "same rows, different order" if same_rows else None))
        plans = self._plans([q for q, *_ in failed])
        report = [""]
        for q, g, w, why in failed:
            report.append("---- %s:%d [%d] %s" % (os.path.relpath(CORPUS), q.line, q.number,
                                                 q.intent))
            report.append("  SQL: " + q.sql.replace("\n", "\n       "))
            if why:
                report.append("  " + why)
            report.append("  expected (sqlite3):\n    " +
                          shorten(w if w is not None else "<no output>").replace("\n", "\n    "))
            report.append("  got (ddbsql):\n    " +
                          shorten(g if g is not None else "<no output>").replace("\n", "\n    "))
            if g is not None and w is not None:
                diff = list(difflib.unified_diff(w.split("\n"), g.split("\n"), "expected", "got",
                                                 lineterm="", n=1))
                report.append("  diff:\n    " + shorten("\n".join(diff[2:]), 16).replace(
                    "\n", "\n    "))
            report.append("  plan: " + plans.get(q.number, "?").replace("\n", "\n        "))
        for q in divergent:
            report.append("known divergence %s:%d [%d] %s" % (os.path.relpath(CORPUS), q.line,
                                                             q.number, q.intent))
        print("\n".join(report))
        print("differential: %d passed, %d failed" % (len(queries) - len(failed), len(failed)))
        sys.stdout.flush()
        self.assertEqual([], ["%s:%d" % (os.path.relpath(CORPUS), q.line) for q, *_ in failed])

    def _plans(self, queries):
        if not queries:
            return {}
        out = self.fx.ddbsql(marked_script(self.fx.setup_sql,
                                           ["EXPLAIN QUERY PLAN " + q.sql for q in queries]),
                             mode="-list")
        parts, _ = split_marked(out, len(queries))
        return {q.number: (p or "<none>").strip() for q, p in zip(queries, parts)}


class PlanAndRequestsTest(unittest.TestCase):
    """The main query shapes are served by the DynamoDB access they should be."""

    @classmethod
    def setUpClass(cls):
        cls.fx = Fixture.get()

    def plan(self, sql):
        out = self.fx.ddbsql(marked_script(self.fx.setup_sql, ["EXPLAIN QUERY PLAN " + sql]),
                             mode="-list")
        return split_marked(out, 1)[0][0] or ""

    def stats(self, sql, setup=()):
        """The .stats line of `sql`, with the tables already described."""
        warm = ["SELECT count(*) FROM orders WHERE pk = 'x' AND sk = 1;",
                "SELECT count(*) FROM customers WHERE cid = 'x';"]
        script = marked_script(list(setup) + warm, [".stats on", sql, ".stats off"])
        out = self.fx.ddbsql(script)
        part = split_marked(out, 3)[0][1] or ""
        lines = [l for l in part.split("\n") if l.startswith("requests:")]
        self.assertTrue(lines, "no .stats line for %s in:\n%s" % (sql, out[-1500:]))
        return lines[-1]

    def assertRequests(self, line, **want):
        for op, n in want.items():
            m = re.search(r"requests: (\d+)" if op == "total" else r"\b%s (\d+)" % op, line)
            self.assertIsNotNone(m, "%s missing from %r" % (op, line))
            self.assertEqual(int(m.group(1)), n, "%s in %r" % (op, line))

    def test_point_lookup_is_one_get_item(self):
        sql = "SELECT title FROM orders WHERE pk = 'cust#0001' AND sk = 10"
        self.assertIn("GetItem", self.plan(sql))
        self.assertRequests(self.stats(sql), total=1, GetItem=1, Query=0, Scan=0)

    def test_short_key_in_list_is_one_batch_request(self):
        sql = "SELECT count(*), sum(tier) FROM customers WHERE cid IN ('cust#0001', 'cust#0002')"
        self.assertIn("BatchGetItem", self.plan(sql))
        self.assertRequests(self.stats(sql), total=1, BatchGetItem=1, Scan=0)

    def test_key_in_250_on_a_small_table_is_one_scan(self):
        # 250 keys cost 3 BatchGetItem and 125 RCU (half a unit per item);
        # one Scan of the few hundred customers costs 1 request and ~2 RCU.
        keys = ", ".join("'cust#%04d'" % i for i in range(1, 251))
        sql = "SELECT count(*), sum(tier) FROM customers WHERE cid IN (%s)" % keys
        self.assertIn("BatchGetItem", self.plan(sql))
        self.assertRequests(self.stats(sql), total=1, BatchGetItem=0, Scan=1)

    def test_partition_range_is_one_query(self):
        sql = "SELECT sk FROM orders WHERE pk = 'cust#0002' AND sk BETWEEN 20 AND 200"
        self.assertRegex(self.plan(sql), r"Query key=\(pk=\?1, sk>=\?2, sk<=\?3\)")
        self.assertRequests(self.stats(sql), total=1, Query=1, Scan=0)

    def test_order_by_sort_key_is_served_by_query(self):
        sql = "SELECT sk FROM orders WHERE pk = 'cust#0003' ORDER BY sk DESC LIMIT 3"
        plan = self.plan(sql)
        self.assertIn("order=desc", plan)
        self.assertNotIn("ORDER BY", plan)  # no temp b-tree: DynamoDB sorts
        self.assertRequests(self.stats(sql), Query=1, Scan=0)

    def test_gsi_range_is_index_query(self):
        # With `created` constrained, items missing from the (sparse) index
        # cannot match anyway.
        sql = "SELECT pk, sk FROM orders WHERE status = 'returned' AND created > 0"
        self.assertIn("index=gsi_status", self.plan(sql))
        self.assertRequests(self.stats(sql), Query=1, Scan=0)

    def test_lsi_range_with_covered_columns_is_index_query(self):
        sql = "SELECT title, qty FROM orders WHERE pk = 'cust#0004' AND score > 10"
        self.assertIn("index=lsi_score", self.plan(sql))
        self.assertRequests(self.stats(sql), Query=1, Scan=0)

    def test_lsi_not_used_when_projection_lacks_columns(self):
        sql = "SELECT amount FROM orders WHERE pk = 'cust#0004' AND score > 10"
        self.assertNotIn("lsi_score", self.plan(sql))

    def test_unkeyed_filter_is_scan(self):
        sql = "SELECT count(*) FROM orders WHERE qty > 5"
        self.assertIn("Scan", self.plan(sql))
        self.assertRequests(self.stats(sql), GetItem=0, Query=0)

    def test_join_driven_by_local_keys_turns_into_one_scan(self):
        # lcids outside (CROSS JOIN keeps the order): planned as a key lookup
        # per row, but 250 GetItem cost more than one Scan of the few hundred
        # customers, so after the lookups cost as much as that Scan (a
        # couple), the table is read once and answers the rest.
        sql = "SELECT count(*) FROM lcids l CROSS JOIN customers c WHERE c.cid = l.cid"
        self.assertIn("GetItem", self.plan(sql))
        line = self.stats(sql, setup=self.fx.setup_sql)
        self.assertRequests(line, Scan=1, Query=0)
        self.assertLessEqual(int(re.search(r"requests: (\d+)", line).group(1)), 4, line)
        self.assertRegex(line, r"reused: \d+ scans")

    def test_count_only_fetches_keys(self):
        self.assertRegex(self.plan("SELECT count(*) FROM orders"), r"project=pk,sk\b")


class WriteDifferentialTest(unittest.TestCase):
    """Random writes, inside transactions and outside, leave ddbsql's
    DynamoDB tables as sqlite3 leaves plain ones, and every SELECT between
    them (a transaction's reads of its own writes too) answers alike."""

    # Errors are told apart by the line of the statement they name.
    DDBSQL_ERROR = re.compile(r"^script\.sql:(\d+): ", re.M)
    SQLITE3_ERROR_LINE = re.compile(r"near line (\d+)")

    def setUp(self):
        import boto3

        self.endpoint = os.environ["DDBSQL_TEST_DYNAMODB_URL"]
        self.key_id = "diffwrite" + uuid.uuid4().hex[:12]  # a database of its own
        self.client = boto3.client("dynamodb", endpoint_url=self.endpoint,
                                   region_name="us-east-1", aws_access_key_id=self.key_id,
                                   aws_secret_access_key="secret")
        self.tmp = tempfile.mkdtemp(prefix="ddbsql-write-differential-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        rows = writes.initial_rows()
        for spec in writes.tables():
            self.client.create_table(**spec)
        for spec in writes.tables():
            self.client.get_waiter("table_exists").wait(TableName=spec["TableName"])
        for table, items in rows.items():
            for row in items:
                self.client.put_item(TableName=table, Item=writes.wire_item(row))
        self.db = os.path.join(self.tmp, "expected.db")
        db = sqlite3.connect(self.db)
        try:
            for sql in writes.local_schema_sql():
                db.execute(sql)
            for table, items in rows.items():
                for row in items:
                    names = list(row)
                    db.execute("INSERT INTO %s(%s) VALUES (%s)" % (
                        table, ", ".join(names), ", ".join("?" * len(names))),
                        [row[n] for n in names])
            db.commit()
        finally:
            db.close()

    def run_script(self, command, statements):
        """Runs `statements` (one a line, each after a marker) from a file;
        per statement its output, and whether the error output names its line."""
        path = os.path.join(self.tmp, "script.sql")
        lines = [".nullvalue NULL", ".headers off"]
        line_of = []
        for n, sql in enumerate(statements):
            lines.append(".print %s%d" % (MARK, n))
            lines.append(sql)
            line_of.append(len(lines))
        lines.append(".print %send" % MARK)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        args, stdin, pattern = command(path)
        with open(stdin or os.devnull, "rb") as f:
            proc = subprocess.run(args, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  cwd=self.tmp,
                                  env=ddbsql_env(self.endpoint, self.key_id, self.tmp),
                                  timeout=RUN_TIMEOUT)
        out = proc.stdout.decode("utf-8", errors="surrogateescape")
        err = proc.stderr.decode("utf-8", errors="surrogateescape")
        parts, _ = split_marked(out, len(statements))
        errors = {}
        for line in err.splitlines():
            m = pattern.search(line)
            if m:
                errors.setdefault(int(m.group(1)), line)
        return [(p, errors.get(line_of[n])) for n, p in enumerate(parts)], err

    def ddbsql_command(self, path):
        # A script file: errors name FILE:LINE.
        return [DDBSQL, "-batch", "-csv", os.path.basename(path)], None, self.DDBSQL_ERROR

    def sqlite3_command(self, path):
        # The script on stdin: errors say "near line LINE".
        return (["sqlite3", "-init", os.devnull, "-batch", "-csv", self.db], path,
                self.SQLITE3_ERROR_LINE)

    def check(self, script, label):
        self.assertGreaterEqual(len(script), 200)
        started = time.monotonic()
        got, got_err = self.run_script(self.ddbsql_command, [g for g, _ in script])
        seconds = time.monotonic() - started
        want, want_err = self.run_script(self.sqlite3_command, [w for _, w in script])
        print("%s: ddbsql ran %d statements in %.1f s" % (label, len(script), seconds))
        mismatches = []
        for n, ((sql, _), (g_out, g_err), (w_out, w_err)) in enumerate(zip(script, got, want)):
            if g_out != w_out or (g_err is None) != (w_err is None):
                mismatches.append(n)
        report = []
        for n in mismatches[:8]:
            # The statements of its transaction before it, for context.
            first = n
            while first > 0 and script[first][0] not in ("BEGIN;",) and n - first < 25:
                first -= 1
            report.append("---- statement %d: %s" % (n, script[n][0]))
            report.append("  after: " + " | ".join(s for s, _ in script[first:n]))
            report.append("  sqlite3: %r, error: %s" % (want[n][0], want[n][1]))
            report.append("  ddbsql:  %r, error: %s" % (got[n][0], got[n][1]))
        errors = sum(1 for _, e in want if e)
        print("%s: %d statements, %d failed alike on both sides, %d differ"
              % (label, len(script), errors, len(mismatches)))
        if mismatches:
            print("\n".join(report))
            print("ddbsql stderr (end):\n" + got_err[-3000:])
            print("sqlite3 stderr (end):\n" + want_err[-3000:])
        sys.stdout.flush()
        self.assertEqual([], mismatches, "%s: statements whose outcome differs" % label)
        # DynamoDB itself, read by a peer client, holds what sqlite3's table does.
        db = sqlite3.connect(self.db)
        try:
            for table, columns in (("kvt", writes.KVT_COLUMNS), ("evt", writes.EVT_COLUMNS)):
                names = [c for c, _ in columns]
                want_rows = sorted(tuple(r) for r in db.execute(
                    "SELECT %s FROM %s" % (", ".join(names), table)))
                items = self.client.scan(TableName=table, ConsistentRead=True)["Items"]
                got_rows = sorted(tuple(self.plain(it.get(c)) for c in names) for it in items)
                self.assertEqual(want_rows, got_rows, "%s: %s differs in DynamoDB" % (label, table))
        finally:
            db.close()

    @staticmethod
    def plain(av):
        if av is None:
            return None
        if "S" in av:
            return av["S"]
        value = float(av["N"])
        return int(value) if value.is_integer() else value

    def seed(self, offset):
        return int(os.environ.get("DDBSQL_DIFF_SEED", writes.SEED)) + offset

    def test_random_transactions_match_sqlite(self):
        # Reads inside a transaction see its own writes; writes of one item
        # combine into one action; ROLLBACK TO and failed statements undo.
        self.check(writes.script(self.seed(0), transactions=True, statements=400),
                   "inside BEGIN (seed %d)" % self.seed(0))

    def test_random_writes_outside_begin_match_sqlite(self):
        self.check(writes.script(self.seed(1), transactions=False, statements=240),
                   "outside BEGIN (seed %d)" % self.seed(1))


def main():
    global DDBSQL
    ap = argparse.ArgumentParser()
    ap.add_argument("--ddbsql", required=True)
    args, rest = ap.parse_known_args()
    DDBSQL = os.path.abspath(args.ddbsql)
    if not os.environ.get("DDBSQL_TEST_DYNAMODB_URL"):
        if os.environ.get("DDBSQL_REQUIRE_EMULATORS") == "1":
            print("DDBSQL_TEST_DYNAMODB_URL is not set")
            return 1
        print("skipped: DDBSQL_TEST_DYNAMODB_URL is not set")
        return 77  # SKIP_RETURN_CODE: ctest shows Skipped
    if shutil.which("sqlite3") is None:
        print("the sqlite3 command-line shell is not installed")
        return 1
    try:
        prog = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    finally:
        if Fixture._instance is not None:
            Fixture._instance.close()
    return cli_support.exit_status(prog.result)


if __name__ == "__main__":
    sys.exit(main())
