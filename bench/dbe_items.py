#!/usr/bin/env python3
"""Items of the AWS Database Encryption SDK for bench/dbe.sh, written by
tests/dbe_peer.py (the writer made from the specification) under a
hierarchical keyring with a known branch key:

    bench/dbe_items.py COUNT FLAVOR OUT.json

OUT.json: {"table", "branch_key_id", "version", "branch_key" (base64),
"items": [DynamoDB JSON, ...]}. Each item: a string partition key, four
encrypted attributes (S and B of 100 bytes, N, an SS of three), three
signed ones and one unsigned, like bench/item_encryption_bench.cc's.
"""

import base64
import importlib.util
import json
import os
import random
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "dbe_peer", os.path.join(HERE, "..", "tests", "dbe_peer.py"))
peer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peer)

TABLE = "BenchTable"
ACTIONS = {"pk": "SIGN_ONLY", "text": "ENCRYPT_AND_SIGN", "number": "ENCRYPT_AND_SIGN",
           "bytes": "ENCRYPT_AND_SIGN", "tags": "ENCRYPT_AND_SIGN", "version": "SIGN_ONLY",
           "count": "SIGN_ONLY", "status": "SIGN_ONLY", "comment": "DO_NOTHING"}


def text(rng, n):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789") for _ in range(n))


def main():
    count, flavor, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rng = random.Random(18)
    branch_key = bytes(rng.randrange(256) for _ in range(32))
    branch_id, version = str(uuid.UUID(int=rng.getrandbits(128))), str(uuid.UUID(int=rng.getrandbits(128), version=4))
    keyring = peer.HierarchicalKeyring(branch_id, version, lambda v: branch_key)
    items = []
    for i in range(count):
        plain = {
            "pk": {"S": f"item#{i}"},
            "text": {"S": text(rng, 100)},
            "number": {"N": "3.14159265358979323846264338327" + str(rng.randrange(1000))},
            "bytes": {"B": base64.b64encode(bytes(rng.randrange(256) for _ in range(100))).decode()},
            "tags": {"SS": [text(rng, 30) for _ in range(3)]},
            "version": {"N": str(i % 7)},
            "count": {"N": str(rng.randrange(100000))},
            "status": {"S": "active"},
            "comment": {"S": text(rng, 40)},
        }
        items.append(peer.encrypt_item(plain, TABLE, "pk", None, ACTIONS, keyring, flavor))
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"table": TABLE, "branch_key_id": branch_id, "version": version,
                   "branch_key": base64.b64encode(branch_key).decode(), "items": items}, f)


if __name__ == "__main__":
    main()
