#!/usr/bin/env python3
"""Assume-role, web identity and IAM Identity Center (SSO) profiles, end to end.

STS is moto's server (DDBSQL_TEST_S3_URL serves STS too), the SSO portal and
SSO OIDC are tests/aws_standin.py's stand-in, DynamoDB is DynamoDB Local.
A VerifyingProxy in front of STS and of DynamoDB Local checks every signed
request with botocore's signer against the credentials it knows: the
test's base keys and every set STS or the stand-in issued. Whenever new
credentials are issued for role R, a table R_tbl is created for that access
key id in DynamoDB Local (one database per key id), so `.tables` listing
R_tbl proves that ddbsql reached DynamoDB as that temporary identity.

Each profile is also resolved by boto3 in a subprocess with the same files
and environment (a peer that reads the files as the AWS CLI does); it must
reach the same tables and the same caller ARN.

Run: scripts/python.sh tests/credentials_role_test.py --ddbsql build/ddbsql
"""

import datetime
import json
import os
import pty
import select
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_standin  # noqa: E402
import cli_support  # noqa: E402

ACCOUNT = "123456789012"
SSO_ACCOUNT = "111122223333"
REGION = "us-east-1"

PEER = r"""
import json, sys, boto3
session = boto3.Session(profile_name=sys.argv[1] or None)
tables = session.client("dynamodb").list_tables()["TableNames"]
arn = session.client("sts").get_caller_identity()["Arn"]
print(json.dumps({"tables": tables, "arn": arn}))
"""

# boto3 with the AWS CLI's credential cache (~/.aws/cli/cache), as `aws`
# itself sets it up; an MFA code is "typed" by the prompter.
CLI_PEER = r"""
import json, os, sys, botocore.session
from botocore.utils import JSONFileCache
session = botocore.session.Session(profile=sys.argv[1])
provider = session.get_component("credential_provider").get_provider("assume-role")
provider.cache = JSONFileCache(os.path.expanduser("~/.aws/cli/cache"))
provider._prompter = lambda prompt: "135790"
print(json.dumps({"key": session.get_credentials().get_frozen_credentials().access_key}))
"""


def role(name):
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def require_sts(test):
    url = os.environ.get("DDBSQL_TEST_S3_URL")
    if url:
        return url
    message = "DDBSQL_TEST_S3_URL is not set (moto serves STS)"
    if cli_support.emulators_required():
        raise AssertionError(message + " and DDBSQL_REQUIRE_EMULATORS=1")
    raise unittest.SkipTest(message)


class RoleCredentialsTest(cli_support.CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.ddb_url = cli_support.require_dynamodb(cls)
        sts_url = require_sts(cls)
        cls.known = aws_standin.KnownCredentials(on_add=cls.make_table)
        cls.ddb = aws_standin.VerifyingProxy(cls.ddb_url, cls.known)
        cls.sts = aws_standin.VerifyingProxy(sts_url, cls.known)
        cls.sso = aws_standin.SsoStandIn(cls.known)
        cls.sso.add_role(SSO_ACCOUNT, "ssoreader", cli_support.new_key_id("ASIASSO"))
        cls.sso.add_role(SSO_ACCOUNT, "ssolegacy", cli_support.new_key_id("ASIALEG"))
        cls.base_key = cli_support.new_key_id("AKIABASE")
        cls.base_secret = cli_support.new_secret("base")
        cls.known.add(cls.base_key, cls.base_secret)

    @classmethod
    def tearDownClass(cls):
        for server in (cls.ddb, cls.sts, cls.sso):
            server.close()

    @classmethod
    def make_table(cls, key_id, secret, token, label):
        cli_support.SECRETS.add(secret)
        if token:
            cli_support.SECRETS.add(token)
        import boto3
        client = boto3.client("dynamodb", endpoint_url=cls.ddb_url, region_name=REGION,
                              aws_access_key_id=key_id, aws_secret_access_key=secret,
                              aws_session_token=token)
        try:
            cli_support.create_table(client, f"{label}_tbl")
        except client.exceptions.ResourceInUseException:
            pass

    def setUp(self):
        super().setUp()
        for proxy in (self.ddb, self.sts):
            with proxy.lock:
                proxy.seen.clear()
            proxy.delay = 0.0
            proxy.claimed_lifetime = proxy.enforced_lifetime = None
            proxy.deny_roles = set()
        self.sso.lifetime = 3600
        self.sso.enforced_lifetime = None
        self.sso.renewal_delay = 0.0
        self.token_file = os.path.join(self.home, "web-token")
        with open(self.token_file, "w") as f:
            f.write("web-token-1\n")
        self.write_files()

    def write_files(self):
        proc = os.path.join(self.home, "proc.py")
        with open(proc, "w") as f:
            f.write("import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': %r, "
                    "'SecretAccessKey': %r}))\n" % (self.base_key, self.base_secret))
        with open(os.path.join(self.home, "credentials"), "w") as f:
            f.write(f"[base]\naws_access_key_id = {self.base_key}\n"
                    f"aws_secret_access_key = {self.base_secret}\n")
        profiles = {
            "base": {},
            "reader": {"role_arn": role("reader"), "source_profile": "base",
                       "role_session_name": "analyst", "external_id": "ext-42",
                       "duration_seconds": "1800"},
            "chained": {"role_arn": role("writer"), "source_profile": "reader",
                        "role_session_name": "chained"},
            "proc": {"credential_process": f"{sys.executable} {proc}"},
            "from_proc": {"role_arn": role("procrole"), "source_profile": "proc",
                          "role_session_name": "proc-session"},
            "from_env": {"role_arn": role("envrole"), "credential_source": "Environment",
                         "role_session_name": "env-session"},
            "web": {"role_arn": role("webrole"), "web_identity_token_file": self.token_file,
                    "role_session_name": "web-session"},
            "web_missing": {"role_arn": role("webrole"),
                            "web_identity_token_file": os.path.join(self.home, "nope")},
            "denied": {"role_arn": role("forbidden"), "source_profile": "base",
                       "role_session_name": "denied-session"},
            "loop_a": {"role_arn": role("a"), "source_profile": "loop_b"},
            "loop_b": {"role_arn": role("b"), "source_profile": "loop_a"},
            "mfa": {"role_arn": role("mfarole"), "source_profile": "base",
                    "mfa_serial": f"arn:aws:iam::{ACCOUNT}:mfa/alice",
                    "role_session_name": "mfa-session"},
            "ssodev": {"sso_session": "corp", "sso_account_id": SSO_ACCOUNT,
                       "sso_role_name": "ssoreader"},
            "ssolegacy": {"sso_start_url": "https://legacy.example/start",
                          "sso_region": REGION, "sso_account_id": SSO_ACCOUNT,
                          "sso_role_name": "ssolegacy"},
            "sso_unknown": {"sso_session": "nope", "sso_account_id": SSO_ACCOUNT,
                            "sso_role_name": "ssoreader"},
        }
        with open(os.path.join(self.home, "config"), "w") as f:
            for name, values in profiles.items():
                f.write(f"[profile {name}]\nregion = {REGION}\n")
                for k, v in values.items():
                    f.write(f"{k} = {v}\n")
                f.write("\n")
            f.write(f"[sso-session corp]\nsso_start_url = https://corp.example/start\n"
                    f"sso_region = {REGION}\nsso_registration_scopes = sso:account:access\n")

    def env(self, **extra):
        return self.base_env(
            AWS_CONFIG_FILE=os.path.join(self.home, "config"),
            AWS_SHARED_CREDENTIALS_FILE=os.path.join(self.home, "credentials"),
            AWS_ENDPOINT_URL_DYNAMODB=self.ddb.url, AWS_ENDPOINT_URL_STS=self.sts.url,
            AWS_ENDPOINT_URL_SSO=self.sso.url, AWS_ENDPOINT_URL_SSO_OIDC=self.sso.url,
            **extra)

    # ---- helpers ----

    def write_sso_token(self, name, expires_in, refresh=False):
        """A cache file as `aws sso login` leaves it, keyed as the CLI keys it."""
        import hashlib
        cache = os.path.join(self.home, ".aws", "sso", "cache")
        os.makedirs(cache, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)
        doc = {"startUrl": "https://corp.example/start", "region": REGION,
               "accessToken": self.sso.new_access_token(),
               "expiresAt": (now + datetime.timedelta(seconds=expires_in)).strftime(
                   "%Y-%m-%dT%H:%M:%SZ")}
        cli_support.SECRETS.add(doc["accessToken"])
        if refresh:
            client_id, secret, refresh_token = self.sso.new_client()
            cli_support.SECRETS.update((secret, refresh_token))
            doc.update(clientId=client_id, clientSecret=secret, refreshToken=refresh_token,
                       registrationExpiresAt=(now + datetime.timedelta(days=80)).strftime(
                           "%Y-%m-%dT%H:%M:%SZ"))
        path = os.path.join(cache, hashlib.sha1(name.encode()).hexdigest() + ".json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return path, doc

    def ddbsql_identity(self, profile, env=None, extra=()):
        result = self.run_cli(["--profile", profile, "-c", ".tables", "-c", ".whoami",
                               *extra], env or self.env())
        self.assert_ok(result)
        tables, arn = [], None
        for line in result.stdout.splitlines():
            word = line.strip()
            if word.startswith("arn: "):
                arn = word[5:]
            elif not word.startswith(("account: ", "source: ")):
                tables.extend(word.split())
        return tables, arn, result

    def peer_identity(self, profile, env=None):
        """What boto3 makes of the same files (tables and caller ARN)."""
        result = self.run_cli(["-c", PEER, profile], env or self.env(),
                              program=sys.executable)
        self.assertEqual(result.returncode, 0, result)
        return json.loads(result.stdout)

    def assert_all_verified(self):
        for proxy in (self.ddb, self.sts):
            self.assertEqual(proxy.rejected(), [], "a request failed verification")
        self.assertTrue(self.ddb.accepted(), "no DynamoDB request went through the proxy")

    def check_profile(self, profile, label, arn, env=None):
        tables, got_arn, _ = self.ddbsql_identity(profile, env)
        self.assertEqual(tables, [f"{label}_tbl"])
        self.assertEqual(got_arn, arn)
        self.assert_all_verified()
        peer = self.peer_identity(profile, env)
        self.assertEqual(peer, {"tables": [f"{label}_tbl"], "arn": arn},
                         "boto3 reads the profile differently")

    # ---- assume role ----

    def test_assume_role_with_static_source(self):
        self.check_profile("reader", "reader",
                           f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/analyst")
        calls = self.sts.actions("AssumeRole")
        ours = calls[0]  # ddbsql ran first
        self.assertEqual(ours["key_id"], self.base_key)  # signed by the source identity
        self.assertEqual(ours["params"]["RoleArn"], role("reader"))
        self.assertEqual(ours["params"]["RoleSessionName"], "analyst")
        self.assertEqual(ours["params"]["ExternalId"], "ext-42")
        self.assertEqual(ours["params"]["DurationSeconds"], "1800")
        # The peer sent the same parameters.
        self.assertEqual(calls[-1]["params"], ours["params"])

    def test_chained_roles(self):
        self.check_profile("chained", "writer",
                           f"arn:aws:sts::{ACCOUNT}:assumed-role/writer/chained")
        calls = self.sts.actions("AssumeRole")
        self.assertEqual([c["params"]["RoleArn"] for c in calls[:2]],
                         [role("reader"), role("writer")])
        # The second AssumeRole is signed with the first one's temporary keys.
        self.assertEqual(calls[0]["key_id"], self.base_key)
        self.assertNotEqual(calls[1]["key_id"], self.base_key)
        self.assertIsNotNone(calls[1]["token"])

    def test_credential_process_source(self):
        self.check_profile("from_proc", "procrole",
                           f"arn:aws:sts::{ACCOUNT}:assumed-role/procrole/proc-session")

    def test_credential_source_environment(self):
        env = self.env(AWS_ACCESS_KEY_ID=self.base_key, AWS_SECRET_ACCESS_KEY=self.base_secret)
        self.check_profile("from_env", "envrole",
                           f"arn:aws:sts::{ACCOUNT}:assumed-role/envrole/env-session", env)
        self.assertEqual(self.sts.actions("AssumeRole")[0]["key_id"], self.base_key)

    def test_whoami_names_the_source(self):
        _, _, result = self.ddbsql_identity("reader")
        self.assertIn(f"account: {ACCOUNT}", result.stdout)
        self.assertIn(f"source: role {role('reader')} (profile reader)", result.stdout)

    # ---- web identity ----

    def test_web_identity_profile_and_environment(self):
        self.check_profile("web", "webrole", f"arn:aws:sts::{ACCOUNT}:assumed-role/webrole/web-session")
        call = self.sts.actions("AssumeRoleWithWebIdentity")[0]
        self.assertIsNone(call["key_id"])  # unsigned
        self.assertEqual(call["params"]["WebIdentityToken"], "web-token-1")
        env = self.env(AWS_WEB_IDENTITY_TOKEN_FILE=self.token_file,
                       AWS_ROLE_ARN=role("webenv"), AWS_ROLE_SESSION_NAME="pod",
                       AWS_DEFAULT_REGION=REGION)
        # Without --profile, for the default profile: the environment's settings.
        result = self.run_cli(["-c", ".tables", "-c", ".whoami"], env)
        self.assert_ok(result)
        self.assertIn("webenv_tbl", result.stdout)
        self.assertIn(f"arn:aws:sts::{ACCOUNT}:assumed-role/webenv/pod", result.stdout)
        self.assert_all_verified()
        self.assertEqual(self.peer_identity("", env),
                         {"tables": ["webenv_tbl"],
                          "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/webenv/pod"})

    def test_web_identity_token_file_is_read_again_on_refresh(self):
        # Credentials that claim to last 5 minutes and 2 seconds: two seconds
        # later they are due for renewal, which must read the file again.
        self.sts.claimed_lifetime = 302
        self.sts.enforced_lifetime = 4
        proc = subprocess.Popen([cli_support.DDBSQL, "--profile", "web"], env=self.env(),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=self.home)
        try:
            proc.stdin.write(b".whoami\n")
            proc.stdin.flush()
            self.wait_for(lambda: self.sts.actions("GetCallerIdentity"))
            with open(self.token_file, "w") as f:
                f.write("web-token-2\n")
            time.sleep(2.5)
            out, err = proc.communicate(b".whoami\n.tables\n", timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
        self.assertEqual(proc.returncode, 0, err)
        arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/webrole/web-session"
        self.assertEqual(out.decode().count(f"arn: {arn}"), 2, out)
        self.assertEqual(out.split()[-1], b"webrole_tbl")
        tokens = [c["params"]["WebIdentityToken"]
                  for c in self.sts.actions("AssumeRoleWithWebIdentity")]
        # Renewals (in the background, then the due one) each read the file:
        # the old token until it changed, the new one after.
        self.assertEqual(tokens[0], "web-token-1")
        self.assertEqual(tokens[-1], "web-token-2")
        self.assertEqual(tokens, sorted(tokens))
        self.assert_all_verified()

    # ---- IAM Identity Center ----

    def test_sso_session_profile(self):
        self.write_sso_token("corp", 3600)
        self.check_profile("ssodev", "ssoreader", f"arn:aws:sts::{ACCOUNT}:user/moto")
        self.assertEqual(self.sso.calls[-1], ("/federation/credentials", 200))

    def test_sso_legacy_profile(self):
        self.write_sso_token("https://legacy.example/start", 3600)
        self.check_profile("ssolegacy", "ssolegacy", f"arn:aws:sts::{ACCOUNT}:user/moto")

    def test_sso_token_refresh_rewrites_the_cache(self):
        path, before = self.write_sso_token("corp", 300, refresh=True)  # inside 15 minutes
        tables, _, _ = self.ddbsql_identity("ssodev")
        self.assertEqual(tables, ["ssoreader_tbl"])
        with open(path) as f:
            after = json.load(f)
        cli_support.SECRETS.update((after["accessToken"], after.get("refreshToken", "")))
        self.assertNotEqual(after["accessToken"], before["accessToken"])
        self.assertNotEqual(after["refreshToken"], before["refreshToken"])
        self.assertEqual(set(after), {"startUrl", "region", "accessToken", "expiresAt",
                                      "clientId", "clientSecret", "registrationExpiresAt",
                                      "refreshToken"})
        self.assertEqual(after["clientId"], before["clientId"])
        self.assertEqual(after["registrationExpiresAt"], before["registrationExpiresAt"])
        expires = datetime.datetime.strptime(after["expiresAt"], "%Y-%m-%dT%H:%M:%SZ")
        self.assertGreater(expires, datetime.datetime.utcnow() + datetime.timedelta(minutes=50))
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        # boto3 takes the rewritten cache as its own (no refresh needed now).
        self.assertEqual(self.peer_identity("ssodev")["tables"], ["ssoreader_tbl"])

    def test_sso_login_needed(self):
        for expires_in in (None, -60):
            with self.subTest(expires_in=expires_in):
                if expires_in is not None:
                    self.write_sso_token("corp", expires_in)
                result = self.run_cli(["--profile", "ssodev", "-c", ".tables"], self.env())
                self.assert_one_line_error(result, 1, "profile ssodev",
                                           "aws sso login --profile ssodev",
                                           "--sso-session corp")

    def test_refresh_during_a_long_statement(self):
        # Credentials claim 5 minutes and 1.5 seconds; the proxy refuses them
        # after 2.5 s. A statement of 12 GetItems, each delayed 0.3 s, must
        # renew them in the middle and never send an expired set.
        self.sso.lifetime = 301.5
        self.sso.enforced_lifetime = 2.5
        self.run_long_statement()
        self.assert_all_verified()

    def test_renewal_ahead_of_expiry_does_not_pause(self):
        # 5 minutes and 4 seconds: renewal is due in the background halfway
        # to the last 5 minutes (after 2 s), in the foreground after 4 s. The
        # stand-in makes the renewal take 1 s; GetItems keep going meanwhile
        # with the current credentials.
        self.sso.lifetime = 304
        self.sso.renewal_delay = 1.0
        started = time.time()
        gets = self.run_long_statement()
        # The stand-in's calls of this run: the first issued the credentials,
        # the others renewed them. While a renewal ran (1 s), requests with
        # the current set went on.
        renewals = [c for c in self.sso.timed_calls if c[0] > started][1:]
        during = [[e for e in gets if start < e["time"] < end] for start, end in renewals]
        self.assertTrue(any(len(d) >= 2 and len({e["token"] for e in d}) == 1 for d in during),
                        (renewals, [e["time"] for e in gets]))
        gaps = [b["time"] - a["end"] for a, b in zip(gets, gets[1:])]
        self.assertLess(max(gaps), 0.9, "a request waited for the renewal")
        self.assert_all_verified()

    def run_long_statement(self):
        """Runs a statement of 12 GetItems, each delayed 0.3 s by the proxy,
        as the SSO profile; returns the GetItems the proxy saw, which must
        have used more than one set of credentials."""
        self.write_sso_token("corp", 3600)
        self.seed_items()
        self.ddb.delay = 0.3
        result = self.run_cli(["--profile", "ssodev", "-c", self.long_query()], self.env())
        self.assert_ok(result)
        self.assertEqual(result.stdout.split(), ["12"])
        gets = [e for e in self.ddb.accepted() if e["action"] == "GetItem"]
        self.assertGreaterEqual(len({e["token"] for e in gets}), 2, "no renewal happened")
        return gets

    def seed_items(self):
        secret = "seed-" + cli_support.new_secret()
        key_id = self.sso.roles[(SSO_ACCOUNT, "ssoreader")]
        self.make_table(key_id, secret, None, "ssoreader")
        import boto3
        client = boto3.client("dynamodb", endpoint_url=self.ddb_url, region_name=REGION,
                              aws_access_key_id=key_id, aws_secret_access_key=secret)
        # Twelve items looked up, and 300 items of 3 KB besides: enough that
        # the planner looks the twelve up by key instead of reading the whole
        # table with one Scan (which it rightly does for a tiny table).
        items = [{"id": {"S": str(i)}} for i in range(12)]
        items += [{"id": {"S": f"pad{i}"}, "pad": {"S": "x" * 3000}} for i in range(300)]
        for start in range(0, len(items), 25):
            pending = {"ssoreader_tbl": [{"PutRequest": {"Item": it}}
                                         for it in items[start:start + 25]]}
            while pending:
                pending = client.batch_write_item(RequestItems=pending).get(
                    "UnprocessedItems") or None

    @staticmethod
    def long_query():
        return ("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 11) "
                "SELECT count(t.id) FROM n, ssoreader_tbl t WHERE t.id = CAST(n.i AS TEXT)")

    def wait_for(self, condition, timeout=10):
        deadline = time.time() + timeout
        while not condition():
            self.assertLess(time.time(), deadline, "timed out")
            time.sleep(0.05)

    # ---- errors: one line naming the profile and the step ----

    def test_access_denied_names_the_role(self):
        self.sts.deny_roles.add(role("forbidden"))
        result = self.run_cli(["--profile", "denied", "-c", ".tables"], self.env())
        self.assert_one_line_error(result, 1, "profile denied", "AssumeRole",
                                   role("forbidden"), "AccessDenied")
        peer = self.run_cli(["-c", PEER, "denied"], self.env(), program=sys.executable)
        self.assertNotEqual(peer.returncode, 0)
        self.assertIn("AccessDenied", peer.stderr)

    def test_configuration_errors(self):
        cases = {
            "loop_a": ["profile loop_b", "source_profile loop: loop_a -> loop_b -> loop_a"],
            "web_missing": ["profile web_missing", "web identity token file",
                            os.path.join(self.home, "nope")],
            "sso_unknown": ["profile sso_unknown", "sso_session nope", "[sso-session nope]"],
        }
        for profile, needles in cases.items():
            with self.subTest(profile=profile):
                result = self.run_cli(["--profile", profile, "-c", ".tables"], self.env())
                self.assert_one_line_error(result, 1, *needles)
                self.assertLess(result.elapsed, 5)
                # boto3 refuses the same files.
                peer = self.run_cli(["-c", PEER, profile], self.env(), program=sys.executable)
                self.assertNotEqual(peer.returncode, 0, peer)

    def test_mfa_code_in_a_script_is_an_error(self):
        result = self.run_cli(["--profile", "mfa", "-c", ".tables"], self.env())
        self.assert_one_line_error(result, 1, "profile mfa", "MFA",
                                   f"arn:aws:iam::{ACCOUNT}:mfa/alice", "not a terminal")
        self.assertEqual(self.sts.actions("AssumeRole"), [])

    def cli_cache(self):
        """The files in the AWS CLI's credential cache, by name."""
        cache = os.path.join(self.home, ".aws", "cli", "cache")
        files = {}
        for name in sorted(os.listdir(cache)) if os.path.isdir(cache) else []:
            with open(os.path.join(cache, name)) as f:
                files[name] = json.load(f)
        return files

    def cli_peer(self, profile):
        result = self.run_cli(["-c", CLI_PEER, profile], self.env(), program=sys.executable)
        self.assertEqual(result.returncode, 0, result)
        return json.loads(result.stdout)["key"]

    def test_role_credentials_are_shared_with_the_aws_cli_cache(self):
        # ddbsql assumes the role once and leaves the set where the CLI
        # keeps it: botocore with the CLI's cache uses it without calling STS.
        self.check_profile("reader", "reader",
                           f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/analyst")
        files = self.cli_cache()
        self.assertEqual(len(files), 1, files)
        (name, doc), = files.items()
        self.assertEqual(os.stat(os.path.join(self.home, ".aws", "cli", "cache", name)).st_mode
                         & 0o777, 0o600)
        key = doc["Credentials"]["AccessKeyId"]
        calls = len(self.sts.actions("AssumeRole"))
        self.assertEqual(self.cli_peer("reader"), key)
        self.assertEqual(len(self.sts.actions("AssumeRole")), calls, "the peer missed the cache")
        # A second ddbsql start uses it too.
        tables, _, _ = self.ddbsql_identity("reader")
        self.assertEqual(tables, ["reader_tbl"])
        self.assertEqual(len(self.sts.actions("AssumeRole")), calls)
        self.assert_all_verified()

    def test_an_mfa_session_from_the_cli_cache_needs_no_code(self):
        # The CLI asked for the code once (botocore, with the CLI's cache);
        # ddbsql in a script then runs as that session without asking.
        key = self.cli_peer("mfa")
        self.assertEqual(self.sts.actions("AssumeRole")[0]["params"]["TokenCode"], "135790")
        tables, _, result = self.ddbsql_identity("mfa")
        self.assertEqual(tables, ["mfarole_tbl"])
        self.assertIn(".aws/cli/cache", result.stdout)  # .whoami names the source
        self.assertEqual(len(self.sts.actions("AssumeRole")), 1)
        self.assertTrue(any(e["key_id"] == key for e in self.ddb.seen))
        self.assert_all_verified()
        # With under 15 minutes left the cached set is not used (as in the
        # CLI): a new code is needed, which a script cannot give.
        (name, doc), = self.cli_cache().items()
        soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=10)
        doc["Credentials"]["Expiration"] = soon.strftime("%Y-%m-%dT%H:%M:%SUTC")
        with open(os.path.join(self.home, ".aws", "cli", "cache", name), "w") as f:
            json.dump(doc, f)
        result = self.run_cli(["--profile", "mfa", "-c", ".tables"], self.env())
        self.assert_one_line_error(result, 1, "profile mfa", "MFA", "not a terminal")

    def run_in_pty(self, args, replies):
        """Runs ddbsql on a pseudo-terminal. `replies` is a list of (text
        to wait for, bytes to type); returns (exit code, everything shown)."""
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(self.home)
            os.execve(cli_support.DDBSQL, [cli_support.DDBSQL, *args], self.env(TERM="dumb"))
        self.addCleanup(self.reap, pid)
        output = b""
        replies = list(replies)
        deadline = time.time() + 15
        while time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if replies and replies[0][0].encode() in output:
                os.write(fd, replies.pop(0)[1])
        status = self.reap(pid)
        os.close(fd)
        text = output.decode("utf-8", "replace")
        self.assertEqual(replies, [], text)
        return status, text

    def test_mfa_code_is_asked_on_the_terminal(self):
        status, text = self.run_in_pty(["--profile", "mfa", "-c", ".tables"],
                                       [("Enter MFA code for", b"424242\n")])
        self.assertEqual(status, 0, text)
        self.assertIn("mfarole_tbl", text)
        self.assertNotIn("424242", text)  # not echoed
        call = self.sts.actions("AssumeRole")[0]
        self.assertEqual(call["params"]["SerialNumber"], f"arn:aws:iam::{ACCOUNT}:mfa/alice")
        self.assertEqual(call["params"]["TokenCode"], "424242")

    def test_prompt_shows_the_account(self):
        # Static keys: the account is known after .whoami. An assumed role:
        # from the start (the role ARN and AssumeRole's answer carry it).
        host = self.ddb.url.split("//")[1]
        status, text = self.run_in_pty(
            ["--profile", "base"],
            [(f"[base@{host} {REGION}]> ", b".whoami\n"),
             (f"[base({ACCOUNT})@{host} {REGION}]> ", b".quit\n")])
        self.assertEqual(status, 0, text)
        status, text = self.run_in_pty(
            ["--profile", "reader"], [(f"[reader({ACCOUNT})@{host} {REGION}]> ", b".quit\n")])
        self.assertEqual(status, 0, text)

    @staticmethod
    def reap(pid, timeout=5):
        """The exit code of child `pid`, killing it if it does not end."""
        deadline = time.time() + timeout
        while True:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if done:
                return os.waitstatus_to_exitcode(status)
            if time.time() > deadline:
                os.kill(pid, 9)
                deadline = time.time() + timeout
            time.sleep(0.05)


if __name__ == "__main__":
    cli_support.main()
