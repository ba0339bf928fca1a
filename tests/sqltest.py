#!/usr/bin/env python3
"""Runs the SQL behaviour tests in tests/sql/*.test against ddbsql.

A .test file is a list of records separated by blank lines (sqllogictest
style, as DuckDB writes them):

    # a comment

    dynamodb table orders pk:S sk:N gsi=by_status:status:S
    {"pk": "a", "sk": 1, "status": "open", "total": 10.5}
    {"pk": "a", "sk": 2, "status": "shipped"}

    statement ok
    CREATE TABLE t(x)

    statement error no such column: nope
    SELECT nope FROM t

    query
    SELECT pk, sk FROM orders ORDER BY sk
    ----
    a|1
    a|2

    query rowsort
    SELECT pk FROM orders
    ----
    a
    a

    requests GetItem=1 Scan=0
    SELECT * FROM orders WHERE pk = 'a' AND sk = 1

`dynamodb table NAME KEY [RANGE] [gsi=NAME:ATTR:TYPE[:RANGE:TYPE]]...` creates a
DynamoDB table through boto3 (a peer client we did not write) and puts the
items that follow, one plain-JSON object per line (numbers become N, strings
S, true/false BOOL, null NULL, objects M, arrays L; {"$b": "base64"} is B,
{"$ss": [...]}, {"$ns": [...]}, {"$bs": [...]} are sets).

A record body may hold dot-commands (`statement ok` then `.parameter set :k 'x'`):
a body whose first line is a dot-command is passed as is (SQL lines in it need
their own ';'); any other body gets a ';' appended when it lacks one. `$TMP`
in a record stands for a temporary directory of the file's own (removed
afterwards), for local database files: `ATTACH '$TMP/local.db' AS lf`.

Query results print in list mode with "|" between columns and NULL as
"NULL". `statement error TEXT` passes when the statement fails with an error
message containing TEXT. `requests OP=N ...` runs the statement and checks
the DynamoDB requests `.stats` reports.

Every file runs in one ddbsql process (so local tables persist from record
to record) against a DynamoDB Local database of its own (a fresh access key
id). Usage: sqltest.py --ddbsql PATH DIR_OR_FILES...
"""

import argparse
import base64
import decimal
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

MARK = "@@record@@"


class Record:
    def __init__(self, kind, args, body, expected, line):
        self.kind = kind
        self.args = args
        self.body = body
        self.expected = expected
        self.line = line


def parse(path):
    records = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("#"):
            i += 1
            continue
        start = i + 1
        head = line.split()
        kind, args = head[0], head[1:]
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() and lines[i] != "----":
            body.append(lines[i])
            i += 1
        expected = None
        if i < len(lines) and lines[i] == "----":
            i += 1
            expected = []
            while i < len(lines) and lines[i] != "":
                expected.append(lines[i])
                i += 1
        if kind == "statement" and args[:1] == ["error"]:
            args = ["error", " ".join(line.split()[2:])]
        records.append(Record(kind, args, "\n".join(body), expected, start))
    return records


def to_attr(v):
    if v is None:
        return {"NULL": True}
    if isinstance(v, bool):
        return {"BOOL": v}
    if isinstance(v, (int, decimal.Decimal)):
        return {"N": str(v)}
    if isinstance(v, float):
        return {"N": repr(v)}
    if isinstance(v, str):
        return {"S": v}
    if isinstance(v, list):
        return {"L": [to_attr(x) for x in v]}
    if isinstance(v, dict):
        if set(v) == {"$b"}:
            return {"B": base64.b64decode(v["$b"])}
        if set(v) == {"$ss"}:
            return {"SS": v["$ss"]}
        if set(v) == {"$ns"}:
            return {"NS": [str(x) for x in v["$ns"]]}
        if set(v) == {"$bs"}:
            return {"BS": [base64.b64decode(x) for x in v["$bs"]]}
        return {"M": {k: to_attr(x) for k, x in v.items()}}
    raise ValueError("cannot store %r" % (v,))


def create_table(client, args, items, where):
    name = args[1]
    keys = [a for a in args[2:] if "=" not in a]
    defs = {}
    schema = []
    for role, k in zip(["HASH", "RANGE"], keys):
        attr, typ = k.split(":")
        defs[attr] = typ
        schema.append({"AttributeName": attr, "KeyType": role})
    gsis, lsis = [], []
    for a in args[2:]:
        if "=" not in a:
            continue
        kind, spec = a.split("=", 1)
        parts = spec.split(":")
        iname, iattr, ityp = parts[0], parts[1], parts[2]
        defs[iattr] = ityp
        ischema = [{"AttributeName": iattr, "KeyType": "HASH"}]
        if len(parts) >= 5:
            defs[parts[3]] = parts[4]
            ischema.append({"AttributeName": parts[3], "KeyType": "RANGE"})
        proj = {"ProjectionType": "ALL"}
        if kind == "gsi":
            gsis.append({"IndexName": iname, "KeySchema": ischema, "Projection": proj})
        elif kind == "lsi":
            ischema[0]["KeyType"] = "RANGE"
            lsis.append({"IndexName": iname,
                         "KeySchema": [schema[0], {"AttributeName": iattr, "KeyType": "RANGE"}],
                         "Projection": proj})
        else:
            raise ValueError("%s: unknown table option %s" % (where, a))
    req = {
        "TableName": name,
        "KeySchema": schema,
        "AttributeDefinitions": [{"AttributeName": k, "AttributeType": t} for k, t in defs.items()],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if gsis:
        req["GlobalSecondaryIndexes"] = gsis
    if lsis:
        req["LocalSecondaryIndexes"] = lsis
    client.create_table(**req)
    client.get_waiter("table_exists").wait(TableName=name)
    for line in items:
        obj = json.loads(line, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
        client.put_item(TableName=name, Item={k: to_attr(v) for k, v in obj.items()})


def run_file(path, ddbsql, endpoint):
    with tempfile.TemporaryDirectory(prefix="sqltest-") as tmp:
        return run_file_in(path, ddbsql, endpoint, tmp)


def run_file_in(path, ddbsql, endpoint, tmp):
    import boto3  # imported here so --help works without it

    key_id = "sqltest" + uuid.uuid4().hex[:12]
    # A private HOME (no ~/.ddbsqlrc, catalog, schema cache, ledger or ~/.aws
    # of the person running the tests) and nothing else of the runner's.
    home = os.path.join(tmp, "home")
    os.mkdir(home)
    env = cli_support.hermetic_env(home, AWS_ACCESS_KEY_ID=key_id,
                                   AWS_SECRET_ACCESS_KEY="secret", AWS_REGION="us-east-1",
                                   AWS_ENDPOINT_URL_DYNAMODB=endpoint)
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=key_id, aws_secret_access_key="secret")
    records = parse(path)
    for r in records:
        r.body = r.body.replace("$TMP", tmp)
        if r.expected:
            r.expected = [line.replace("$TMP", tmp) for line in r.expected]
    script = [".nullvalue NULL", ".mode list", ".headers off"]
    for n, r in enumerate(records):
        where = "%s:%d" % (path, r.line)
        if r.kind == "dynamodb":
            create_table(client, r.args, r.body.split("\n") if r.body else [], where)
            continue
        script.append(".print %s%d" % (MARK, n))
        if r.kind == "requests":
            script.append(".stats on")
        body = r.body.rstrip()
        if not body.endswith(";") and not body.lstrip().startswith("."):
            body += ";"
        script.append(body)
        if r.kind == "requests":
            script.append(".stats off")
    script.append(".print %send" % MARK)
    proc = subprocess.run([ddbsql, "-batch"], input="\n".join(script) + "\n", env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=600 * cli_support.TIME_SCALE)
    out = proc.stdout
    chunks = {}
    for m in re.finditer(re.escape(MARK) + r"(\w+)\n", out):
        chunks[m.group(1)] = m.end()
    failures = []
    keys = list(chunks)
    for n, r in enumerate(records):
        if r.kind == "dynamodb":
            continue
        where = "%s:%d" % (path, r.line)
        k = str(n)
        if k not in chunks:
            failures.append("%s: no output (did ddbsql stop early?)\n%s" % (where, out[-2000:]))
            break
        start = chunks[k]
        nxt = keys[keys.index(k) + 1] if keys.index(k) + 1 < len(keys) else None
        end = out.index(MARK + nxt) if nxt else len(out)
        got = out[start:end]
        lines = got.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if r.kind == "statement":
            errors = [l for l in lines if "Error" in l or re.match(r"^<stdin>:\d+: ", l)]
            if r.args[:1] == ["ok"]:
                if errors:
                    failures.append("%s: statement failed: %s" % (where, got.strip()))
            elif r.args[:1] == ["error"]:
                if not errors:
                    failures.append("%s: statement succeeded, expected error %r" % (where, r.args[1]))
                elif r.args[1] and r.args[1] not in got:
                    failures.append("%s: expected error containing %r, got %r" % (where, r.args[1], got.strip()))
        elif r.kind == "query":
            expected = r.expected or []
            if "rowsort" in r.args:
                lines, expected = sorted(lines), sorted(expected)
            if lines != expected:
                failures.append("%s: query result differs\n  SQL: %s\n  expected:\n    %s\n  got:\n    %s"
                                % (where, r.body, "\n    ".join(expected), "\n    ".join(lines)))
        elif r.kind == "requests":
            stat = [l for l in lines if l.startswith("requests:")]
            if not stat:
                failures.append("%s: no .stats line in %r" % (where, got))
                continue
            for want in r.args:
                op, n_want = want.split("=")
                m = re.search(r"\b%s (\d+)" % re.escape(op), stat[-1]) if op != "total" else \
                    re.search(r"requests: (\d+)", stat[-1])
                if not m or m.group(1) != n_want:
                    failures.append("%s: expected %s, stats say: %s" % (where, want, stat[-1]))
        else:
            failures.append("%s: unknown record kind %r" % (where, r.kind))
    return len([r for r in records if r.kind != "dynamodb"]), failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ddbsql", required=True)
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    endpoint = os.environ.get("DDBSQL_TEST_DYNAMODB_URL")
    if not endpoint:
        if os.environ.get("DDBSQL_REQUIRE_EMULATORS") == "1":
            print("DDBSQL_TEST_DYNAMODB_URL is not set")
            return 1
        print("skipped: DDBSQL_TEST_DYNAMODB_URL is not set")
        return 77  # SKIP_RETURN_CODE: ctest shows Skipped
    files = []
    for p in a.paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".test"))
        else:
            files.append(p)
    total = failed = 0
    for f in files:
        n, failures = run_file(f, a.ddbsql, endpoint)
        total += n
        failed += len(failures)
        status = "ok" if not failures else "FAILED"
        print("%s: %d records %s" % (os.path.relpath(f), n, status))
        for msg in failures:
            print("  " + msg.replace("\n", "\n  "))
    print("sqltest: %d passed, %d failed" % (total - failed, failed))
    return 1 if failed or not files else 0


if __name__ == "__main__":
    sys.exit(main())
