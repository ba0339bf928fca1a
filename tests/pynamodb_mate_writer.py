#!/usr/bin/env python3
"""Writes DynamoDB items and S3 objects the way pynamodb_mate stores them.

Written for ddbsql's tests from pynamodb_mate's documented behaviour (no code
of it is used: its encryption needs PyCryptodome, which this machine lacks;
the `cryptography` module does the same AES). Formats:

  Encrypted*Attribute    key = SHA-256(UTF-8 password). determinative=True:
                         AES-256-ECB of the PKCS7-padded bytes. False:
                         AES-256-CTR with a random 8-byte nonce (the counter
                         block is nonce || 64-bit big-endian counter from 0),
                         stored as the ASCII JSON
                         {"nonce": b85(nonce), "token": b85(ciphertext)}.
                         The attribute is a B.
  Compressed*Attribute   gzip of the bytes, a B.
  the bytes              Unicode: UTF-8; Number and Json: json.dumps (Python's
                         default separators); Binary: as they are.
  S3Backed*Attribute     (5.x) an S holding s3://BUCKET/KEY, KEY =
                         key_template.format(fingerprint=sha256 hex of the
                         bytes), the object gzip'd when compressed (default).
  large attribute        (6.x) an S holding s3://BUCKET/KEY, KEY =
                         PREFIX/pk=PK[/sk=SK]/attr=ATTR/md5=MD5 hex of the raw
                         bytes; the object holds the raw bytes, with metadata
                         pk, sk, attr, update_at.

ddbsql's own chains (`{"chain": [...]}`) are written by `chain_encode` for
the steps s3, gzip, zlib and zstd, and by `ddbsql_gcm_encrypt` for an
{"aead": "aes-256-gcm"} step with a raw 32-byte key (README, "Codec
columns", has the byte layout: version 1, scheme 1, a 12-byte nonce, the
ciphertext and its 16-byte tag; the associated data binds table, attribute
and the item's key).

As a script it writes the standard fixture (see `write_pages`) and prints the
catalog that declares it:

    pynamodb_mate_writer.py --dynamodb URL --s3 URL --bucket B --table T \
        --password-env NAME [--items N] [--html-bytes N]
"""

import argparse
import base64
import datetime
import gzip
import hashlib
import json
import os
import subprocess
import sys
import zlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

DEFAULT_KEY_TEMPLATE = "pynamodb-mate/s3backed/{fingerprint}"


# ---------------------------------------------------------------------------
# Value formats

def password_key(password):
    return hashlib.sha256(password.encode("utf-8")).digest()


def pmate_encrypt(password, data, determinative=True, nonce=None):
    """The stored bytes of an Encrypted*Attribute whose plain bytes are `data`."""
    key = password_key(password)
    if determinative:
        padder = padding.PKCS7(128).padder()
        padded = padder.update(data) + padder.finalize()
        enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        return enc.update(padded) + enc.finalize()
    nonce = nonce if nonce is not None else os.urandom(8)
    enc = Cipher(algorithms.AES(key), modes.CTR(nonce + b"\0" * 8)).encryptor()
    token = enc.update(data) + enc.finalize()
    doc = {"nonce": base64.b85encode(nonce).decode("ascii"),
           "token": base64.b85encode(token).decode("ascii")}
    return json.dumps(doc).encode("ascii")


def pmate_decrypt(password, stored, determinative=True):
    """The inverse of pmate_encrypt (for checking the writer itself)."""
    key = password_key(password)
    if determinative:
        dec = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
        padded = dec.update(stored) + dec.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    doc = json.loads(stored.decode("ascii"))
    nonce = base64.b85decode(doc["nonce"])
    dec = Cipher(algorithms.AES(key), modes.CTR(nonce + b"\0" * 8)).decryptor()
    return dec.update(base64.b85decode(doc["token"])) + dec.finalize()


def _field(data):
    return len(data).to_bytes(4, "big") + data


def ddbsql_associated_data(table, attribute, key):
    """What ddbsql's AEAD codecs bind: "ddbsql-ad1", then length-prefixed
    table and attribute, the number of key attributes, and each key
    attribute's name, type letter and value. `key`: [(name, "S", bytes)]."""
    out = b"ddbsql-ad1" + _field(table.encode()) + _field(attribute.encode()) + bytes([len(key)])
    for name, type_letter, value in key:
        out += _field(name.encode()) + type_letter.encode() + _field(value)
    return out


def ddbsql_gcm_encrypt(key_hex, table, attribute, key, data, nonce=None):
    """A value of ddbsql's aes-256-gcm chain step with a raw key (64 hex digits)."""
    header = bytes([1, 1])  # format version 1, scheme 1 (GCM), raw key
    nonce = nonce if nonce is not None else os.urandom(12)
    aad = header + ddbsql_associated_data(table, attribute, key)
    return header + nonce + AESGCM(bytes.fromhex(key_hex)).encrypt(nonce, data, aad)


def plain_bytes(kind, value):
    """The bytes pynamodb_mate's user_serializer makes of `value`."""
    if kind == "unicode":
        return value.encode("utf-8")
    if kind == "binary":
        return value
    if kind in ("number", "json"):
        return json.dumps(value).encode("utf-8")
    raise ValueError(kind)


def gzip_bytes(data):
    # mtime=0: the same bytes every run (pynamodb_mate stamps the time; the
    # reader must not care either way).
    return gzip.compress(data, mtime=0)


def zstd_bytes(data):
    return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def s3backed_put(s3, bucket, data, key_template=DEFAULT_KEY_TEMPLATE, compressed=True):
    """Stores `data` as pynamodb_mate 5.x's S3Backed*Attribute does; returns the URI."""
    key = key_template.format(fingerprint=hashlib.sha256(data).hexdigest())
    s3.put_object(Bucket=bucket, Key=key, Body=gzip_bytes(data) if compressed else data)
    return f"s3://{bucket}/{key}"


def large_attribute_put(s3, bucket, prefix, pk, sk, attr, data, update_at=None):
    """Stores `data` as pynamodb_mate 6.x's large-attribute pattern does; returns the URI."""
    parts = []
    if prefix:
        parts.append(prefix.strip("/"))
    parts.append(f"pk={pk}")
    if sk is not None:
        parts.append(f"sk={sk}")
    parts.append(f"attr={attr}")
    parts.append(f"md5={hashlib.md5(data).hexdigest()}")
    key = "/".join(parts)
    update_at = update_at or datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    metadata = {"pk": str(pk), "attr": attr, "update_at": update_at.isoformat()}
    if sk is not None:
        metadata["sk"] = str(sk)
    s3.put_object(Bucket=bucket, Key=key, Body=data, Metadata=metadata)
    return f"s3://{bucket}/{key}"


def chain_encode(s3, bucket, steps, data, key):
    """Encodes `data` through ddbsql chain `steps` (order of writing: the
    first step is applied last, as ddbsql reads them left to right), for
    the steps s3, gzip, zlib and zstd. `key` names the S3 object."""
    for step in reversed(steps):
        if step == "gzip":
            data = gzip_bytes(data)
        elif step == "zlib":
            data = zlib.compress(data)
        elif step == "zstd":
            data = zstd_bytes(data)
        elif step == "s3":
            s3.put_object(Bucket=bucket, Key=key, Body=data)
            data = f"s3://{bucket}/{key}".encode("utf-8")
        else:
            raise ValueError(f"chain step {step!r} is not written by this script")
    return data


# ---------------------------------------------------------------------------
# The standard fixture

def html_page(i, size):
    """An HTML page of about `size` bytes, different for every i, that gzip
    compresses about 4:1 (like real pages: not all repetition)."""
    head = f"<html><head><title>page {i}</title></head><body>\n"
    rnd = hashlib.sha256(f"seed{i}".encode()).digest()
    out = [head]
    n = len(head)
    line = 0
    while n < size - 16:
        rnd = hashlib.sha256(rnd).digest()
        word = base64.b32encode(rnd[:10]).decode("ascii").lower()
        chunk = f"<p id=\"p{line}\">item {line} of page {i}: {word}</p>\n"
        out.append(chunk)
        n += len(chunk)
        line += 1
    out.append("</body></html>\n")
    return "".join(out)


def page_row(i, html_bytes=200):
    """The plain values of item i of the `pages` fixture."""
    return {
        "id": f"p{i:05d}",
        "html": html_page(i, html_bytes),
        "raw": bytes([i % 256, 0, 255]) + f"raw{i}".encode(),
        "doc": {"n": i, "tags": ["a", "b"] if i % 2 else []},
        "body": f"large body {i} " * 3,
        "title": f"Title {i} — ünïcode",
        "blob": bytes(range(i % 7)) + b"\x00end",
        "meta": {"rank": i % 3, "name": f"m{i}"},
        "ssn": f"{100 + i % 4:03d}-00-{i % 4:04d}",  # 4 distinct values
        "team": f"team-{i % 3}",
        "secret": f"secret {i}",
        "amount": i * 10 + 0.5 if i % 2 else i * 10,
        "note": f"note {i} " * 4,
        "archive": {"i": i, "even": i % 2 == 0},
    }


def catalog_for(table, bucket, password_env, people_table=None, extra=None):
    """The ddbsql catalog declaring the fixture's columns."""
    key = f"env:{password_env}"
    columns = {
        "html": {"codec": "S3BackedBigTextAttribute", "bucket": bucket},
        "raw": {"codec": "S3BackedBigBinaryAttribute", "bucket": bucket,
                "key_template": "raw/{fingerprint}.bin", "compressed": False},
        "doc": {"codec": "S3BackedJsonDictAttribute", "bucket": bucket},
        "body": {"codec": "LargeAttribute", "bucket": bucket, "prefix": "large/pages",
                 "as": "text"},
        "title": {"codec": "CompressedUnicodeAttribute"},
        "blob": {"codec": "CompressedBinaryAttribute"},
        "meta": {"codec": "CompressedJSONAttribute"},
        "ssn": {"codec": "EncryptedUnicodeAttribute", "key": key, "determinative": True},
        "secret": {"codec": "EncryptedUnicodeAttribute", "key": key, "determinative": False},
        "amount": {"codec": "EncryptedNumberAttribute", "key": key},
        "note": {"chain": ["zstd"], "as": "text"},
        "archive": {"chain": ["s3", "gzip"], "bucket": bucket, "as": "json"},
    }
    if extra:
        columns.update(extra)
    tables = {table: {"columns": columns}}
    if people_table:
        tables[people_table] = {"columns": {
            "ssn": {"codec": "EncryptedUnicodeAttribute", "key": key, "determinative": True}}}
    return {"tables": tables}


def stored_item(s3, bucket, row, password):
    """The DynamoDB item (low-level form) that pynamodb_mate would write for `row`."""
    B = lambda b: {"B": b}  # noqa: E731
    item = {
        "id": {"S": row["id"]},
        "html": {"S": s3backed_put(s3, bucket, plain_bytes("unicode", row["html"]))},
        "raw": {"S": s3backed_put(s3, bucket, row["raw"], "raw/{fingerprint}.bin", False)},
        "doc": {"S": s3backed_put(s3, bucket, plain_bytes("json", row["doc"]))},
        "body": {"S": large_attribute_put(s3, bucket, "large/pages", row["id"], None, "body",
                                          row["body"].encode("utf-8"))},
        "title": B(gzip_bytes(plain_bytes("unicode", row["title"]))),
        "blob": B(gzip_bytes(row["blob"])),
        "meta": B(gzip_bytes(plain_bytes("json", row["meta"]))),
        "ssn": B(pmate_encrypt(password, plain_bytes("unicode", row["ssn"]), True)),
        "team": {"S": row["team"]},
        "secret": B(pmate_encrypt(password, plain_bytes("unicode", row["secret"]), False)),
        "amount": B(pmate_encrypt(password, plain_bytes("number", row["amount"]), True)),
        "note": B(chain_encode(s3, bucket, ["zstd"], row["note"].encode("utf-8"), None)),
        "archive": {"S": chain_encode(s3, bucket, ["s3", "gzip"],
                                      plain_bytes("json", row["archive"]),
                                      f"archive/{row['id']}.json.gz").decode("utf-8")},
    }
    return item


def ensure_bucket(s3, bucket):
    try:
        s3.create_bucket(Bucket=bucket)
    except (s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
        pass


def create_table(ddb, table, key="id", key_type="S"):
    """(Re)creates `table` with hash key `key` (low-level client)."""
    if table in ddb.list_tables()["TableNames"]:
        ddb.delete_table(TableName=table)
        ddb.get_waiter("table_not_exists").wait(TableName=table)
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": key, "AttributeType": key_type}],
                     BillingMode="PAY_PER_REQUEST")
    ddb.get_waiter("table_exists").wait(TableName=table)


def batch_put(ddb, table, items):
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": it}} for it in items[start:start + 25]]
        pending = {table: requests}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or None


def write_pages(ddb, s3, table, bucket, password, count, html_bytes=200, people_table=None,
                people_filler=0):
    """Writes `count` fixture items to `table` (objects to `bucket`) and, with
    `people_table`, a table keyed by the encrypted ssn (a B hash key) with
    one item per distinct ssn of the first items, plus `people_filler`
    people no page refers to (a table big enough that a lookup by key is
    cheaper than a Scan). Returns the plain rows."""
    ensure_bucket(s3, bucket)
    create_table(ddb, table)
    rows = [page_row(i, html_bytes) for i in range(count)]
    batch_put(ddb, table, [stored_item(s3, bucket, r, password) for r in rows])
    if people_table:
        create_table(ddb, people_table, key="ssn", key_type="B")
        people = []
        for r in rows[:4]:  # every distinct ssn
            people.append({"ssn": {"B": pmate_encrypt(password, r["ssn"].encode("utf-8"))},
                           "name": {"S": "person " + r["ssn"]}})
        for i in range(people_filler):
            ssn = f"900-{i // 10000:02d}-{i % 10000:04d}"
            people.append({"ssn": {"B": pmate_encrypt(password, ssn.encode("utf-8"))},
                           "name": {"S": "person " + ssn}})
        batch_put(ddb, people_table, people)
    return rows


def clients(dynamodb_url, s3_url, key_id=None, secret=None, region=None):
    """boto3 clients; credentials and region from the environment unless given."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 3, "mode": "standard"},
                    s3={"addressing_style": "path"})
    kw = {"config": config}
    if key_id:
        kw.update(aws_access_key_id=key_id, aws_secret_access_key=secret)
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        kw["region_name"] = region
    return (boto3.client("dynamodb", endpoint_url=dynamodb_url, **kw),
            boto3.client("s3", endpoint_url=s3_url, **kw))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dynamodb", required=True)
    parser.add_argument("--s3", required=True)
    parser.add_argument("--table", default="pages")
    parser.add_argument("--people-table")
    parser.add_argument("--bucket", default="pages-bucket")
    parser.add_argument("--password-env", default="PAGES_PASSWORD")
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--html-bytes", type=int, default=200)
    args = parser.parse_args()
    password = os.environ.get(args.password_env)
    if not password:
        sys.exit(f"{sys.argv[0]}: set the password in ${args.password_env}")
    ddb, s3 = clients(args.dynamodb, args.s3)
    write_pages(ddb, s3, args.table, args.bucket, password, args.items, args.html_bytes,
                args.people_table)
    json.dump(catalog_for(args.table, args.bucket, args.password_env, args.people_table),
              sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
