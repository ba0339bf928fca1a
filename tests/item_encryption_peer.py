#!/usr/bin/env python3
"""Decrypts and verifies items that ddbsql's engine wrote, with the reader
written only from the format (ddb_item_encryption_reader.py), and prints
one JSON object {"checked": N, "errors": ["...", ...]}.

Input (written by engine/item_encryption/reader_peer_test.cc): a JSON list
of {"scenario": <a scenarios.json entry>, "table", "key_names",
"actions": {"default", "attributes"}, "stored": item, "plain": item,
"metastore": [items]}, items in DynamoDB wire JSON. Keys come from the
vectors' keys.json, as the scenario names them.
"""

import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ddb_item_encryption_reader as reader  # noqa: E402

KEYS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                         "aws-dynamodb-encryption-client", "encrypted_item", "keys.json")


def materials(scenario, keys, metastore):
    k = scenario.get("keys", {})
    raw = lambda name: base64.b64decode(keys[name]["material"])
    rsa = lambda name: raw(name) if keys[name]["type"] == "symmetric" else reader.load_rsa(raw(name))
    if scenario["provider"] == "static":
        return reader.static_materials(raw(k["decrypt"]), raw(k["verify"]))
    if scenario["provider"] == "wrapped":
        return reader.wrapped_materials(rsa(k["decrypt"]), rsa(k["verify"]))
    if scenario["provider"] == "most_recent":
        entries = {(i["N"]["S"], int(i["V"]["N"])): i for i in metastore}
        return reader.most_recent_materials(scenario["material_name"],
                                            lambda n, v: entries[(n, v)],
                                            scenario["metastore"]["table_name"],
                                            materials(scenario["metastore"], keys, []))
    raise ValueError("provider " + scenario["provider"])


def normal(value):
    """A wire JSON value with sets sorted and numbers canonical, to compare."""
    (t, v), = value.items()
    if t == "N":
        return {t: reader._number(v)}
    if t == "NS":
        return {t: sorted(reader._number(m) for m in v)}
    if t in ("SS", "BS"):
        return {t: sorted(v)}
    if t == "L":
        return {t: [normal(e) for e in v]}
    if t == "M":
        return {t: {k: normal(e) for k, e in v.items()}}
    return value


def main():
    with open(KEYS_FILE, encoding="utf-8") as f:
        keys = json.load(f)
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    errors, checked = [], 0
    for i, case in enumerate(cases):
        try:
            actions = reader.Actions(case["actions"]["default"], case["actions"]["attributes"],
                                     case["key_names"])
            got = reader.decrypt_item(case["stored"], case["table"], actions,
                                      materials(case["scenario"], keys, case.get("metastore", [])),
                                      case["key_names"])
            if {k: normal(v) for k, v in got.items()} != \
                    {k: normal(v) for k, v in case["plain"].items()}:
                errors.append("case %d: decrypted %s, expected %s" % (i, got, case["plain"]))
            # The same item under another table name must not verify.
            try:
                reader.decrypt_item(case["stored"], case["table"] + "x", actions,
                                    materials(case["scenario"], keys, case.get("metastore", [])),
                                    case["key_names"])
                errors.append("case %d: verified under another table name" % i)
            except ValueError:
                pass
            checked += 1
        except Exception as e:  # report, go on with the others
            errors.append("case %d (%s): %s: %s" % (i, case["scenario"]["ciphertext"],
                                                     type(e).__name__, e))
    print(json.dumps({"checked": checked, "errors": errors}))


if __name__ == "__main__":
    main()
