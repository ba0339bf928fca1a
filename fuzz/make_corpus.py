#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the repository's test
data (tests/data) and a few hand-written documents. Run once after changing
a target's input layout; the seeds are committed. Files found by fuzzing and
kept as regression inputs live beside the seeds as crash-*/regress-* and are
left alone."""
import base64
import gzip
import hashlib
import json
import os
import pathlib
import subprocess
import zlib

REPO = pathlib.Path(__file__).resolve().parent.parent
CORPUS = REPO / "fuzz" / "corpus"
DATA = REPO / "tests" / "data"


def write(target, items):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("seed-*"):
        old.unlink()
    for data in items:
        if isinstance(data, str):
            data = data.encode()
        name = "seed-" + hashlib.sha1(data).hexdigest()[:12]
        (folder / name).write_bytes(data)


def wire_page():
    attrs = [a["attribute"] for a in
             json.loads((DATA / "aws-dynamodb-encryption-client" / "deserialize_attribute.json").read_text())]
    seeds = []
    for i in range(0, len(attrs), 4):
        items = [{"pk": {"S": f"k{i + j}"}, "v": a} for j, a in enumerate(attrs[i:i + 4])]
        seeds.append(json.dumps({"Items": items, "Count": len(items), "ScannedCount": len(items),
                                 "LastEvaluatedKey": {"pk": {"S": "k"}}}))
    seeds += [
        '{"Items":[],"Count":0,"ScannedCount":0}',
        '{"Items":[{"a":{"M":{"b":{"L":[{"N":"1.5"},{"NULL":true},{"BOOL":false}]}}}}],"Count":1}',
        '{"Items":[{"s":{"SS":["a","b"]},"n":{"NS":["1","2e3"]},"b":{"BS":["AAE=","Ag=="]}}]}',
        '{"Items":[{"u":{"S":"\\u00e9\\ud83d\\ude00 caf\u00e9"},"e":{"S":"a\\"b\\\\c\\n"}}]}',
        '{"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5},"Items":[{"k":{"N":"-0.000"}}]}',
        '{"pk":{"S":"x"},"n":{"N":"99999999999999999999999999999999999999E+87"}}',
        '{"Items":[{"a":{"S":"x"},"a":{"S":"y"}}]}',
    ]
    write("wire_page_fuzz", seeds)


def plain_json():
    write("plain_json_fuzz", [
        '{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
        '[1.50,-0,1e400,12345678901234567890123456789012345678901]',
        '"caf\u00e9 \\ud83d\\ude00 \\u0000"',
        '{"k":0.1,"x":1E-130,"y":-9.9e125}',
        '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
        '{"a": {"a": {"a": [ ] } } }',
    ])


def s3_xml():
    write("s3_xml_fuzz", [
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified '
        'key does not exist.</Message><Key>k</Key><RequestId>r</RequestId></Error>',
        '<Error><Code>PermanentRedirect</Code><Message>Use the endpoint.</Message><Endpoint>'
        'b.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>b</Bucket><Region>eu-west-1</Region></Error>',
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/'
        '2006-03-01/"><Name>bkt</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>'
        '<IsTruncated>true</IsTruncated><Contents><Key>p/a</Key><LastModified>2024-01-02T03:04:05.000Z'
        '</LastModified><ETag>&quot;9e107d9d372bb6826bd81d3542a419d6&quot;</ETag><Size>43</Size>'
        '<StorageClass>STANDARD</StorageClass></Contents><Contents><Key>p/b</Key><ETag>"abc-2"</ETag>'
        '<Size>18446744073709551615</Size></Contents><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYL'
        '</NextContinuationToken></ListBucketResult>',
        '<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><Contents>'
        '<Key>a+b%2Bc%3D%E2%82%AC%01</Key><Size>1</Size></Contents><CommonPrefixes><Prefix>dir%20x/'
        '</Prefix></CommonPrefixes></ListBucketResult>',
        '<?xml version="1.0" encoding="UTF-8"?><DeleteResult><Deleted><Key>a</Key></Deleted><Error>'
        '<Key>b&amp;c</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'
        '</DeleteResult>',
        'a&#x9;b&#xD;\u00e9 key',
    ])


def aws_config():
    config = ("[default]\nregion = us-west-2\nretry_mode = adaptive\nmax_attempts = 5\n"
              "[profile dev]\nregion=eu-west-1\nservices = local\nendpoint_url = http://localhost:8000\n"
              "s3 =\n  addressing_style = path\ncli_read_timeout = 2.5\n"
              "[services local]\ndynamodb =\n  endpoint_url = http://[::1]:8001/base\n"
              "[sso-session my]\nsso_region = us-east-1\nsso_start_url = https://x.awsapps.com/start\n"
              "; comment\n# comment\n")
    credentials = ("[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"
                   "[dev]\naws_access_key_id=A\naws_secret_access_key=B\naws_session_token=C\n")
    write("aws_config_fuzz", [
        config + "\0" + credentials,
        "[profile a]\nregion = ap-south-1\nendpoint_url = https://user:pw@host:443/p\0",
        "http://127.0.0.1:4566",
        "[default]\n  bad line\n=\n[\n\0[a]\nx",
    ])


def catalog():
    seeds = [(REPO / "scripts" / "demo_catalog.json").read_text()]
    seeds.append(json.dumps({"tables": {"pages": {"columns": {
        "html": {"codec": "S3BackedBigTextAttribute", "bucket": "my-bucket"},
        "ssn": {"codec": "EncryptedUnicodeAttribute", "key": "env:SSN_PASSWORD", "determinative": True},
        "order": {"chain": ["s3", "zstd", {"aead": "aes-256-gcm", "key": "file:~/.k"}],
                  "bucket": "b", "as": "json", "key_template": "x/{fingerprint}"},
        "big": {"codec": "LargeAttribute", "bucket": "b", "prefix": "p"},
        "z": {"chain": ["gzip", "base64", {"cipher": "pynamodb-mate-ctr", "key": "cmd:pass show x"}],
              "as": "text"}}}}}))
    seeds.append('{"chain": [{"aead": "aes-256-siv", "key": "env:K"}], "as": "number"}')
    seeds.append('env:SSN_PASSWORD')
    write("catalog_fuzz", seeds)


def sigv4():
    seeds = []
    suite = DATA / "sigv4-testsuite"
    for case in sorted(suite.iterdir()):
        request = case / "request.txt"
        if not request.is_file():
            continue
        head, _, body = request.read_bytes().partition(b"\n\n")
        lines = head.split(b"\n")
        method, path = lines[0].split(b" ")[:2]
        flags = (1 if method == b"POST" else 0) | 4 | (8 if b"unnormalized" not in case.name.encode() else 0)
        seeds.append(bytes([flags]) + b"https://example.amazonaws.com" + path + b"\0" +
                     b"\n".join(lines[1:]) + b"\0" + body)
    seeds.append(bytes([2 | 16 | 32]) + b"https://b.s3.amazonaws.com/a%20b/%2F/c?list-type=2&prefix=&x=%zz"
                 + b"\0host:b.s3.amazonaws.com\n" + b"\0")
    write("sigv4_fuzz", seeds)


def number():
    write("number_fuzz", [
        "1.50\0" "1.5", "-0\0" "0.000", "1E2\0" "100", "9.9999999999999999999999999999999999999E+125\0" "1e126",
        "1E-130\0" ".5", "0012.3400e007\0" "+5.", "9223372036854775808\0" "-9223372036854775808",
        "0.1\0" "19.99", "12345678901234567890123456789012345678\0" "123456789012345678901234567890123456789",
        "1e\0" "abc", "5.e3\0" "-.5E-3",
    ])


def codec_decode():
    # Selector bytes: see fuzz/codec_decode_fuzz.cc (codecs 0-7, then each
    # column as B and as S, then base85).
    gzip_c, zlib_c, zstd_c, base64_c, ecb, ctr, gcm, siv = range(8)
    column_b = {"EncryptedUnicodeAttribute": {True: 8, False: 10}, "EncryptedBinaryAttribute": {True: 12},
                "EncryptedNumberAttribute": {False: 14}, "EncryptedJsonDictAttribute": {True: 16},
                "CompressedUnicodeAttribute": 18, "CompressedBinaryAttribute": 20,
                "CompressedJSONAttribute": 22}
    seeds = []
    for v in json.loads((DATA / "pynamodb_mate" / "vectors.json").read_text()):
        stored = base64.b64decode(v["stored_B"])
        cls = v["codec"].split(".")[-1]
        sel = column_b.get(cls)
        if isinstance(sel, dict):
            sel = sel.get(v.get("determinative"), list(sel.values())[0])
        if sel is not None:
            seeds.append(bytes([sel]) + stored)
        if "Encrypted" in cls:
            seeds.append(bytes([ecb if v.get("determinative") else ctr]) + stored)
    seeds = seeds[:40]
    text = b"attack at 2PM tomorrow! " * 8
    seeds.append(bytes([gzip_c]) + gzip.compress(text, mtime=0))
    seeds.append(bytes([gzip_c]) + gzip.compress(b"a", mtime=0) + gzip.compress(b"b", mtime=0) + b"\0\0")
    seeds.append(bytes([zlib_c]) + zlib.compress(text))
    seeds.append(bytes([zstd_c]) + subprocess.run(["zstd", "-q", "-c"], input=text, check=True,
                                                  capture_output=True).stdout)
    seeds.append(bytes([zstd_c]) + subprocess.run(["zstd", "-q", "-c", "--no-content-size"], input=text,
                                                  check=True, capture_output=True).stdout)
    seeds.append(bytes([base64_c]) + base64.b64encode(text))
    seeds.append(bytes([44]) + base64.b85encode(text))
    # A small bomb: 1 MB of zeros in about 1 KB.
    seeds.append(bytes([gzip_c]) + gzip.compress(bytes(1 << 20), mtime=0))
    seeds.append(bytes([32]) + gzip.compress(b'{"a": [1, 2.5, "x"]}', mtime=0))
    seeds.append(bytes([gcm]) + b"\x01" + bytes(60))
    seeds.append(bytes([siv]) + b"\x01" + bytes(40))
    write("codec_decode_fuzz", seeds)


def ion():
    write("ion_fuzz", [
        '$ion_1_0 {Item:{id:"a",n:5.,p:2d1,r:1.5e0,b:{{aGk=}},t:$dynamodb_SS::["x","y"]}}',
        "{Item:{ns:$dynamodb_NS::[1.,0x1F,0b101,1_000],bs:$dynamodb_BS::[{{AA==}}]}}",
        "{Item:{m:{'q k':\"v\\u00e9\\x41\",l:[true,null,null.string,'''a''' '''b''']}}}",
        '{Metadata:{WriteTimestampMicros:1700000000000000},Keys:{id:"a"},NewImage:{id:"a"}}',
        "// c\n{Item:{/* c */a:-0.5}}",
        "{Item:{a:nan}}", "{Item:{a:2020-01-01T}}", "{Item:{a:(x)}}",
    ])

if __name__ == "__main__":
    wire_page()
    plain_json()
    s3_xml()
    aws_config()
    catalog()
    sigv4()
    number()
    codec_decode()
    ion()
