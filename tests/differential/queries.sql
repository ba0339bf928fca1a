-- Differential corpus: every statement runs through `ddbsql -csv` and through
-- `sqlite3 -csv` on a plain SQLite copy of the same rows; outputs must match
-- byte for byte (tests/differential_test.py). One statement per block, blocks
-- separated by blank lines; the `--` lines above a statement say what it
-- checks. Every result has a total order (ORDER BY unique columns) unless the
-- statement is about order itself.
--
-- Tables: orders(pk S, sk N; GSI gsi_status(status, created) ALL; LSI
-- lsi_score(pk, score) INCLUDE title, qty), customers(cid S), and the local
-- tables lkeys(pk, sk, label) and lcids(cid). See dataset.py.

-- ===== Whole tables: every value as ddbsql presents it =====

-- every visible column of every item (Scan)
SELECT * FROM orders ORDER BY pk, sk;

-- every visible column of every customer
SELECT * FROM customers ORDER BY cid;

-- the hidden item column: the whole item as JSON
SELECT pk, sk, item FROM orders ORDER BY pk, sk;

-- the item column of customers
SELECT cid, item FROM customers ORDER BY cid;

-- storage class of every orders column
SELECT pk, sk, typeof(pk), typeof(sk), typeof(amount), typeof(blob), typeof(bs), typeof(created), typeof(doc), typeof(flag), typeof(mixed), typeof(note), typeof(ns), typeof(num_or_str), typeof(price), typeof(qty), typeof(score), typeof(size), typeof(ss), typeof(status), typeof(tags), typeof(title), typeof("weird.name"), typeof(item) FROM orders ORDER BY pk, sk;

-- storage class of every customers column
SELECT cid, typeof(cid), typeof(balance), typeof(country), typeof(emails), typeof(name), typeof(nick), typeof(prefs), typeof(since), typeof(tier), typeof(vip), typeof(item) FROM customers ORDER BY cid;

-- REAL values are the exact doubles (17 digits), numbers as TEXT keep every digit
SELECT pk, sk, printf('%.17g', sk), printf('%.17g', amount), quote(amount), quote(price), quote(score), quote(created) FROM orders ORDER BY pk, sk;

-- binaries with NUL bytes, byte for byte
SELECT pk, sk, hex(blob), length(blob), typeof(blob) FROM orders WHERE blob IS NOT NULL ORDER BY pk, sk;

-- binaries straight into CSV output
SELECT pk, sk, blob FROM orders WHERE blob IS NOT NULL AND instr(blob, x'00') = 0 ORDER BY pk, sk;

-- row counts
SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM customers);

-- how many items have each attribute
SELECT count(pk), count(sk), count(amount), count(blob), count(bs), count(created), count(doc), count(flag), count(mixed), count(note), count(ns), count(num_or_str), count(price), count(qty), count(score), count(size), count(ss), count(status), count(tags), count(title), count("weird.name"), count(item) FROM orders;

-- how many customers have each attribute
SELECT count(balance), count(country), count(emails), count(name), count(nick), count(prefs), count(since), count(tier), count(vip) FROM customers;

-- ===== Point lookups (GetItem) =====

-- whole key of an existing item, every column
SELECT * FROM orders WHERE pk = 'cust#0001' AND sk = 10;

-- whole key, the item column
SELECT item FROM orders WHERE pk = 'cust#0002' AND sk = 20;

-- whole key that does not exist
SELECT pk, sk, title FROM orders WHERE pk = 'cust#0001' AND sk = 11;

-- whole key with a decimal sort key
SELECT pk, sk, title, amount FROM orders WHERE pk IN (SELECT pk FROM orders WHERE typeof(sk) = 'real' AND pk GLOB 'cust#*' ORDER BY pk, sk LIMIT 1) AND sk = (SELECT sk FROM orders WHERE typeof(sk) = 'real' AND pk GLOB 'cust#*' ORDER BY pk, sk LIMIT 1);

-- edge sort keys, one lookup each: REAL ones
SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = 0.1
UNION ALL SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = 1e-30
UNION ALL SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = -1e-30
UNION ALL SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = 1e100
UNION ALL SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = -1e100
UNION ALL SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = 19.99
UNION ALL SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = -1.5
UNION ALL SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = 1e20
UNION ALL SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = 0.30000000000000004;

-- KNOWN DIVERGENCE: equality on a number key is DynamoDB's exact equality (GetItem); SQLite compares keys beyond double precision as doubles
-- edge sort keys: int64 boundaries (-2^63 also equals -2^63-1 held as TEXT, as doubles)
SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = 9223372036854775807
UNION ALL SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = -9223372036854775808
UNION ALL SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = 9007199254740993
UNION ALL SELECT pk, sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk = 0;

-- KNOWN DIVERGENCE: equality on a number key is DynamoDB's exact equality (GetItem); SQLite compares keys beyond double precision as doubles
-- a key held as TEXT (2^63) against a REAL: NUMERIC affinity compares it as a double
SELECT pk, sk FROM orders WHERE pk = 'edge' AND sk = 9223372036854775808;

-- KNOWN DIVERGENCE: equality on a number key is DynamoDB's exact equality (GetItem); SQLite compares keys beyond double precision as doubles
-- ... and against the same digits as a text literal (both become doubles)
SELECT pk, sk FROM orders WHERE pk = 'edge' AND sk = '9223372036854775808';

-- KNOWN DIVERGENCE: equality on a number key is DynamoDB's exact equality (GetItem); SQLite compares keys beyond double precision as doubles
-- 38-digit sort key as a text literal (compared as doubles)
SELECT pk, sk FROM orders WHERE pk = 'edge' AND sk = '12345678901234567890123456789012345678';

-- a number partition key given as an integer literal (TEXT affinity: '5')
SELECT pk, sk, title FROM orders WHERE pk = 5 AND sk = 1;

-- a REAL literal against a TEXT key becomes '5.0'
SELECT pk, sk FROM orders WHERE pk = 5.0 AND sk = 1;

-- partition keys that look alike as numbers stay apart as text
SELECT pk, sk FROM orders WHERE pk = '05' AND sk = 1;

-- sort key given as text that NUMERIC affinity turns into a number
SELECT pk, sk, title FROM orders WHERE pk = 'cust#0001' AND sk = '10';

-- sort key text with a decimal point and spaces
SELECT pk, sk FROM orders WHERE pk = 'cust#0001' AND sk = '10.0'
UNION ALL SELECT pk, sk FROM orders WHERE pk = 'cust#0001' AND sk = ' 10 '
UNION ALL SELECT pk, sk FROM orders WHERE pk = 'cust#0001' AND sk = '1e1'
UNION ALL SELECT pk, sk FROM orders WHERE pk = 'cust#0001' AND sk = 1e1;

-- sort key compared with non-numbers: text, blob, NULL
SELECT 'text', count(*) FROM orders WHERE pk = 'cust#0001' AND sk = 'abc'
UNION ALL SELECT 'blob', count(*) FROM orders WHERE pk = 'cust#0001' AND sk = x'3130'
UNION ALL SELECT 'null', count(*) FROM orders WHERE pk = 'cust#0001' AND sk = NULL
UNION ALL SELECT 'nullpk', count(*) FROM orders WHERE pk = NULL AND sk = 10
UNION ALL SELECT 'blobpk', count(*) FROM orders WHERE pk = CAST('cust#0001' AS BLOB) AND sk = 10
UNION ALL SELECT 'hex', count(*) FROM orders WHERE pk = 'cust#0001' AND sk = '0xA';

-- non-ASCII partition keys
SELECT pk, sk, title FROM orders WHERE pk = '日本' AND sk = 1
UNION ALL SELECT pk, sk, title FROM orders WHERE pk = '🎉' AND sk = 1
UNION ALL SELECT pk, sk, title FROM orders WHERE pk = 'ünï' AND sk = 2;

-- partition keys with a newline and a quote
SELECT pk, sk FROM orders WHERE pk = 'line' || char(10) || 'break' AND sk = 1
UNION ALL SELECT pk, sk FROM orders WHERE pk = 'quote''d' AND sk = 1;

-- whole key plus a condition on another column
SELECT pk, sk, qty FROM orders WHERE pk = 'cust#0003' AND sk = 30 AND qty > 3;

-- whole key given by expressions
SELECT pk, sk FROM orders WHERE pk = 'cust#' || '0004' AND sk = 5 * 8;

-- customers by key
SELECT * FROM customers WHERE cid = 'cust#0001';

-- customer that does not exist (multiples of 7 are missing)
SELECT * FROM customers WHERE cid = 'cust#0007';

-- customer key given as an integer
SELECT cid, name FROM customers WHERE cid = 5;

-- ===== Partition key only (Query) =====

-- one partition in sort key order
SELECT pk, sk, title, qty FROM orders WHERE pk = 'cust#0002' ORDER BY sk;

-- one partition, descending
SELECT pk, sk, title FROM orders WHERE pk = 'cust#0002' ORDER BY sk DESC;

-- the edge partition in sort key order (ORDER BY puts TEXT after every number)
SELECT sk, typeof(sk) FROM orders WHERE pk = 'edge' ORDER BY sk;

-- KNOWN DIVERGENCE: ORDER BY a number sort key DESC is served in DynamoDB's order; a key beyond double precision stops the statement with an error
-- the edge partition, descending
SELECT sk, typeof(sk) FROM orders WHERE pk = 'edge' ORDER BY sk DESC;

-- the edge partition, first rows
SELECT sk FROM orders WHERE pk = 'edge' ORDER BY sk LIMIT 5;

-- KNOWN DIVERGENCE: ORDER BY a number sort key DESC is served in DynamoDB's order; a key beyond double precision stops the statement with an error
-- the edge partition, last rows
SELECT sk FROM orders WHERE pk = 'edge' ORDER BY sk DESC LIMIT 5;

-- the edge partition, a page in the middle
SELECT sk FROM orders WHERE pk = 'edge' ORDER BY sk LIMIT 3 OFFSET 2;

-- a partition with zero and negative sort keys
SELECT sk, title FROM orders WHERE pk = 'cust#0010' ORDER BY sk;

-- partition keys differing only in case
SELECT pk, sk FROM orders WHERE pk = 'abc' ORDER BY sk;

-- upper-case twin
SELECT pk, sk FROM orders WHERE pk = 'ABC' ORDER BY sk;

-- partition given as an integer literal
SELECT pk, sk FROM orders WHERE pk = 5 ORDER BY sk;

-- count of one partition
SELECT count(*), sum(qty), min(sk), max(sk) FROM orders WHERE pk = 'cust#0020';

-- partition ordered by another column
SELECT sk, title FROM orders WHERE pk = 'cust#0021' ORDER BY title, sk;

-- partition ordered by the sort key then another column
SELECT sk, title FROM orders WHERE pk = 'edge' ORDER BY sk, title;

-- partition key from a scalar subquery
SELECT pk, sk FROM orders WHERE pk = (SELECT min(cid) FROM customers) ORDER BY sk;

-- partition that does not exist
SELECT count(*) FROM orders WHERE pk = 'nobody';

-- a partition with a non-key condition
SELECT sk, qty FROM orders WHERE pk = 'cust#0022' AND qty >= 10 ORDER BY sk;

-- ===== Sort key ranges =====

-- sk <
SELECT sk FROM orders WHERE pk = 'cust#0002' AND sk < 100 ORDER BY sk;

-- sk <=
SELECT sk FROM orders WHERE pk = 'cust#0002' AND sk <= 100 ORDER BY sk;

-- sk >
SELECT sk FROM orders WHERE pk = 'cust#0002' AND sk > 300 ORDER BY sk;

-- sk >=
SELECT sk FROM orders WHERE pk = 'cust#0002' AND sk >= 300 ORDER BY sk;

-- BETWEEN
SELECT sk FROM orders WHERE pk = 'cust#0002' AND sk BETWEEN 50 AND 150 ORDER BY sk;

-- both bounds strict
SELECT sk FROM orders WHERE pk = 'cust#0003' AND sk > 100 AND sk < 200 ORDER BY sk;

-- bounds between decimal keys
SELECT sk FROM orders WHERE pk IN (SELECT DISTINCT pk FROM orders WHERE typeof(sk) = 'real' AND pk GLOB 'cust#*') AND sk > 100.2 AND sk < 300.3 ORDER BY pk, sk;

-- degenerate range
SELECT sk FROM orders WHERE pk = 'cust#0003' AND sk >= 20 AND sk <= 20;

-- empty range
SELECT count(*) FROM orders WHERE pk = 'cust#0003' AND sk BETWEEN 100 AND 10;

-- two lower bounds and two upper bounds
SELECT sk FROM orders WHERE pk = 'cust#0004' AND sk > 30 AND sk > 50 AND sk < 200 AND sk < 150 ORDER BY sk;

-- range given as text literals (NUMERIC affinity)
SELECT sk FROM orders WHERE pk = 'cust#0004' AND sk > '50' AND sk <= '100' ORDER BY sk;

-- edge partition: sk > 0 (keys held as TEXT compare as doubles)
SELECT sk FROM orders WHERE pk = 'edge' AND sk > 0 ORDER BY sk;

-- edge partition: sk < 0
SELECT sk FROM orders WHERE pk = 'edge' AND sk < 0 ORDER BY sk;

-- edge partition: sk >= 1e20
SELECT sk FROM orders WHERE pk = 'edge' AND sk >= 1e20 ORDER BY sk;

-- edge partition: sk > 100
SELECT sk FROM orders WHERE pk = 'edge' AND sk > 100 ORDER BY sk;

-- edge partition: sk <= 100
SELECT sk FROM orders WHERE pk = 'edge' AND sk <= 100 ORDER BY sk;

-- edge partition: BETWEEN -1 AND 1
SELECT sk FROM orders WHERE pk = 'edge' AND sk BETWEEN -1 AND 1 ORDER BY sk;

-- edge partition: above int64
SELECT sk FROM orders WHERE pk = 'edge' AND sk > 9223372036854775807 ORDER BY sk;

-- edge partition: from the smallest int64
SELECT count(*) FROM orders WHERE pk = 'edge' AND sk >= -9223372036854775808;

-- range bound that is non-numeric text: above every number
SELECT count(*) FROM orders WHERE pk = 'edge' AND sk > 'abc';

-- ... and below it
SELECT count(*) FROM orders WHERE pk = 'edge' AND sk < 'abc';

-- range bound NULL
SELECT count(*) FROM orders WHERE pk = 'edge' AND sk > NULL;

-- range bound a blob
SELECT count(*) FROM orders WHERE pk = 'edge' AND sk < x'00';

-- range bound infinite
SELECT count(*) FROM orders WHERE pk = 'edge' AND sk < 1e999;

-- sort key range and ORDER BY DESC with LIMIT
SELECT sk FROM orders WHERE pk = 'cust#0005' AND sk > 50 ORDER BY sk DESC LIMIT 4;

-- range without a partition key (Scan)
SELECT pk, sk FROM orders WHERE sk BETWEEN 595 AND 600 ORDER BY pk, sk;

-- range on the partition key (Scan)
SELECT DISTINCT pk FROM orders WHERE pk > 'cust#0078' ORDER BY pk;

-- BETWEEN on the partition key
SELECT pk, count(*) FROM orders WHERE pk BETWEEN 'cust#0010' AND 'cust#0012' GROUP BY pk ORDER BY pk;

-- unary plus keeps the key from being used
SELECT sk FROM orders WHERE +pk = 'cust#0006' AND +sk < 60 ORDER BY sk;

-- ===== IN lists on keys =====

-- sort key IN, fixed partition (BatchGetItem)
SELECT sk, title FROM orders WHERE pk = 'cust#0001' AND sk IN (10, 20, 30, 999) ORDER BY sk;

-- partition key IN, fixed sort key
SELECT pk, sk FROM orders WHERE pk IN ('cust#0001', 'cust#0002', 'nobody') AND sk = 10 ORDER BY pk;

-- both IN
SELECT pk, sk FROM orders WHERE pk IN ('cust#0001', 'cust#0002') AND sk IN (10, 20, 25) ORDER BY pk, sk;

-- partition key IN, whole partitions (one Query each)
SELECT pk, sk FROM orders WHERE pk IN ('cust#0003', 'cust#0004', 'abc', 'ABC') ORDER BY pk, sk;

-- partition key IN with a range
SELECT pk, sk FROM orders WHERE pk IN ('cust#0003', 'cust#0004') AND sk < 60 ORDER BY pk, sk;

-- partition key IN ordered by sort key only
SELECT pk, sk FROM orders WHERE pk IN ('cust#0011', 'cust#0012') ORDER BY sk, pk;

-- 250 customer keys (3 BatchGetItem requests)
SELECT cid, name, tier FROM customers WHERE cid IN ('cust#0001', 'cust#0002', 'cust#0003', 'cust#0004', 'cust#0005', 'cust#0006', 'cust#0007', 'cust#0008', 'cust#0009', 'cust#0010', 'cust#0011', 'cust#0012', 'cust#0013', 'cust#0014', 'cust#0015', 'cust#0016', 'cust#0017', 'cust#0018', 'cust#0019', 'cust#0020', 'cust#0021', 'cust#0022', 'cust#0023', 'cust#0024', 'cust#0025', 'cust#0026', 'cust#0027', 'cust#0028', 'cust#0029', 'cust#0030', 'cust#0031', 'cust#0032', 'cust#0033', 'cust#0034', 'cust#0035', 'cust#0036', 'cust#0037', 'cust#0038', 'cust#0039', 'cust#0040', 'cust#0041', 'cust#0042', 'cust#0043', 'cust#0044', 'cust#0045', 'cust#0046', 'cust#0047', 'cust#0048', 'cust#0049', 'cust#0050', 'cust#0051', 'cust#0052', 'cust#0053', 'cust#0054', 'cust#0055', 'cust#0056', 'cust#0057', 'cust#0058', 'cust#0059', 'cust#0060', 'cust#0061', 'cust#0062', 'cust#0063', 'cust#0064', 'cust#0065', 'cust#0066', 'cust#0067', 'cust#0068', 'cust#0069', 'cust#0070', 'cust#0071', 'cust#0072', 'cust#0073', 'cust#0074', 'cust#0075', 'cust#0076', 'cust#0077', 'cust#0078', 'cust#0079', 'cust#0080', 'cust#0081', 'cust#0082', 'cust#0083', 'cust#0084', 'cust#0085', 'cust#0086', 'cust#0087', 'cust#0088', 'cust#0089', 'cust#0090', 'cust#0091', 'cust#0092', 'cust#0093', 'cust#0094', 'cust#0095', 'cust#0096', 'cust#0097', 'cust#0098', 'cust#0099', 'cust#0100', 'cust#0101', 'cust#0102', 'cust#0103', 'cust#0104', 'cust#0105', 'cust#0106', 'cust#0107', 'cust#0108', 'cust#0109', 'cust#0110', 'cust#0111', 'cust#0112', 'cust#0113', 'cust#0114', 'cust#0115', 'cust#0116', 'cust#0117', 'cust#0118', 'cust#0119', 'cust#0120', 'cust#0121', 'cust#0122', 'cust#0123', 'cust#0124', 'cust#0125', 'cust#0126', 'cust#0127', 'cust#0128', 'cust#0129', 'cust#0130', 'cust#0131', 'cust#0132', 'cust#0133', 'cust#0134', 'cust#0135', 'cust#0136', 'cust#0137', 'cust#0138', 'cust#0139', 'cust#0140', 'cust#0141', 'cust#0142', 'cust#0143', 'cust#0144', 'cust#0145', 'cust#0146', 'cust#0147', 'cust#0148', 'cust#0149', 'cust#0150', 'cust#0151', 'cust#0152', 'cust#0153', 'cust#0154', 'cust#0155', 'cust#0156', 'cust#0157', 'cust#0158', 'cust#0159', 'cust#0160', 'cust#0161', 'cust#0162', 'cust#0163', 'cust#0164', 'cust#0165', 'cust#0166', 'cust#0167', 'cust#0168', 'cust#0169', 'cust#0170', 'cust#0171', 'cust#0172', 'cust#0173', 'cust#0174', 'cust#0175', 'cust#0176', 'cust#0177', 'cust#0178', 'cust#0179', 'cust#0180', 'cust#0181', 'cust#0182', 'cust#0183', 'cust#0184', 'cust#0185', 'cust#0186', 'cust#0187', 'cust#0188', 'cust#0189', 'cust#0190', 'cust#0191', 'cust#0192', 'cust#0193', 'cust#0194', 'cust#0195', 'cust#0196', 'cust#0197', 'cust#0198', 'cust#0199', 'cust#0200', 'cust#0201', 'cust#0202', 'cust#0203', 'cust#0204', 'cust#0205', 'cust#0206', 'cust#0207', 'cust#0208', 'cust#0209', 'cust#0210', 'cust#0211', 'cust#0212', 'cust#0213', 'cust#0214', 'cust#0215', 'cust#0216', 'cust#0217', 'cust#0218', 'cust#0219', 'cust#0220', 'cust#0221', 'cust#0222', 'cust#0223', 'cust#0224', 'cust#0225', 'cust#0226', 'cust#0227', 'cust#0228', 'cust#0229', 'cust#0230', 'cust#0231', 'cust#0232', 'cust#0233', 'cust#0234', 'cust#0235', 'cust#0236', 'cust#0237', 'cust#0238', 'cust#0239', 'cust#0240', 'cust#0241', 'cust#0242', 'cust#0243', 'cust#0244', 'cust#0245', 'cust#0246', 'cust#0247', 'cust#0248', 'cust#0249', 'cust#0250') ORDER BY cid;

-- 250 keys, aggregated
SELECT count(*), sum(tier), min(cid), max(cid) FROM customers WHERE cid IN ('cust#0001', 'cust#0002', 'cust#0003', 'cust#0004', 'cust#0005', 'cust#0006', 'cust#0007', 'cust#0008', 'cust#0009', 'cust#0010', 'cust#0011', 'cust#0012', 'cust#0013', 'cust#0014', 'cust#0015', 'cust#0016', 'cust#0017', 'cust#0018', 'cust#0019', 'cust#0020', 'cust#0021', 'cust#0022', 'cust#0023', 'cust#0024', 'cust#0025', 'cust#0026', 'cust#0027', 'cust#0028', 'cust#0029', 'cust#0030', 'cust#0031', 'cust#0032', 'cust#0033', 'cust#0034', 'cust#0035', 'cust#0036', 'cust#0037', 'cust#0038', 'cust#0039', 'cust#0040', 'cust#0041', 'cust#0042', 'cust#0043', 'cust#0044', 'cust#0045', 'cust#0046', 'cust#0047', 'cust#0048', 'cust#0049', 'cust#0050', 'cust#0051', 'cust#0052', 'cust#0053', 'cust#0054', 'cust#0055', 'cust#0056', 'cust#0057', 'cust#0058', 'cust#0059', 'cust#0060', 'cust#0061', 'cust#0062', 'cust#0063', 'cust#0064', 'cust#0065', 'cust#0066', 'cust#0067', 'cust#0068', 'cust#0069', 'cust#0070', 'cust#0071', 'cust#0072', 'cust#0073', 'cust#0074', 'cust#0075', 'cust#0076', 'cust#0077', 'cust#0078', 'cust#0079', 'cust#0080', 'cust#0081', 'cust#0082', 'cust#0083', 'cust#0084', 'cust#0085', 'cust#0086', 'cust#0087', 'cust#0088', 'cust#0089', 'cust#0090', 'cust#0091', 'cust#0092', 'cust#0093', 'cust#0094', 'cust#0095', 'cust#0096', 'cust#0097', 'cust#0098', 'cust#0099', 'cust#0100', 'cust#0101', 'cust#0102', 'cust#0103', 'cust#0104', 'cust#0105', 'cust#0106', 'cust#0107', 'cust#0108', 'cust#0109', 'cust#0110', 'cust#0111', 'cust#0112', 'cust#0113', 'cust#0114', 'cust#0115', 'cust#0116', 'cust#0117', 'cust#0118', 'cust#0119', 'cust#0120', 'cust#0121', 'cust#0122', 'cust#0123', 'cust#0124', 'cust#0125', 'cust#0126', 'cust#0127', 'cust#0128', 'cust#0129', 'cust#0130', 'cust#0131', 'cust#0132', 'cust#0133', 'cust#0134', 'cust#0135', 'cust#0136', 'cust#0137', 'cust#0138', 'cust#0139', 'cust#0140', 'cust#0141', 'cust#0142', 'cust#0143', 'cust#0144', 'cust#0145', 'cust#0146', 'cust#0147', 'cust#0148', 'cust#0149', 'cust#0150', 'cust#0151', 'cust#0152', 'cust#0153', 'cust#0154', 'cust#0155', 'cust#0156', 'cust#0157', 'cust#0158', 'cust#0159', 'cust#0160', 'cust#0161', 'cust#0162', 'cust#0163', 'cust#0164', 'cust#0165', 'cust#0166', 'cust#0167', 'cust#0168', 'cust#0169', 'cust#0170', 'cust#0171', 'cust#0172', 'cust#0173', 'cust#0174', 'cust#0175', 'cust#0176', 'cust#0177', 'cust#0178', 'cust#0179', 'cust#0180', 'cust#0181', 'cust#0182', 'cust#0183', 'cust#0184', 'cust#0185', 'cust#0186', 'cust#0187', 'cust#0188', 'cust#0189', 'cust#0190', 'cust#0191', 'cust#0192', 'cust#0193', 'cust#0194', 'cust#0195', 'cust#0196', 'cust#0197', 'cust#0198', 'cust#0199', 'cust#0200', 'cust#0201', 'cust#0202', 'cust#0203', 'cust#0204', 'cust#0205', 'cust#0206', 'cust#0207', 'cust#0208', 'cust#0209', 'cust#0210', 'cust#0211', 'cust#0212', 'cust#0213', 'cust#0214', 'cust#0215', 'cust#0216', 'cust#0217', 'cust#0218', 'cust#0219', 'cust#0220', 'cust#0221', 'cust#0222', 'cust#0223', 'cust#0224', 'cust#0225', 'cust#0226', 'cust#0227', 'cust#0228', 'cust#0229', 'cust#0230', 'cust#0231', 'cust#0232', 'cust#0233', 'cust#0234', 'cust#0235', 'cust#0236', 'cust#0237', 'cust#0238', 'cust#0239', 'cust#0240', 'cust#0241', 'cust#0242', 'cust#0243', 'cust#0244', 'cust#0245', 'cust#0246', 'cust#0247', 'cust#0248', 'cust#0249', 'cust#0250');

-- duplicate keys in the list
SELECT cid FROM customers WHERE cid IN ('cust#0001', 'cust#0001', 'cust#0002', 'cust#0002') ORDER BY cid;

-- keys of other types in the list (TEXT affinity)
SELECT cid FROM customers WHERE cid IN ('5', 5, 5.0, 'ABC') ORDER BY cid;

-- sort keys that are the same number spelled differently
SELECT sk FROM orders WHERE pk = 'cust#0001' AND sk IN ('10', 10, 10.0, 20) ORDER BY sk;

-- NULL in the list
SELECT cid FROM customers WHERE cid IN ('cust#0001', NULL) ORDER BY cid;

-- empty list
SELECT count(*) FROM customers WHERE cid IN ();

-- KNOWN DIVERGENCE: equality on a number key is DynamoDB's exact equality (GetItem); SQLite compares keys beyond double precision as doubles
-- edge sort keys in a list
SELECT sk, typeof(sk) FROM orders WHERE pk = 'edge' AND sk IN (0.1, 1e100, 9223372036854775807, '9223372036854775808', 1e-30, -1.5) ORDER BY sk;

-- keys from a local table
SELECT cid, name FROM customers WHERE cid IN (SELECT cid FROM lcids) ORDER BY cid;

-- keys not in a local table (Scan)
SELECT count(*) FROM customers WHERE cid NOT IN (SELECT cid FROM lcids);

-- (pk, sk) pairs from a local table
SELECT pk, sk, title FROM orders WHERE (pk, sk) IN (SELECT pk, sk FROM lkeys) ORDER BY pk, sk;

-- partition keys from a local table
SELECT pk, count(*) FROM orders WHERE pk IN (SELECT pk FROM lkeys WHERE label = 'miss') GROUP BY pk ORDER BY pk;

-- partition keys from another DynamoDB table
SELECT pk, sk FROM orders WHERE pk IN (SELECT cid FROM customers WHERE tier = 5 AND vip = 1) ORDER BY pk, sk;

-- ===== GLOB and LIKE =====

-- GLOB with a literal prefix
SELECT pk, sk, title FROM orders WHERE title GLOB 'abc*' ORDER BY pk, sk;

-- GLOB is case-sensitive
SELECT pk, sk, title FROM orders WHERE title GLOB 'ABC*' ORDER BY pk, sk;

-- GLOB without a literal prefix
SELECT pk, sk, title FROM orders WHERE title GLOB '*x' ORDER BY pk, sk;

-- GLOB with ? and a character class
SELECT pk, sk, title FROM orders WHERE title GLOB '[aA]?c*' ORDER BY pk, sk;

-- GLOB matching a * literally
SELECT pk, sk, title FROM orders WHERE title GLOB 'x[*]y*' ORDER BY pk, sk;

-- LIKE is not case-sensitive for ASCII: 'abc%' matches ABC... and Abc...
SELECT pk, sk, title FROM orders WHERE title LIKE 'abc%' ORDER BY pk, sk;

-- LIKE with an upper-case pattern
SELECT pk, sk, title FROM orders WHERE title LIKE 'ABC%' ORDER BY pk, sk;

-- LIKE and non-ASCII letters (case-sensitive there)
SELECT pk, sk, title FROM orders WHERE title LIKE 'café%' ORDER BY pk, sk;

-- LIKE with an escaped wildcard
SELECT pk, sk, title FROM orders WHERE title LIKE 'abc\_%' ESCAPE '\' ORDER BY pk, sk;

-- LIKE with _
SELECT pk, sk, title FROM orders WHERE title LIKE 'a_c' ORDER BY pk, sk;

-- NOT LIKE
SELECT count(*) FROM orders WHERE title NOT LIKE '%a%';

-- GLOB on the partition key
SELECT DISTINCT pk FROM orders WHERE pk GLOB 'cust#000*' ORDER BY pk;

-- LIKE on the partition key: upper-case pattern matches lower-case keys
SELECT DISTINCT pk FROM orders WHERE pk LIKE 'CUST#001%' ORDER BY pk;

-- LIKE on the partition key: case twins
SELECT DISTINCT pk FROM orders WHERE pk LIKE 'abc%' ORDER BY pk;

-- GLOB on the partition key: metacharacters in keys
SELECT DISTINCT pk FROM orders WHERE pk GLOB 'a[%_]b' ORDER BY pk;

-- LIKE on the partition key with ESCAPE
SELECT DISTINCT pk FROM orders WHERE pk LIKE 'a\%b' ESCAPE '\' ORDER BY pk;

-- GLOB on the customer key
SELECT cid FROM customers WHERE cid GLOB 'cust#01[0-2]*' ORDER BY cid;

-- LIKE on the customer key
SELECT cid FROM customers WHERE cid LIKE 'CUST#029%' ORDER BY cid;

-- LIKE inside a partition
SELECT sk, title FROM orders WHERE pk = 'cust#0001' AND title LIKE 'a%' ORDER BY sk;

-- LIKE on the GSI key column
SELECT status, count(*) FROM orders WHERE status LIKE 'open' GROUP BY status ORDER BY status;

-- GLOB on the GSI key column
SELECT status, count(*) FROM orders WHERE status GLOB 'O*' GROUP BY status ORDER BY status;

-- LIKE against a number column
SELECT pk, sk FROM orders WHERE sk LIKE '10%' AND pk < 'cust#0004' ORDER BY pk, sk;

-- ===== NULL and missing attributes =====

-- IS NULL on each kind of column
SELECT count(*) FILTER (WHERE amount IS NULL), count(*) FILTER (WHERE title IS NULL), count(*) FILTER (WHERE flag IS NULL), count(*) FILTER (WHERE status IS NULL), count(*) FILTER (WHERE doc IS NULL), count(*) FILTER (WHERE blob IS NULL), count(*) FILTER (WHERE mixed IS NULL) FROM orders;

-- IS NOT NULL rows
SELECT pk, sk FROM orders WHERE flag IS NOT NULL AND mixed IS NOT NULL AND pk < 'cust#0003' ORDER BY pk, sk;

-- NULL attribute versus missing attribute (both NULL)
SELECT json_type(item, '$.flag'), typeof(flag), count(*) FROM orders GROUP BY 1, 2 ORDER BY 1, 2;

-- IS NULL inside a partition
SELECT sk FROM orders WHERE pk = 'cust#0005' AND score IS NULL ORDER BY sk;

-- IS NULL on a key column
SELECT count(*) FROM orders WHERE pk IS NULL OR sk IS NULL;

-- customers without vip
SELECT cid FROM customers WHERE vip IS NULL ORDER BY cid;

-- IS with a value
SELECT count(*) FROM orders WHERE flag IS 1;

-- ===== OR and NOT =====

-- OR of two partitions
SELECT pk, sk FROM orders WHERE pk = 'cust#0001' OR pk = 'cust#0002' ORDER BY pk, sk;

-- OR of two whole keys
SELECT pk, sk, title FROM orders WHERE (pk = 'cust#0001' AND sk = 10) OR (pk = 'cust#0002' AND sk = 20) ORDER BY pk, sk;

-- OR of a key and a non-key condition
SELECT pk, sk FROM orders WHERE pk = 'cust#0001' OR title = 'zeta' ORDER BY pk, sk;

-- OR on the GSI key
SELECT pk, sk, status FROM orders WHERE status = 'returned' OR status = 'ÉTÉ' ORDER BY pk, sk;

-- OR of sort key ranges within a partition
SELECT sk FROM orders WHERE pk = 'cust#0004' AND (sk < 50 OR sk > 300) ORDER BY sk;

-- NOT of a range
SELECT count(*) FROM orders WHERE NOT (qty > 5);

-- NOT BETWEEN
SELECT count(*) FROM orders WHERE qty NOT BETWEEN 5 AND 15;

-- NOT on the sort key inside a partition
SELECT sk FROM orders WHERE pk = 'cust#0003' AND NOT sk > 100 ORDER BY sk;

-- NOT IN on the partition key
SELECT count(*) FROM orders WHERE pk NOT IN ('cust#0001', 'cust#0002', 'edge');

-- inequality on the partition key
SELECT count(*) FROM orders WHERE pk <> 'cust#0001';

-- ===== Mixed-type comparisons =====

-- untyped column holding numbers and strings: = 5
SELECT pk, sk, num_or_str FROM orders WHERE num_or_str = 5 ORDER BY pk, sk;

-- untyped column: = '5' (no affinity: only the string)
SELECT pk, sk, num_or_str FROM orders WHERE num_or_str = '5' ORDER BY pk, sk;

-- untyped column: > 3 (strings are larger than numbers)
SELECT count(*) FROM orders WHERE num_or_str > 3;

-- untyped column: < 'b'
SELECT count(*) FROM orders WHERE num_or_str < 'b';

-- untyped column: grouped by value and type
SELECT num_or_str, typeof(num_or_str), count(*) FROM orders GROUP BY num_or_str ORDER BY num_or_str;

-- mixed column of every type: ordered
SELECT pk, sk, mixed, typeof(mixed) FROM orders WHERE mixed IS NOT NULL ORDER BY mixed, pk, sk LIMIT 200;

-- mixed column compared with numbers
SELECT count(*) FROM orders WHERE mixed = 1;

-- mixed column compared with a string
SELECT count(*) FROM orders WHERE mixed = 'abc';

-- mostly-string column with numbers now and then
SELECT pk, sk, note, typeof(note) FROM orders WHERE note = 5 OR note = '5' OR typeof(note) = 'integer' ORDER BY pk, sk;

-- NUMERIC column compared with text that looks like a number
SELECT pk, sk, amount FROM orders WHERE amount = '19.99' ORDER BY pk, sk;

-- NUMERIC column holding TEXT numbers: > 1000 (compared as doubles)
SELECT pk, sk, amount, typeof(amount) FROM orders WHERE amount > 1000 ORDER BY pk, sk;

-- NUMERIC column against a REAL that rounds a TEXT value
SELECT count(*) FROM orders WHERE amount = 9223372036854775808;

-- NUMERIC column against non-numeric text
SELECT count(*) FROM orders WHERE amount < 'a';

-- TEXT column compared with an integer
SELECT pk, sk, title FROM orders WHERE title = 123 ORDER BY pk, sk;

-- TEXT column compared with a REAL
SELECT pk, sk, title FROM orders WHERE title = 3.14 ORDER BY pk, sk;

-- TEXT column > integer (compared as text)
SELECT count(*) FROM orders WHERE title > 5;

-- boolean column compared with 1 and 'true'
SELECT (SELECT count(*) FROM orders WHERE flag = 1), (SELECT count(*) FROM orders WHERE flag = 'true'), (SELECT count(*) FROM orders WHERE flag IS TRUE), (SELECT count(*) FROM orders WHERE flag = 0);

-- customers: untyped nick column
SELECT cid, nick, typeof(nick) FROM customers WHERE nick = 5 OR nick = '5' OR nick > 40 ORDER BY cid;

-- join condition across types: integer qty against NUMERIC tier
SELECT count(*) FROM orders o JOIN customers c ON c.cid = o.pk WHERE o.qty = c.tier;

-- ===== ORDER BY =====

-- order by a column of mixed storage classes
SELECT pk, sk, amount FROM orders ORDER BY amount, pk, sk LIMIT 300;

-- descending
SELECT pk, sk, amount FROM orders ORDER BY amount DESC, pk, sk LIMIT 300;

-- NOCASE collation
SELECT pk, sk, title FROM orders WHERE pk < 'cust#0010' ORDER BY title COLLATE NOCASE, pk, sk;

-- order by the GSI range key
SELECT pk, sk, created FROM orders ORDER BY created DESC, pk, sk LIMIT 40;

-- order by blobs
SELECT pk, sk, hex(blob) FROM orders WHERE blob IS NOT NULL ORDER BY blob, pk, sk;

-- order by the sort key across partitions
SELECT pk, sk FROM orders WHERE sk < 30 ORDER BY sk, pk;

-- NULLS LAST
SELECT pk, sk, score FROM orders WHERE pk = 'cust#0006' ORDER BY score NULLS LAST, sk;

-- customers by balance
SELECT cid, balance FROM customers ORDER BY balance DESC, cid;

-- order by an expression
SELECT pk, sk FROM orders WHERE pk = 'cust#0007' ORDER BY sk % 30, sk;

-- order by a column position
SELECT pk, sk, qty FROM orders WHERE pk = 'cust#0008' ORDER BY 3, 2;

-- ===== LIMIT and OFFSET =====

-- LIMIT without ORDER BY returns that many rows
SELECT count(*) FROM (SELECT pk FROM orders LIMIT 10);

-- LIMIT with OFFSET near the end of the table
SELECT count(*) FROM (SELECT pk FROM orders LIMIT 10 OFFSET 2935);

-- LIMIT larger than the table
SELECT count(*) FROM (SELECT pk FROM orders LIMIT 100000);

-- LIMIT without ORDER BY under a filter
SELECT count(*) FROM (SELECT * FROM orders WHERE qty > 10 LIMIT 50);

-- LIMIT inside a partition without ORDER BY
SELECT count(*) FROM (SELECT sk FROM orders WHERE pk = 'cust#0009' LIMIT 5);

-- ordered page of the whole table
SELECT pk, sk FROM orders ORDER BY pk, sk LIMIT 10 OFFSET 100;

-- ordered page of a partition
SELECT sk FROM orders WHERE pk = 'cust#0005' ORDER BY sk LIMIT 4 OFFSET 3;

-- ordered page of a partition, descending
SELECT sk FROM orders WHERE pk = 'cust#0005' ORDER BY sk DESC LIMIT 4 OFFSET 3;

-- LIMIT 0
SELECT sk FROM orders WHERE pk = 'cust#0005' ORDER BY sk LIMIT 0;

-- negative LIMIT means none
SELECT count(*) FROM (SELECT sk FROM orders WHERE pk = 'cust#0005' ORDER BY sk LIMIT -1);

-- LIMIT with a filter SQLite applies
SELECT sk, qty FROM orders WHERE pk = 'cust#0005' AND qty > 3 ORDER BY sk LIMIT 3;

-- LIMIT from an expression
SELECT sk FROM orders WHERE pk = 'cust#0005' ORDER BY sk LIMIT (SELECT 2) OFFSET (SELECT 1);

-- customers page
SELECT cid FROM customers ORDER BY cid LIMIT 5 OFFSET 5;

-- LIMIT with an OFFSET beyond the partition
SELECT sk FROM orders WHERE pk = 'cust#0005' ORDER BY sk LIMIT 5 OFFSET 1000;

-- ===== Aggregates =====

-- integer aggregates over the table
SELECT count(*), count(qty), sum(qty), avg(qty), min(qty), max(qty), total(qty) FROM orders;

-- min and max over a mixed column
SELECT min(amount), max(amount), min(sk), max(sk), min(title), max(title) FROM orders;

-- sum of every number shape, in a fixed order
SELECT sum(amount), total(amount), avg(amount) FROM (SELECT amount FROM orders ORDER BY pk, sk);

-- sum of decimals, rounded
SELECT round(sum(price), 2), round(avg(price), 6) FROM orders;

-- group_concat in sort key order
SELECT group_concat(title, '|') FROM (SELECT title FROM orders WHERE pk = 'cust#0001' ORDER BY sk);

-- group_concat of distinct statuses in order
SELECT group_concat(status, ',') FROM (SELECT DISTINCT status FROM orders WHERE status IS NOT NULL ORDER BY status);

-- count distinct
SELECT count(DISTINCT status), count(DISTINCT pk), count(DISTINCT title), count(DISTINCT amount) FROM orders;

-- GROUP BY status
SELECT status, count(*), sum(qty), min(sk), max(sk), min(created), max(created) FROM orders GROUP BY status ORDER BY status;

-- GROUP BY with HAVING
SELECT pk, count(*) FROM orders GROUP BY pk HAVING count(*) > 50 ORDER BY pk;

-- HAVING on a sum
SELECT pk, sum(qty) FROM orders GROUP BY pk HAVING sum(qty) > 500 ORDER BY pk;

-- GROUP BY storage class
SELECT typeof(amount), count(*), min(amount), max(amount) FROM orders GROUP BY 1 ORDER BY 1;

-- GROUP BY a boolean
SELECT flag, count(*) FROM orders GROUP BY flag ORDER BY flag;

-- customers GROUP BY two columns
SELECT country, tier, count(*), round(total(balance), 2) FROM customers GROUP BY country, tier ORDER BY country, tier;

-- GROUP BY a JSON path
SELECT json_extract(doc, '$.kind') AS k, count(*), sum(json_extract(doc, '$.n')) FROM orders GROUP BY k ORDER BY k;

-- lengths
SELECT max(length(title)), sum(length(blob)), sum(length(item)), sum(length(doc)) FROM orders;

-- aggregate of a partition via Query
SELECT pk, count(*), sum(qty), avg(qty) FROM orders WHERE pk IN ('cust#0013', 'cust#0014') GROUP BY pk ORDER BY pk;

-- aggregate over the GSI
SELECT count(*), sum(qty), min(created), max(created) FROM orders WHERE status = 'shipped';

-- price sums per status, rounded
SELECT status, round(sum(price), 2) FROM orders GROUP BY status ORDER BY status;

-- ===== DISTINCT =====

-- distinct statuses
SELECT DISTINCT status FROM orders ORDER BY 1;

-- distinct partitions
SELECT DISTINCT pk FROM orders ORDER BY pk;

-- distinct storage classes of the mixed column
SELECT DISTINCT typeof(mixed) FROM orders ORDER BY 1;

-- distinct countries
SELECT DISTINCT country FROM customers ORDER BY 1;

-- distinct values of the untyped column (5 and '5' differ)
SELECT DISTINCT num_or_str FROM orders ORDER BY 1;

-- distinct sort keys of the edge partition
SELECT DISTINCT sk FROM orders WHERE pk = 'edge' ORDER BY 1;

-- ===== Subqueries =====

-- customers with a returned order
SELECT cid FROM customers WHERE cid IN (SELECT pk FROM orders WHERE status = 'returned') ORDER BY cid;

-- customers with any order (correlated EXISTS: a Query per customer)
SELECT cid FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.pk = c.cid) ORDER BY cid;

-- customers without an order at sort key 10
SELECT cid FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.pk = c.cid AND o.sk = 10) ORDER BY cid;

-- correlated scalar subquery
SELECT cid, (SELECT count(*) FROM orders o WHERE o.pk = c.cid) FROM customers c WHERE cid < 'cust#0030' ORDER BY cid;

-- orders of vip customers
SELECT count(*) FROM orders WHERE pk IN (SELECT cid FROM customers WHERE vip = 1);

-- the last item of a partition
SELECT pk, sk, title FROM orders WHERE pk = 'cust#0006' AND sk = (SELECT max(sk) FROM orders WHERE pk = 'cust#0006');

-- subquery in the select list with a range
SELECT (SELECT count(*) FROM orders WHERE pk = 'cust#0006' AND sk > 100), (SELECT count(*) FROM orders WHERE pk = 'cust#0006' AND sk <= 100);

-- common table expression
WITH big AS (SELECT pk, count(*) AS n FROM orders GROUP BY pk) SELECT c.cid, big.n FROM big JOIN customers c ON c.cid = big.pk WHERE big.n > 40 ORDER BY c.cid;

-- ===== Joins of the two DynamoDB tables =====

-- orders with their customer
SELECT o.pk, o.sk, c.name, c.tier FROM orders o JOIN customers c ON c.cid = o.pk WHERE o.pk < 'cust#0005' ORDER BY o.pk, o.sk;

-- join counted
SELECT count(*), sum(c.tier) FROM orders o JOIN customers c ON c.cid = o.pk;

-- customers driving, orders per customer
SELECT c.cid, o.sk FROM customers c JOIN orders o ON o.pk = c.cid WHERE c.tier = 5 AND c.cid < 'cust#0060' ORDER BY c.cid, o.sk;

-- orders without a customer
SELECT DISTINCT o.pk FROM orders o LEFT JOIN customers c ON c.cid = o.pk WHERE c.cid IS NULL ORDER BY o.pk;

-- customers with an optional order at one sort key
SELECT c.cid, o.title FROM customers c LEFT JOIN orders o ON o.pk = c.cid AND o.sk = 10 WHERE c.cid < 'cust#0040' ORDER BY c.cid;

-- join forced with orders outside
SELECT count(*) FROM orders o CROSS JOIN customers c WHERE c.cid = o.pk AND o.qty > 15;

-- join forced with customers outside
SELECT count(*), sum(o.qty) FROM customers c CROSS JOIN orders o WHERE o.pk = c.cid AND c.country = 'FR';

-- join on the GSI
SELECT c.cid, o.pk, o.sk FROM customers c JOIN orders o ON o.status = 'ÉTÉ' AND o.pk = c.cid ORDER BY c.cid, o.sk;

-- KNOWN DIVERGENCE: equality on a number key is DynamoDB's exact equality (GetItem); SQLite compares keys beyond double precision as doubles
-- self-join of orders
SELECT count(*) FROM orders a JOIN orders b ON b.pk = a.pk AND b.sk = a.sk + 10;

-- three tables: local keys, customers, orders
SELECT l.cid, c.name, count(o.sk) FROM lcids l JOIN customers c ON c.cid = l.cid LEFT JOIN orders o ON o.pk = c.cid GROUP BY l.cid ORDER BY l.cid;

-- ===== Joins with local tables =====

-- local keys outside, GetItem per row
SELECT l.pk, l.sk, l.label, o.title FROM lkeys l CROSS JOIN orders o WHERE o.pk = l.pk AND o.sk = l.sk ORDER BY l.pk, l.sk;

-- orders outside, local keys inside
SELECT o.pk, o.sk, l.label FROM orders o CROSS JOIN lkeys l WHERE l.pk = o.pk AND l.sk = o.sk ORDER BY o.pk, o.sk;

-- left join from local keys: misses stay
SELECT l.pk, l.sk, l.label, o.sk IS NULL FROM lkeys l LEFT JOIN orders o ON o.pk = l.pk AND o.sk = l.sk ORDER BY l.label, l.pk, l.sk;

-- local customer ids joined both ways
SELECT l.cid, c.tier FROM lcids l JOIN customers c USING (cid) ORDER BY l.cid;

-- customers outside, local ids inside
SELECT c.cid FROM customers c CROSS JOIN lcids l WHERE l.cid = c.cid ORDER BY c.cid;

-- local keys against whole partitions
SELECT l.pk, count(o.sk) FROM (SELECT DISTINCT pk FROM lkeys) l LEFT JOIN orders o ON o.pk = l.pk GROUP BY l.pk ORDER BY l.pk;

-- local sort keys against a range
SELECT l.pk, l.sk, count(o.sk) FROM lkeys l JOIN orders o ON o.pk = l.pk AND o.sk < l.sk WHERE l.label = 'miss' GROUP BY l.pk, l.sk ORDER BY l.pk, l.sk;

-- ===== Secondary indexes =====

-- GSI partition
SELECT pk, sk, created FROM orders WHERE status = 'returned' ORDER BY pk, sk;

-- GSI partition: count (items without `created` are not in the index)
SELECT count(*) FROM orders WHERE status = 'open';

-- GSI partition with a range on its sort key
SELECT pk, sk, created FROM orders WHERE status = 'shipped' AND created > 1709000000 ORDER BY pk, sk;

-- GSI BETWEEN
SELECT pk, sk, created FROM orders WHERE status = 'cancelled' AND created BETWEEN 1702000000 AND 1703000000 ORDER BY pk, sk;

-- GSI in its sort key order
SELECT created, pk, sk FROM orders WHERE status = 'open' ORDER BY created LIMIT 20;

-- GSI in its sort key order, descending
SELECT created, pk, sk FROM orders WHERE status = 'open' ORDER BY created DESC LIMIT 20;

-- GSI partitions differing in case and accents
SELECT status, count(*) FROM orders WHERE status IN ('Open', 'ÉTÉ') GROUP BY status ORDER BY status;

-- GSI partition, items lacking the GSI sort key
SELECT pk, sk FROM orders WHERE status = 'open' AND created IS NULL ORDER BY pk, sk;

-- GSI partition with the item column
SELECT pk, sk, item FROM orders WHERE status = 'ÉTÉ' ORDER BY pk, sk;

-- LSI range, covered columns
SELECT sk, title, qty FROM orders WHERE pk = 'cust#0007' AND score > 10 ORDER BY sk;

-- LSI range, uncovered column
SELECT sk, amount FROM orders WHERE pk = 'cust#0007' AND score > 10 ORDER BY sk;

-- LSI BETWEEN in score order
SELECT sk, score FROM orders WHERE pk = 'cust#0008' AND score BETWEEN -10 AND 50 ORDER BY score, sk;

-- LSI in score order, descending
SELECT sk, score, title FROM orders WHERE pk = 'cust#0009' AND score > -1000 ORDER BY score DESC, sk;

-- LSI on the edge partition
SELECT sk, score FROM orders WHERE pk = 'edge' AND score < 0 ORDER BY sk;

-- LSI key missing
SELECT sk FROM orders WHERE pk = 'cust#0011' AND score IS NULL ORDER BY sk;

-- ===== JSON =====

-- paths into the item column
SELECT pk, sk, json_extract(item, '$.title'), json_extract(item, '$.amount'), json_extract(item, '$.doc.n'), json_extract(item, '$.tags[0]') FROM orders WHERE pk < 'cust#0004' ORDER BY pk, sk;

-- the item column agrees with the columns
SELECT count(*) FROM orders WHERE json_extract(item, '$.title') IS NOT title OR json_extract(item, '$.pk') IS NOT pk OR json_extract(item, '$.qty') IS NOT qty;

-- paths into a map column
SELECT pk, sk, json_extract(doc, '$.n'), json_extract(doc, '$.kind'), json_extract(doc, '$.inner.word'), json_extract(doc, '$.inner.list[1]'), json_extract(doc, '$.amount'), json_type(doc, '$.amount') FROM orders WHERE doc IS NOT NULL ORDER BY pk, sk;

-- nested values of every type
SELECT pk, sk, json_extract(doc, '$.extra'), json_type(doc, '$.extra') FROM orders WHERE json_extract(doc, '$.extra') IS NOT NULL OR json_type(doc, '$.extra') = 'null' ORDER BY pk, sk;

-- attributes that are not columns
SELECT pk, sk, json_extract(item, '$.rare'), json_extract(item, '$.ITEM') FROM orders WHERE json_extract(item, '$.rare') IS NOT NULL OR json_extract(item, '$.ITEM') IS NOT NULL ORDER BY pk, sk;

-- a dotted attribute name
SELECT pk, sk, "weird.name", json_extract(item, '$."weird.name"') FROM orders WHERE "weird.name" LIKE 'a%' ORDER BY pk, sk;

-- list elements
SELECT o.pk, o.sk, j.key, j.value, j.type FROM orders o, json_each(o.tags) j WHERE o.pk < 'cust#0004' ORDER BY o.pk, o.sk, j.key;

-- set members
SELECT o.pk, o.sk, j.value, j.type FROM orders o, json_each(o.ns) j WHERE o.pk IN ('edge', 'cust#0001', 'cust#0002') ORDER BY o.pk, o.sk, j.key;

-- string and binary sets
SELECT pk, sk, ss, bs, json_array_length(ss), json_array_length(bs) FROM orders WHERE ss IS NOT NULL OR bs IS NOT NULL ORDER BY pk, sk;

-- every item is valid JSON
SELECT count(*), sum(json_valid(item)), sum(json_valid(doc)), sum(json_valid(tags)) FROM orders;

-- JSON text embedded in new JSON
SELECT pk, sk, json_object('doc', doc), json_array(tags) FROM orders WHERE pk = 'cust#0001' ORDER BY sk;

-- map column of customers
SELECT cid, prefs, json_extract(prefs, '$.a'), json_type(prefs, '$.b') FROM customers WHERE prefs IS NOT NULL ORDER BY cid;

-- email sets of customers
SELECT cid, emails, json_array_length(emails) FROM customers WHERE emails IS NOT NULL ORDER BY cid;

-- numbers in JSON keep their digits
SELECT pk, sk, json_extract(item, '$.amount'), json_type(item, '$.amount') FROM orders WHERE pk = 'edge' ORDER BY sk;

-- filter on a JSON path
SELECT pk, sk FROM orders WHERE json_extract(doc, '$.inner.word') LIKE 'abc%' ORDER BY pk, sk;

-- ===== Expressions and functions =====

-- string functions on unicode text
SELECT pk, sk, length(title), upper(title), lower(title), substr(title, 2, 3), hex(title) FROM orders WHERE pk < 'cust#0003' ORDER BY pk, sk;

-- CASE over storage classes
SELECT CASE typeof(amount) WHEN 'integer' THEN 'i' WHEN 'real' THEN 'r' WHEN 'text' THEN 't' ELSE 'n' END AS k, count(*) FROM orders GROUP BY k ORDER BY k;

-- arithmetic on numbers of every shape
SELECT pk, sk, amount + 0, amount * 2, CAST(amount AS INTEGER), CAST(amount AS REAL) FROM orders WHERE pk = 'edge' ORDER BY sk;

-- UNION of both tables' keys
SELECT pk FROM orders WHERE pk GLOB '[a-z]*' AND pk NOT GLOB 'cust*' UNION SELECT cid FROM customers WHERE cid NOT GLOB 'cust*' ORDER BY 1;

-- window function over partitions
SELECT pk, sk, row_number() OVER (PARTITION BY pk ORDER BY sk DESC) FROM orders WHERE pk IN ('cust#0015', 'cust#0016') ORDER BY pk, sk;

-- running total
SELECT sk, qty, sum(qty) OVER (ORDER BY sk) FROM orders WHERE pk = 'cust#0017' ORDER BY sk;

-- COLLATE NOCASE on the partition key
SELECT pk, sk FROM orders WHERE pk = 'CUST#0001' COLLATE NOCASE ORDER BY pk, sk;

-- COLLATE NOCASE on case twins
SELECT pk, sk FROM orders WHERE pk = 'ABC' COLLATE NOCASE ORDER BY pk, sk;

-- COLLATE NOCASE on the customer key
SELECT cid FROM customers WHERE cid = 'abc' COLLATE NOCASE ORDER BY cid;

-- COLLATE RTRIM on the partition key
SELECT count(*) FROM orders WHERE pk = 'cust#0001   ' COLLATE RTRIM;

-- key equality through a function
SELECT count(*) FROM orders WHERE pk = lower('CUST#0001');

-- sort key from arithmetic on a column of another table
SELECT c.cid, o.sk FROM customers c JOIN orders o ON o.pk = c.cid AND o.sk = c.tier * 10 WHERE c.cid < 'cust#0030' ORDER BY c.cid;

-- the sort key only (Scan)
SELECT pk, sk FROM orders WHERE sk = 10 ORDER BY pk;

-- ORDER BY sk with LIMIT across partitions
SELECT pk, sk FROM orders ORDER BY sk DESC, pk LIMIT 15;

-- hex of the item of a GetItem
SELECT hex(item) FROM orders WHERE pk = 'cust#0001' AND sk = 10;

-- a CSV field with quotes, commas and newlines
SELECT pk, sk, title FROM orders WHERE title GLOB '*[",' || char(10) || char(9) || ']*' ORDER BY pk, sk;

-- ===== Shapes a filter pushdown must get right =====

-- empty strings are values, not NULL
SELECT pk, sk, title FROM orders WHERE title = '' ORDER BY pk, sk;

-- empty binaries are values, not NULL
SELECT pk, sk, hex(blob) FROM orders WHERE blob = x'' ORDER BY pk, sk;

-- binary equality with a NUL byte
SELECT count(*) FROM orders WHERE blob = x'00';

-- text equality is case-sensitive
SELECT pk, sk, title FROM orders WHERE title = 'ABC' ORDER BY pk, sk;

-- text range on a non-key column
SELECT count(*), min(title), max(title) FROM orders WHERE title BETWEEN 'a' AND 'b';

-- IN on a text column with a number in the list
SELECT pk, sk, title FROM orders WHERE title IN ('abc', 'ABC', 123, '5') ORDER BY pk, sk;

-- IN on a NUMERIC column with text and REAL members
SELECT pk, sk, amount FROM orders WHERE amount IN (19.99, 0.1, '1e100', 42) ORDER BY pk, sk;

-- NUMERIC column compared with numeric text
SELECT count(*) FROM orders WHERE qty = '5';

-- inequality and IS NOT
SELECT (SELECT count(*) FROM orders WHERE qty != 5), (SELECT count(*) FROM orders WHERE qty IS NOT 5);

-- a list column compared as JSON text
SELECT pk, sk FROM orders WHERE tags = '[]' ORDER BY pk, sk;

-- a set column compared as JSON text
SELECT pk, sk, ss FROM orders WHERE ss LIKE '["abc"%' ORDER BY pk, sk;

-- LIKE without wildcards on the partition key (equality, but not case-sensitive)
SELECT DISTINCT pk FROM orders WHERE pk LIKE 'Cust#0001' ORDER BY pk;

-- GLOB without wildcards on the partition key
SELECT count(*) FROM orders WHERE pk GLOB 'cust#0001';

-- LIKE '%' matches every non-NULL value
SELECT count(*) FROM orders WHERE title LIKE '%';

-- LIKE '' matches only empty strings
SELECT count(*) FROM orders WHERE title LIKE '';

-- LIKE with a non-ASCII prefix
SELECT pk, sk, title FROM orders WHERE title LIKE 'É%' OR title LIKE 'é%' ORDER BY pk, sk;

-- prefix as a range on the partition key
SELECT count(*) FROM orders WHERE pk >= 'cust#0001' AND pk < 'cust#0002';

-- a GSI key range bound that is text
SELECT count(*) FROM orders WHERE status = 'shipped' AND created > 'abc';

-- an OR mixing a whole key and another partition
SELECT pk, sk FROM orders WHERE (pk = 'cust#0001' AND sk = 10) OR pk = 'ABC' ORDER BY pk, sk;

-- sort key IN without the partition key (Scan)
SELECT pk, sk FROM orders WHERE sk IN (0, -10) ORDER BY pk, sk;

-- sort key range and IN together
SELECT sk FROM orders WHERE pk = 'cust#0001' AND sk > 15 AND sk IN (10, 20, 30) ORDER BY sk;

-- correlated EXISTS with a sort key range
SELECT cid FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.pk = c.cid AND o.sk > c.tier * 100) AND cid < 'cust#0040' ORDER BY cid;

-- GSI keys from a subquery
SELECT status, count(*) FROM orders WHERE status IN (SELECT DISTINCT status FROM orders WHERE pk = 'cust#0001') GROUP BY status ORDER BY status;

-- LIMIT after a join
SELECT c.cid, o.sk FROM customers c JOIN orders o ON o.pk = c.cid ORDER BY c.cid, o.sk LIMIT 7 OFFSET 3;

-- page of a partition from a lower bound
SELECT sk FROM orders WHERE pk = 'cust#0001' AND sk >= 100 ORDER BY sk LIMIT 3 OFFSET 1;

-- the same item reached twice in one statement
SELECT a.title = b.title FROM orders a, orders b WHERE a.pk = 'cust#0001' AND a.sk = 10 AND b.pk = 'cust#0001' AND b.sk = 10;

-- ===== Joins whose inner side is read once (scan_cache.h) =====

-- non-key join: the inner Scan is sent once and read again from its copy
SELECT c.cid, count(o.sk) FROM customers c JOIN orders o ON o.status = c.name WHERE c.cid < 'cust#0040' GROUP BY c.cid ORDER BY c.cid;

-- self-join on a non-key comparison over a copy
SELECT a.sk, count(*) FROM orders a JOIN orders b ON b.qty > a.qty WHERE a.pk = 'cust#0003' GROUP BY a.sk ORDER BY a.sk;

-- key lookups per outer row answered from a full copy, with sort key ranges
SELECT c.cid, count(o.sk), min(o.sk), max(o.sk) FROM customers c JOIN orders o ON o.pk = c.cid AND o.sk > 100 AND o.sk <= 500 GROUP BY c.cid ORDER BY c.cid;

-- LSI range per outer row (sort by score from the copy)
SELECT c.cid, o.title, o.qty FROM customers c JOIN orders o ON o.pk = c.cid AND o.score > 50 WHERE c.cid < 'cust#0020' ORDER BY c.cid, o.score, o.sk;

-- GSI per outer row: items missing from the sparse index stay out
SELECT c.cid, count(*) FROM customers c JOIN orders o ON o.status = c.country AND o.created IS NOT NULL GROUP BY c.cid ORDER BY c.cid;

-- correlated subquery per outer row
SELECT c.cid, (SELECT count(*) FROM orders o WHERE o.pk = c.cid), (SELECT max(sk) FROM orders o WHERE o.pk = c.cid AND o.sk < 300) FROM customers c ORDER BY c.cid;

-- IN (SELECT ...) on the key
SELECT cid, tier FROM customers WHERE cid IN (SELECT pk FROM orders WHERE qty > 15) ORDER BY cid;

-- sparse GSI through IS NOT NULL, with each order's customer
SELECT o.pk, o.sk, c.tier FROM orders o JOIN customers c ON c.cid = o.pk WHERE o.status = 'open' AND o.created IS NOT NULL ORDER BY o.pk, o.sk;

-- three tables, one of them local
SELECT l.cid, c.tier, count(o.sk) FROM lcids l JOIN customers c ON c.cid = l.cid JOIN orders o ON o.pk = c.cid AND o.sk < 200 GROUP BY l.cid ORDER BY l.cid;
