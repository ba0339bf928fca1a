#!/usr/bin/env python3
"""scripts/emulators.sh never stops emulators another live process started:
a second scripts/demo.sh (or test run) with the same instance name must not
end the first one's session. Run against stand-in emulator processes (each
in a session of its own, as emulators.sh starts them) under a private
DDBSQL_CACHE, so nothing real is touched.

Run: scripts/python.sh tests/cli_emulators_test.py --ddbsql build/ddbsql
"""

import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

SCRIPT = os.path.join(cli_support.REPO, "scripts", "emulators.sh")


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class EmulatorOwnershipTest(cli_support.CliTestCase):
    def start_instance(self, name):
        """A state file as `start` writes it: an owner and two 'emulators'."""
        owner = subprocess.Popen(["sleep", "300"])
        fakes = [subprocess.Popen(["setsid", "sleep", "300"]) for _ in range(2)]
        for p in [owner] + fakes:
            self.addCleanup(p.wait)
            self.addCleanup(p.kill)
        run = os.path.join(self.home, "cache", "run", name)
        os.makedirs(run)
        state = os.path.join(run, "emulators.env")
        with open(state, "w") as f:
            f.write(f"EMU_OWNER_PID={owner.pid}\nEMU_WATCHDOG_PGID=\n"
                    f"EMU_DYNAMODB_PGID={fakes[0].pid}\nEMU_S3_PGID={fakes[1].pid}\n")
        time.sleep(0.2)  # setsid has run: each fake leads its own group
        return owner, fakes, state

    def stop(self, name, **env):
        full = dict(os.environ, DDBSQL_CACHE=os.path.join(self.home, "cache"), **env)
        full.pop("DDBSQL_EMULATORS_OWNER", None)
        full.update(env)
        return subprocess.run([SCRIPT, "stop", name], env=full, capture_output=True, text=True,
                              timeout=60)

    def test_another_owner_cannot_stop_a_live_instance(self):
        owner, fakes, state = self.start_instance("demo")
        result = self.stop("demo", DDBSQL_EMULATORS_OWNER=str(os.getpid()))
        self.assertEqual(result.returncode, 0, result)
        self.assertIn(f"it belongs to process {owner.pid}", result.stderr)
        self.assertTrue(all(alive(p.pid) for p in fakes))
        self.assertTrue(os.path.exists(state))
        # Its owner stops it.
        result = self.stop("demo", DDBSQL_EMULATORS_OWNER=str(owner.pid))
        self.assertEqual(result.returncode, 0, result)
        for p in fakes:
            p.wait(timeout=20)
        self.assertFalse(os.path.exists(state))

    def test_an_instance_whose_owner_is_gone_is_stopped(self):
        owner, fakes, state = self.start_instance("demo")
        owner.kill()
        owner.wait()
        result = self.stop("demo", DDBSQL_EMULATORS_OWNER=str(os.getpid()))
        self.assertEqual(result.returncode, 0, result)
        for p in fakes:
            p.wait(timeout=20)
        self.assertFalse(os.path.exists(state))


if __name__ == "__main__":
    cli_support.main()
