"""The peak resident memory of one ddbsql run, for the tests that bound it
(tests/memory_test.py, tests/hostile_server_test.py).

os.wait4 reports the child's own ru_maxrss (KiB on Linux): neither
/usr/bin/time (not installed everywhere) nor RUSAGE_CHILDREN (the largest of
every child reaped so far) gives that. Under AddressSanitizer a process's
resident memory is mostly its shadow and quarantine, so callers skip the
bound there (sanitized()).
"""

import os
import subprocess
import threading
import time

import cli_support


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
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=test.home,
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
        proc.kill()

    timer = threading.Timer(cli_support.TIMEOUT_SECONDS, expire)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join()
    proc.stdout.close()
    proc.stderr.close()
    if expired.is_set():
        test.fail(f"{argv} did not finish within {cli_support.TIMEOUT_SECONDS} s")
    result = cli_support.Result(argv, proc.returncode, out["stdout"], out["stderr"],
                                time.monotonic() - start)
    test.assert_no_secret(result)
    return result, usage.ru_maxrss
