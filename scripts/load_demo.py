#!/usr/bin/env python3
"""Loads the demo data into the local emulators, with boto3.

    load_demo.py --dynamodb URL --s3 URL

Creates (or refills) the table `demo_table` (key pk), whose few items cover
every DynamoDB type and some missing attributes; the table `my-table` (key pk
S + sk N, 20 items); the S3 bucket `ddbsql-demo` with one object; and the
table `web_pages` written the way pynamodb_mate stores attributes (HTML in
S3 as S3BackedBigTextAttribute, a gzip'd note, an encrypted owner e-mail
whose password is $DDBSQL_DEMO_PASSWORD), declared by
scripts/demo_catalog.json. The
credentials and region come from the environment (scripts/demo.sh sets
access key id `demo` and us-east-1): DynamoDB Local keeps one database per
access key id and region, so ddbsql must use the same ones to see the data.
"""

import argparse
import os
import sys
from decimal import Decimal

import boto3
from botocore.config import Config

kDemoBucket = "ddbsql-demo"
kRepo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# web_pages: (id, title, owner e-mail, note); the HTML is made from them.
kWebPages = [
    ("home", "Welcome", "ana@example.com", "Front page; keep it short."),
    ("pricing", "Pricing", "bo@example.com", "Prices change on the 1st of each month."),
    ("docs", "Documentation", "ana@example.com", "Generated nightly from the manual."),
    ("blog", "Blog", "chen@example.com", "Three posts waiting for review."),
    ("about", "About us", "bo@example.com", "Team photos are in the S3 bucket too."),
]

# Every DynamoDB type at least once; "beta" and "delta" lack most attributes.
kDemoItems = [
    {
        "pk": "alpha",
        "name": "Ünïcödé café ☃ 日本語",
        "count": 42,
        "price": Decimal("19.99"),
        "big": Decimal("12345678901234567890123456789012345678"),  # 38 digits
        "active": True,
        "note": None,
        "blob": b"\x00\x01binary\xff",
        "tags": {"red", "green", "blue"},
        "scores": {Decimal("1"), Decimal("2.5"), Decimal("100")},
        "attrs": {"color": "blue", "size": {"w": 10, "h": Decimal("20.5")}},
        "items": ["a", 1, True, None, {"k": "v"}],
    },
    {"pk": "beta", "name": "only a name"},
    {
        "pk": "gamma",
        "name": "rocket 🚀",
        "count": -7,
        "price": Decimal("0.001"),
        "big": Decimal("-0.000000000000000000000000000000000000001"),
        "active": False,
        "tags": {"solo"},
        "blobs": {b"\x01\x02", b"\xfe\xff"},
    },
    {"pk": "delta", "count": 0, "attrs": {}, "items": []},
    {
        "pk": "epsilon",
        "name": 'quotes "double" and \'single\', a tab\tand a\nnewline',
        "count": 10000000000,
        "price": Decimal("-0.5"),
        "note": None,
        "scores": {Decimal("-1"), Decimal("0.125")},
    },
]

kEvents = ["login", "view", "purchase", "logout", "refund"]


def my_table_items():
    """20 items: 4 users x 5 events, sort key 1..5."""
    items = []
    for user in range(1, 5):
        for seq in range(1, 6):
            item = {
                "pk": f"user#{user}",
                "sk": seq,
                "event": kEvents[(user + seq) % len(kEvents)],
                "amount": Decimal(user * 10 + seq) / Decimal(4),
                "ts": f"2024-0{user}-1{seq}T12:0{seq}:00Z",
            }
            if seq % 2 == 0:
                item["flagged"] = user % 2 == 0
            items.append(item)
    return items


def create_table(ddb, name, key_schema, attributes):
    existing = ddb.meta.client.list_tables()["TableNames"]
    if name in existing:
        ddb.Table(name).delete()
        ddb.meta.client.get_waiter("table_not_exists").wait(TableName=name)
    table = ddb.create_table(
        TableName=name,
        KeySchema=key_schema,
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()
    return table


def load_web_pages(ddb, s3):
    """The table `web_pages`, in pynamodb_mate's stored formats."""
    sys.path.insert(0, os.path.join(kRepo, "tests"))
    import pynamodb_mate_writer as pm  # the tests' own writer of those formats

    password = os.environ.get("DDBSQL_DEMO_PASSWORD", "demo-password")
    create_table(ddb, "web_pages", [{"AttributeName": "id", "KeyType": "HASH"}],
                 [{"AttributeName": "id", "AttributeType": "S"}])
    with ddb.Table("web_pages").batch_writer() as batch:
        for page_id, title, owner, note in kWebPages:
            html = (f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
                    + f"<p>{note}</p>" * 40 + "</body></html>")
            batch.put_item(Item={
                "id": page_id,
                "title": title,
                "html": pm.s3backed_put(s3, kDemoBucket, html.encode("utf-8")),
                "note": pm.gzip_bytes(note.encode("utf-8")),
                "owner_email": pm.pmate_encrypt(password, owner.encode("utf-8")),
            })


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dynamodb", required=True, help="DynamoDB endpoint URL")
    parser.add_argument("--s3", required=True, help="S3 endpoint URL")
    args = parser.parse_args()

    config = Config(retries={"max_attempts": 3, "mode": "standard"},
                    s3={"addressing_style": "path"})
    ddb = boto3.resource("dynamodb", endpoint_url=args.dynamodb, config=config)
    s3 = boto3.client("s3", endpoint_url=args.s3, config=config)

    demo = create_table(ddb, "demo_table",
                        [{"AttributeName": "pk", "KeyType": "HASH"}],
                        [{"AttributeName": "pk", "AttributeType": "S"}])
    with demo.batch_writer() as batch:
        for item in kDemoItems:
            batch.put_item(Item=item)

    mine = create_table(ddb, "my-table",
                        [{"AttributeName": "pk", "KeyType": "HASH"},
                         {"AttributeName": "sk", "KeyType": "RANGE"}],
                        [{"AttributeName": "pk", "AttributeType": "S"},
                         {"AttributeName": "sk", "AttributeType": "N"}])
    with mine.batch_writer() as batch:
        for item in my_table_items():
            batch.put_item(Item=item)

    try:
        s3.create_bucket(Bucket=kDemoBucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_object(Bucket=kDemoBucket, Key="hello.txt", Body="Hello from S3 ☁\n".encode(),
                  ContentType="text/plain; charset=utf-8")

    load_web_pages(ddb, s3)

    tables = ("demo_table", "my-table", "web_pages")
    counts = [ddb.Table(t).scan(Select="COUNT")["Count"] for t in tables]
    if counts != [len(kDemoItems), 20, len(kWebPages)]:
        sys.exit(f"load_demo.py: expected {len(kDemoItems)}, 20 and {len(kWebPages)} items,"
                 f" found {counts}")


if __name__ == "__main__":
    main()
