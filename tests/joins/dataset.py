"""The tables of the join plan tests and the join bench (deterministic).

  orders     customer S (HASH), order_no N (RANGE); ORDERS items, about
             ORDERS / CUSTOMERS per customer. Attributes total N, addr S,
             status S, created N (missing on one item in five).
             GSI by_status: status (HASH), created (RANGE), projection ALL
             (sparse: items without `created` are not in it).
             LSI by_total: customer (HASH), total (RANGE), projection ALL.
  users      user_id S (HASH): country S, name S. USERS items.
  customers  id S (HASH): tier S ("gold" for one in ten), name S.
             CUSTOMERS items.

Orders reference users and customers by the same ids ("c0001"...), and
`orders.addr` holds a customer's name for a non-key join.
"""

import random

ORDERS = 3000
USERS = 300
CUSTOMERS = 300
SEED = 1010


def ident(i):
    return "c%04d" % i


def generate(orders=ORDERS, users=USERS, customers=CUSTOMERS):
    rnd = random.Random(SEED)
    data = {"orders": [], "users": [], "customers": []}
    for i in range(users):
        data["users"].append({"user_id": {"S": ident(i)},
                              "country": {"S": rnd.choice(["de", "fr", "jp", "us", "br"])},
                              "name": {"S": "user %d" % i}})
    for i in range(customers):
        data["customers"].append({"id": {"S": ident(i)},
                                  "tier": {"S": "gold" if i % 10 == 3 else
                                           rnd.choice(["silver", "bronze"])},
                                  "name": {"S": "name %d" % (i % 50)}})
    per = max(1, orders // max(users, customers))
    for n in range(orders):
        item = {"customer": {"S": ident(n // per)},
                "order_no": {"N": str(n % per)},
                "total": {"N": "%d.%02d" % (rnd.randrange(1, 500), rnd.randrange(100))},
                "addr": {"S": "name %d" % rnd.randrange(80)},
                "status": {"S": rnd.choice(["open", "paid", "shipped", "returned"])}}
        if n % 5:
            item["created"] = {"N": str(1700000000 + n)}
        data["orders"].append(item)
    return data


def create_tables(client):
    client.create_table(
        TableName="orders", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in
                              [("customer", "S"), ("order_no", "N"), ("status", "S"),
                               ("created", "N"), ("total", "N")]],
        KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"},
                   {"AttributeName": "order_no", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "by_status",
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                          {"AttributeName": "created", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}],
        LocalSecondaryIndexes=[{
            "IndexName": "by_total",
            "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"},
                          {"AttributeName": "total", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}])
    for name, key in (("users", "user_id"), ("customers", "id")):
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}])


def load(client, data):
    import concurrent.futures
    create_tables(client)
    for t in data:
        client.get_waiter("table_exists").wait(TableName=t)

    def write(table, chunk):
        request = {table: [{"PutRequest": {"Item": it}} for it in chunk]}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or None

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        jobs = [pool.submit(write, t, items[k:k + 25])
                for t, items in data.items() for k in range(0, len(items), 25)]
        for j in jobs:
            j.result()
