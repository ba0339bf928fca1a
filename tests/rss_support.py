"""The peak resident memory of one ddbsql run, for the tests that bound it
(tests/memory_test.py, tests/hostile_server_test.py).

A process's ru_maxrss (KiB on Linux) keeps, across exec, the high-water
mark of the process it was forked from: a ddbsql forked by the test (a
Python holding boto3 and its fixtures, 100 MB and more) would report the
test's size. So a fresh, small Python (LAUNCHER, about 10 MB) forks and
execs ddbsql and reports the child's own ru_maxrss from os.wait4; neither
/usr/bin/time (not installed everywhere) nor RUSAGE_CHILDREN (the largest
of every child reaped so far) is needed. Under AddressSanitizer a process's
resident memory is mostly its shadow and quarantine, so callers skip the
bound there (sanitized()).
"""

import os
import signal
import subprocess
import sys
import threading
import time

import cli_support

# argv: REPORT_FILE PROGRAM ARGS...; exits with the program's status (128+N
# for a signal) and writes its peak resident KiB to REPORT_FILE.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""


def sanitized():
    """True under scripts/test.sh --sanitize (ASan's quarantine keeps freed
    memory resident: peak RSS then says nothing about ddbsql's bounds)."""
    return bool(os.environ.get("ASAN_OPTIONS"))


def run_measured(test, args, env, input=None):
    """Runs ddbsql with `args` like CliTestCase.run_cli; returns (Result,
    peak resident KiB)."""
    argv = [cli_support.DDBSQL] + list(args)
    if isinstance(input, str):
        input = input.encode("utf-8")
    report = os.path.join(test.home, "peak-rss")
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", LAUNCHER, report] + argv,
                            env=env, cwd=test.home, start_new_session=True,
                            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = {}

    def drain(name, f):
        out[name] = f.read()

    readers = [threading.Thread(target=drain, args=(name, f))
               for name, f in (("stdout", proc.stdout), ("stderr", proc.stderr))]
    for r in readers:
        r.start()
    if input is not None:
        proc.stdin.write(input)
        proc.stdin.close()
    expired = threading.Event()

    def expire():
        expired.set()
        os.killpg(proc.pid, signal.SIGKILL)  # the launcher and ddbsql

    timer = threading.Timer(cli_support.TIMEOUT_SECONDS, expire)
    timer.start()
    try:
        returncode = proc.wait()
    finally:
        timer.cancel()
    for r in readers:
        r.join()
    proc.stdout.close()
    proc.stderr.close()
    if expired.is_set():
        test.fail(f"{argv} did not finish within {cli_support.TIMEOUT_SECONDS} s")
    # A signal's 128+N back to the negative status subprocess reports.
    if returncode > 128:
        returncode = 128 - returncode
    result = cli_support.Result(argv, returncode, out["stdout"], out["stderr"],
                                time.monotonic() - start)
    test.assert_no_secret(result)
    with open(report) as f:
        return result, int(f.read())
