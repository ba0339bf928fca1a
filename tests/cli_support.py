"""Shared helpers for the end-to-end tests of the ddbsql binary (tests/*_test.py).

Each test file ends with `cli_support.main()`, which takes `--ddbsql PATH` off
the command line and runs unittest on the rest:

    scripts/python.sh tests/cli_test.py --ddbsql build/ddbsql [unittest args]

Every ddbsql (and AWS CLI) run goes through `CliTestCase.run_cli`, which
 - builds the child's environment from scratch (no AWS_* variable, ~/.aws or
   ~/.ddbsqlrc of the person running the tests leaks in; instance metadata is
   disabled so nothing ever leaves the machine),
 - feeds stdin from /dev/null unless the test gives input, so a test that
   forgets -c cannot hang on a terminal,
 - stops the child after 20 s and records how long it took,
 - and asserts that no secret the tests ever created appears in its stdout or
   stderr.

DynamoDB Local comes from DDBSQL_TEST_DYNAMODB_URL; when it is unset the
tests that need it skip, or fail when DDBSQL_REQUIRE_EMULATORS=1.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION = "us-east-1"
# How much slower than an ordinary build the binary under test is allowed to
# be: scripts/test.sh --sanitize sets 4 (ASan and UBSan at -O0).
TIME_SCALE = float(os.environ.get("DDBSQL_TEST_TIME_SCALE") or 1)
TIMEOUT_SECONDS = 20 * TIME_SCALE

# Set by main(): the binary under test.
DDBSQL = os.path.join(REPO, "build", "ddbsql")

# Every secret key and session token any test created. run_cli checks each
# child's output against all of them, not only the ones it was handed: a
# secret from one profile must not show up in another run either.
SECRETS = set()


def new_secret(label="secret"):
    """A fresh secret access key (or token) that output is checked against."""
    secret = f"{label}-{uuid.uuid4().hex}"
    SECRETS.add(secret)
    return secret


def new_key_id(label):
    """A fresh access key id: DynamoDB Local keeps one database per key id
    and region, so each test class gets tables of its own."""
    return f"{label}{uuid.uuid4().hex[:12]}"


def dynamodb_url():
    return os.environ.get("DDBSQL_TEST_DYNAMODB_URL") or None


def emulators_required():
    return os.environ.get("DDBSQL_REQUIRE_EMULATORS") == "1"


def require_dynamodb(test):
    """The DynamoDB Local URL; skips `test` (a TestCase, or a class in
    setUpClass) without one, or fails when the emulators are required."""
    url = dynamodb_url()
    if url:
        return url
    message = "DDBSQL_TEST_DYNAMODB_URL is not set (start scripts/emulators.sh)"
    if emulators_required():
        raise AssertionError(message + " and DDBSQL_REQUIRE_EMULATORS=1")
    raise unittest.SkipTest(message)


def require_s3(test=None):
    """The moto S3 URL (moto's server also answers DynamoDB and KMS); skips
    without one, or fails when the emulators are required."""
    url = os.environ.get("DDBSQL_TEST_S3_URL")
    if url:
        return url
    message = "DDBSQL_TEST_S3_URL (moto's server) is not set (start scripts/emulators.sh)"
    if emulators_required():
        raise AssertionError(message + " and DDBSQL_REQUIRE_EMULATORS=1")
    raise unittest.SkipTest(message)


def skip_unless_installed(available, what):
    """Skips the test (raises SkipTest) when `what`, something
    scripts/setup.sh installs, is missing; fails instead when
    DDBSQL_REQUIRE_EMULATORS=1 (scripts/test.sh, CI), where a skip would hide
    a broken setup."""
    if available:
        return
    if emulators_required():
        raise AssertionError(f"{what} is missing but DDBSQL_REQUIRE_EMULATORS=1 "
                             "(scripts/setup.sh installs it)")
    raise unittest.SkipTest(f"{what} is missing (scripts/setup.sh installs it)")


def boto_client(url, key_id, secret, region=REGION):
    import boto3  # imported here so --help works without boto3

    SECRETS.add(secret)
    return boto3.client("dynamodb", endpoint_url=url, region_name=region,
                        aws_access_key_id=key_id, aws_secret_access_key=secret)


def create_table(client, name, key="id", key_type="S", range_key=None):
    schema = [{"AttributeName": key, "KeyType": "HASH"}]
    definitions = [{"AttributeName": key, "AttributeType": key_type}]
    if range_key:
        schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
        definitions.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
    client.create_table(TableName=name, KeySchema=schema, AttributeDefinitions=definitions,
                        BillingMode="PAY_PER_REQUEST")


def to_boto(value):
    """A DynamoDB JSON value (binary as base64 text) as boto3 takes it
    (binary as bytes)."""
    import base64

    (t, v), = value.items()
    if t == "B":
        return {"B": base64.b64decode(v)}
    if t == "BS":
        return {"BS": [base64.b64decode(x) for x in v]}
    if t == "M":
        return {"M": {k: to_boto(x) for k, x in v.items()}}
    if t == "L":
        return {"L": [to_boto(x) for x in v]}
    return value


def load_test_module(name, relative_path):
    """The Python file tests/`relative_path` (a data set beside the tests),
    loaded as module `name`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        name, os.path.join(os.path.dirname(os.path.abspath(__file__)), relative_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def marked_statements(statements, mark):
    """A script (for ddbsql or the sqlite3 shell) running `statements` with
    .stats on, each after a line `.print MARK<n>`, so that split_at_marks
    finds each one's output; no headers, NULL as an empty string."""
    lines = [".headers off", ".nullvalue ''", ".stats on"]
    for n, sql in enumerate(statements):
        lines.append(".print %s%d" % (mark, n))
        lines.append(sql + ";")
    lines.append(".print %send" % mark)
    return "\n".join(lines) + "\n"


def split_at_marks(out, count, mark):
    """The output of each of the `count` statements of a marked_statements
    script (None for one that printed no mark)."""
    import re

    parts = re.split(re.escape(mark) + r"(\w+)\n", out)
    found = dict(zip(parts[1::2], parts[2::2]))
    return [found.get(str(n)) for n in range(count)]


def sqlite3_answers(db_path, statements, mark):
    """What the sqlite3 shell prints (-csv) for each of `statements` on the
    database `db_path`: the oracle ddbsql's answers are compared with."""
    script = marked_statements(statements, mark).replace(".stats on\n", "")
    out = subprocess.run(["sqlite3", "-init", os.devnull, "-batch", "-csv", db_path],
                         input=script, capture_output=True, text=True).stdout
    return split_at_marks(out, len(statements), mark)


class FaultProxy:
    """tests/fault_proxy.py in front of `target` (an http:// URL), ended by
    stop() (a test registers it with addCleanup)."""

    def __init__(self, target, max_seconds=300):
        import json  # noqa: F401 (used by the methods)

        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "fault_proxy.py"), target,
             "--max-seconds", str(max_seconds)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = "http://127.0.0.1:%d" % int(self.proc.stdout.readline().strip())

    def control(self, path, request=None):
        import json
        import urllib.request

        data = json.dumps(request or {}).encode()
        method = "POST" if request is not None or path != "/log" else "GET"
        req = urllib.request.Request(self.url + "/__fault__" + path,
                                     data=data if method == "POST" else None, method=method)
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read() or b"{}")

    def log(self):
        return self.control("/log")

    def then(self, fault, **options):
        """Every request from now on meets `fault` ("ok", "delay:MS",
        "stall", ...; `options` such as stall_seconds go with it)."""
        self.control("", {"plan": [], "then": fault, **options})

    def wait_held(self, count, timeout=TIMEOUT_SECONDS):
        """Waits until `count` requests are held; returns the log."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.log()
            if log["held"] >= count or time.monotonic() > deadline:
                return log
            time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


class Result:
    def __init__(self, args, returncode, stdout_bytes, stderr_bytes, elapsed):
        self.args = args
        self.returncode = returncode
        self.stdout_bytes = stdout_bytes
        self.stderr_bytes = stderr_bytes
        self.stdout = stdout_bytes.decode("utf-8", "replace")
        self.stderr = stderr_bytes.decode("utf-8", "replace")
        self.elapsed = elapsed

    def __repr__(self):
        return (f"<{' '.join(self.args)}: exit {self.returncode} in {self.elapsed:.2f} s,"
                f" stdout={self.stdout!r}, stderr={self.stderr!r}>")


# Passed on to every child: how a sanitizer build (scripts/test.sh --sanitize)
# reports, and how a pyenv shim finds its Python (the AWS CLI may be one).
PASSED_ON = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "PYENV_ROOT", "PYENV_VERSION")


def hermetic_env(home, **extra):
    """The environment of a ddbsql (or AWS CLI, sqlite3) child, built from
    scratch: HOME is `home` (a private folder) and no XDG_* variable is set,
    so ~/.ddbsqlrc, the catalog, the schema cache, the ledger and ~/.aws are
    all the test's own; no AWS setting of the runner; instance metadata
    disabled; then `extra` (None removes)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        "AWS_EC2_METADATA_DISABLED": "true",
        # Config files that do not exist, unless a test writes them.
        "AWS_CONFIG_FILE": os.path.join(home, "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "no-credentials"),
    }
    for name in PASSED_ON:
        if name in os.environ:
            env[name] = os.environ[name]
    for name, value in extra.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class CliTestCase(unittest.TestCase):
    """A TestCase with a private HOME and the run_cli helper."""

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="ddbsql-cli-test-")
        self.addCleanup(shutil.rmtree, self.home, True)

    def base_env(self, **extra):
        """The minimal environment of a child: an empty HOME, no AWS
        settings, instance metadata disabled, then `extra` (None removes)."""
        env = hermetic_env(self.home, **extra)
        for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            if env.get(name):
                SECRETS.add(env[name])
        return env

    def run_cli(self, args, env, input=None, program=None):
        """Runs ddbsql (or `program`, e.g. the AWS CLI) with `args`; returns
        a Result. Fails the test on a hang or when a secret shows up."""
        argv = [program or DDBSQL] + list(args)
        if isinstance(input, str):
            input = input.encode("utf-8")
        start = time.monotonic()
        try:
            proc = subprocess.run(argv, env=env, input=input,
                                  stdin=None if input is not None else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=TIMEOUT_SECONDS, cwd=self.home)
        except subprocess.TimeoutExpired as e:
            self.fail(f"{argv} did not finish within {TIMEOUT_SECONDS} s "
                      f"(stdout={e.stdout!r}, stderr={e.stderr!r})")
        result = Result(argv, proc.returncode, proc.stdout, proc.stderr,
                        time.monotonic() - start)
        self.assert_no_secret(result)
        return result

    def run_cli_interleaved(self, args, env, before, between, after):
        """Runs ddbsql with `args` on the script `before`, then calls
        `between()` (another writer, say) while the session waits for more
        input, then feeds it `after`; returns a Result."""
        argv = [DDBSQL] + list(args)
        start = time.monotonic()
        with subprocess.Popen(argv, env=env, cwd=self.home, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
            proc.stdin.write((before + ".print @@ready\n").encode("utf-8"))
            proc.stdin.flush()
            seen = []
            for line in proc.stdout:  # the marker comes once `before` has run
                if line.strip() == b"@@ready":
                    break
                seen.append(line)
            between()
            try:
                out, err = proc.communicate(after.encode("utf-8"), timeout=TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                self.fail(f"{argv} did not finish within {TIMEOUT_SECONDS} s")
        result = Result(argv, proc.returncode, b"".join(seen) + out, err,
                        time.monotonic() - start)
        self.assert_no_secret(result)
        return result

    def assert_no_secret(self, result):
        for secret in SECRETS:
            for name, data in (("stdout", result.stdout_bytes), ("stderr", result.stderr_bytes)):
                self.assertNotIn(secret.encode("utf-8"), data,
                                 f"a secret key appears on {name} of {result.args}")

    def assert_ok(self, result):
        self.assertEqual(result.returncode, 0, result)
        self.assertEqual(result.stderr, "", result)

    def assert_one_line_error(self, result, status, *needles):
        """Exit `status`, nothing on stdout, exactly one line on stderr that
        contains every needle."""
        self.assertEqual(result.returncode, status, result)
        self.assertEqual(result.stdout, "", result)
        self.assertTrue(result.stderr.endswith("\n"), result)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result)
        for needle in needles:
            self.assertIn(needle, lines[0], result)
        return lines[0]


def main():
    global DDBSQL
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--ddbsql", default=os.environ.get("DDBSQL_BIN", DDBSQL))
    known, rest = parser.parse_known_args()
    DDBSQL = os.path.abspath(known.ddbsql)
    if not os.access(DDBSQL, os.X_OK):
        sys.exit(f"{sys.argv[0]}: no ddbsql binary at {DDBSQL} (pass --ddbsql PATH)")
    prog = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, exit=False)
    sys.exit(exit_status(prog.result))


# The exit status ctest reads as "Skipped" (SKIP_RETURN_CODE in CMakeLists.txt).
SKIP_RETURN_CODE = 77


def exit_status(result):
    """0 when every test ran and passed, 1 on a failure, SKIP_RETURN_CODE when
    none failed but some skipped (ctest then shows the file as Skipped, not
    Passed, and the output above names what skipped and why)."""
    if not result.wasSuccessful():
        return 1
    if result.skipped:
        print(f"{len(result.skipped)} of {result.testsRun} tests skipped:", file=sys.stderr)
        for test, reason in result.skipped:
            print(f"  {test.id()}: {reason}", file=sys.stderr)
        return SKIP_RETURN_CODE
    return 0
