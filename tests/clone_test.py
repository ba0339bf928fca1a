#!/usr/bin/env python3
"""The build from a clone alone: clones the committed repository (HEAD) into
an empty temporary directory, with nothing of this workspace beside it, and
runs README's test command there (`scripts/test.sh`), restricted with -R to
the tests that read data from the repository (the SigV4 suite, the
pynamodb_mate vectors, the SQL behaviour files, the golden and differential
corpora) so that CI does not run the suite twice.

The clone builds in its own build/ (ccache makes that cheap when it sees the
same sources) and starts emulators of its own; only the downloaded DynamoDB
Local is shared, by a symbolic link in the clone's git-ignored .cache/.
DDBSQL_IN_CLONE_TEST guards against recursion: the inner run skips this test.

Run: scripts/python.sh tests/clone_test.py --ddbsql build/ddbsql
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

# The tests that read repository data (tests/data, tests/sql, tests/golden,
# tests/differential) plus the CLI basics; README says the same.
INNER_TESTS = "SigV4|[Pp]ynamodb|sql_files|golden_test|differential_test|cli_test"
INNER_TIMEOUT_SECONDS = 1500


class CloneTest(unittest.TestCase):
    def test_a_fresh_clone_builds_and_passes(self):
        if os.environ.get("DDBSQL_IN_CLONE_TEST"):
            self.skipTest("already inside the clone test")
        if os.environ.get("CI") == "true":
            # CI runs the whole suite on a clean clone already: this test is
            # for a developer's checkout, where ../ might hide a dependency.
            self.skipTest("CI is itself a clean clone")
        repo = cli_support.REPO
        if not os.path.isdir(os.path.join(repo, ".git")) and not os.path.isfile(
                os.path.join(repo, ".git")):
            self.skipTest("not a git checkout")
        cache = os.environ.get("DDBSQL_CACHE") or os.path.join(repo, ".cache")
        os.makedirs(cache, exist_ok=True)
        # Under the cache (git-ignored, and below ccache's base_dir where
        # there is one), in a folder of its own: nothing beside the clone.
        parent = tempfile.mkdtemp(prefix="clone-", dir=cache)
        self.addCleanup(shutil.rmtree, parent, ignore_errors=True)
        clone = os.path.join(parent, "ddbsql")
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", repo, clone], check=True,
                       timeout=120)
        self.assertEqual(os.listdir(parent), ["ddbsql"])
        self.assertFalse(os.path.exists(os.path.join(clone, "build")))
        # Share the DynamoDB Local download, nothing else.
        downloaded = os.path.join(cache, "dynamodb-local")
        if os.path.isdir(downloaded):
            os.makedirs(os.path.join(clone, ".cache"))
            os.symlink(downloaded, os.path.join(clone, ".cache", "dynamodb-local"))

        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DDBSQL_", "AWS_")) and k != "CI"}
        env["DDBSQL_IN_CLONE_TEST"] = "1"
        command = ["scripts/test.sh", "-R", INNER_TESTS]
        try:
            result = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True,
                                    timeout=INNER_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            self.fail(f"{' '.join(command)} in the clone took over {e.timeout} s")
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, f"in {clone}:\n{output[-6000:]}")
        self.assertIn("100% tests passed", output, output[-3000:])
        # The suite really ran there: the SigV4 cases read the clone's data.
        self.assertIn("SigV4", output)
        self.assertNotIn("Not Run", output)


if __name__ == "__main__":
    cli_support.main()
