#!/usr/bin/env python3
"""Credentials, profiles and regions, end to end, checked against the AWS CLI.

DynamoDB Local keeps a separate database per access key id and region, so
which tables `.tables` lists tells which credentials and region ddbsql used.
Three key ids each own one table in us-west-2 (the region named only in the
config file's profiles); the AWS CLI (a peer we did not write) runs
`dynamodb list-tables` with the same environment and arguments, and ddbsql
must agree with it as README promises ("exactly as the AWS CLI does").

Every run's stdout and stderr is checked for every secret key and session
token the tests made (cli_support.CliTestCase.run_cli).

Run: scripts/python.sh tests/credentials_test.py --ddbsql build/ddbsql
"""

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402

PROFILE_REGION = "us-west-2"


class CredentialsTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = cli_support.require_dynamodb(cls)
        cls.keys = {}  # who -> (key id, secret)
        cls.tables = {}  # who -> the one table its database holds
        for who in ("p1", "p2", "env", "proc"):
            key_id = cli_support.new_key_id(who)
            secret = cli_support.new_secret(who)
            cls.keys[who] = (key_id, secret)
            cls.tables[who] = f"{who}_only"
            client = cli_support.boto_client(cls.url, key_id, secret, region=PROFILE_REGION)
            cli_support.create_table(client, cls.tables[who])

    def setUp(self):
        super().setUp()
        self.credentials_file = os.path.join(self.home, "credentials")
        self.config_file = os.path.join(self.home, "config")
        self.procs = os.path.join(self.home, "procs")
        os.mkdir(self.procs)
        with open(self.credentials_file, "w") as f:
            for who in ("p1", "p2"):
                key_id, secret = self.keys[who]
                f.write(f"[{who}]\naws_access_key_id = {key_id}\n"
                        f"aws_secret_access_key = {secret}\n\n")
        proc_key, proc_secret = self.keys["proc"]
        self.proc_token = cli_support.new_secret("token")
        scripts = {
            "ok": {"Version": 1, "AccessKeyId": proc_key, "SecretAccessKey": proc_secret,
                   "SessionToken": self.proc_token, "Expiration": "2099-01-01T00:00:00Z"},
            # No Version: rejected, and the secret it printed must not be echoed.
            "noversion": {"AccessKeyId": proc_key, "SecretAccessKey": proc_secret},
        }
        for name, document in scripts.items():
            self.write_script(name, f"print({json.dumps(json.dumps(document))})\n")
        self.write_script("fails",
                          "import sys\nsys.stderr.write('cannot log in\\n')\nsys.exit(3)\n")
        with open(self.config_file, "w") as f:
            for who in ("p1", "p2"):
                f.write(f"[profile {who}]\nregion = {PROFILE_REGION}\n\n")
            for name in ("ok", "noversion", "fails"):
                f.write(f"[profile proc_{name}]\nregion = {PROFILE_REGION}\n"
                        f"credential_process = {sys.executable} "
                        f"{os.path.join(self.procs, name + '.py')}\n\n")

    def write_script(self, name, body):
        with open(os.path.join(self.procs, name + ".py"), "w") as f:
            f.write(body)

    def env(self, **extra):
        return self.base_env(AWS_SHARED_CREDENTIALS_FILE=self.credentials_file,
                             AWS_CONFIG_FILE=self.config_file, AWS_ENDPOINT_URL=self.url,
                             **extra)

    def env_keys(self):
        key_id, secret = self.keys["env"]
        return {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}

    def ddbsql_tables(self, args, env):
        result = self.run_cli(list(args) + ["-c", ".tables"], env)
        self.assert_ok(result)
        return result.stdout.split()

    def aws_cli_tables(self, args, env):
        """The tables `aws dynamodb list-tables` sees, or None without the CLI."""
        aws = shutil.which("aws", path=env["PATH"])
        if not aws:
            return None
        result = self.run_cli(list(args) + ["dynamodb", "list-tables", "--output", "json"], env,
                              program=aws)
        self.assertEqual(result.returncode, 0, result)
        return json.loads(result.stdout)["TableNames"]

    def check(self, args, env, expected_owner):
        """ddbsql lists exactly `expected_owner`'s tables, as the AWS CLI does."""
        expected = [self.tables[expected_owner]] if expected_owner else []
        aws = self.aws_cli_tables(args, env)
        if aws is not None:
            # Guards the expectation itself against the reference client.
            self.assertEqual(aws, expected, "the AWS CLI disagrees with this test")
        self.assertEqual(self.ddbsql_tables(args, env), expected)

    def test_aws_profile_selects_keys_and_region(self):
        self.check([], self.env(AWS_PROFILE="p1"), "p1")

    def test_profile_option(self):
        self.check(["--profile", "p2"], self.env(), "p2")

    def test_profile_option_beats_aws_profile(self):
        self.check(["--profile", "p2"], self.env(AWS_PROFILE="p1"), "p2")

    def test_environment_keys_beat_aws_profile(self):
        # The keys from the environment, the region still from profile p1.
        self.check([], self.env(AWS_PROFILE="p1", **self.env_keys()), "env")

    def test_profile_option_beats_environment_keys(self):
        # An explicit --profile is a command-line option, which outranks the
        # environment's keys in the AWS CLI.
        self.check(["--profile", "p2"], self.env(**self.env_keys()), "p2")

    def test_environment_region_beats_profile_region(self):
        # AWS_DEFAULT_REGION picks us-east-1, where p1's key id has no tables;
        # --region outranks it.
        env = self.env(AWS_PROFILE="p1", AWS_DEFAULT_REGION=cli_support.REGION)
        self.check([], env, None)
        self.check(["--region", PROFILE_REGION], env, "p1")

    def test_aws_region_beats_aws_default_region(self):
        # README's order (and AWS CLI v2's): --region, AWS_REGION,
        # AWS_DEFAULT_REGION, the profile's. Not cross-checked: AWS CLI v1
        # ignores AWS_REGION.
        env = self.env(AWS_PROFILE="p1", AWS_REGION=cli_support.REGION)
        self.assertEqual(self.ddbsql_tables([], env), [])
        env["AWS_DEFAULT_REGION"] = PROFILE_REGION
        self.assertEqual(self.ddbsql_tables([], env), [])
        env["AWS_REGION"] = PROFILE_REGION
        env["AWS_DEFAULT_REGION"] = cli_support.REGION
        self.assertEqual(self.ddbsql_tables([], env), [self.tables["p1"]])
        self.assertEqual(self.ddbsql_tables(["--region", cli_support.REGION], env), [])

    def test_session_token_from_environment(self):
        env = self.env(AWS_PROFILE="p1", AWS_SESSION_TOKEN=cli_support.new_secret("token"),
                       **self.env_keys())
        self.check([], env, "env")

    def test_credential_process(self):
        self.check(["--profile", "proc_ok"], self.env(), "proc")
        self.check([], self.env(AWS_PROFILE="proc_ok"), "proc")

    def test_credential_process_failures(self):
        for profile, needle in (("proc_fails", "3"), ("proc_noversion", "Version")):
            with self.subTest(profile=profile):
                result = self.run_cli(["--profile", profile, "-c", ".tables"], self.env())
                self.assertEqual(result.returncode, 1, result)
                self.assertEqual(result.stdout, "")
                self.assertLess(result.elapsed, 10)
                # The process's own stderr may come first; ddbsql's message is
                # the last line and names the profile and the cause.
                last = result.stderr.splitlines()[-1]
                for word in ("credential_process", profile, needle):
                    self.assertIn(word, last, result)

    def test_show_never_prints_secrets(self):
        # `.show` describes the connection; run_cli checks every secret.
        token = cli_support.new_secret("token")
        for args, env in (([], self.env(AWS_PROFILE="p1")),
                          (["--profile", "proc_ok"], self.env()),
                          ([], self.env(AWS_PROFILE="p1", AWS_SESSION_TOKEN=token,
                                        **self.env_keys()))):
            with self.subTest(args=args):
                result = self.run_cli(args + ["-c", ".show", "-c", ".tables"], env)
                self.assert_ok(result)
                self.assertIn("connection:", result.stdout)


if __name__ == "__main__":
    cli_support.main()
