"""DynamoDB table exports written the way ExportTableToPointInTime lays them
out in S3, for the export tests and bench/export.sh.

    s3://BUCKET/PREFIX/AWSDynamoDB/EXPORT_ID/
        manifest-summary.json (+ .md5)   the export; .md5 holds the base64 of
                                         its MD5 (24 bytes, as AWS writes it;
                                         newer exports name it .checksum)
        manifest-files.json (+ .md5)     one JSON object a line per data file:
                                         itemCount, md5Checksum (base64),
                                         etag, dataFileS3Key
        _started                         empty
        data/NAME.json.gz                DYNAMODB_JSON: {"Item": {...}} a line

moto's own ExportTableToPointInTime writes one file without manifests, so
the tests build the real layout themselves with this module.
"""

import base64
import gzip
import hashlib
import json
import uuid


def wire_value(v):
    """A boto3 low-level client's attribute value (bytes for B) as wire JSON."""
    (t, x), = v.items()
    if t == "B":
        return {"B": base64.b64encode(x).decode()}
    if t == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in x]}
    if t == "M":
        return {"M": {k: wire_value(e) for k, e in x.items()}}
    if t == "L":
        return {"L": [wire_value(e) for e in x]}
    return {t: x}


def wire_item(item):
    return {k: wire_value(v) for k, v in item.items()}


def json_line(item):
    """One DYNAMODB_JSON line of `item` (a boto3 low-level item)."""
    return json.dumps({"Item": wire_item(item)}, separators=(",", ":"))


def ion_string(text):
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out) + '"'


def ion_number(text):
    """DynamoDB number text as an Ion decimal, as exports write them
    (5 -> 5., 1.5E3 -> 1.5d3)."""
    t = text.lower()
    if "e" in t:
        mantissa, exponent = t.split("e")
        return mantissa + "d" + exponent
    return t if "." in t else t + "."


def ion_blob(data):
    return "{{" + base64.b64encode(data).decode() + "}}"


def ion_value(v):
    """A boto3 low-level attribute value as Ion text (ion.h's mapping)."""
    (t, x), = v.items()
    if t == "S":
        return ion_string(x)
    if t == "N":
        return ion_number(x)
    if t == "B":
        return ion_blob(x)
    if t == "BOOL":
        return "true" if x else "false"
    if t == "NULL":
        return "null"
    if t == "SS":
        return "$dynamodb_SS::[" + ",".join(ion_string(e) for e in x) + "]"
    if t == "NS":
        return "$dynamodb_NS::[" + ",".join(ion_number(e) for e in x) + "]"
    if t == "BS":
        return "$dynamodb_BS::[" + ",".join(ion_blob(e) for e in x) + "]"
    if t == "M":
        return ion_struct(x)
    if t == "L":
        return "[" + ",".join(ion_value(e) for e in x) + "]"
    raise ValueError(t)


def ion_struct(item):
    return "{" + ",".join(ion_string(k) + ":" + ion_value(v) for k, v in item.items()) + "}"


def ion_line(item, first=False):
    """One ION data file line of `item` ($ion_1_0 before the file's first)."""
    return ("$ion_1_0 " if first else "") + "{Item:" + ion_struct(item) + "}"


def incremental_json_line(micros, keys, new=None, old=None):
    """One line of an incremental export (DYNAMODB_JSON): no `new` is a delete."""
    line = {"Metadata": {"WriteTimestampMicros": {"N": str(micros)}}, "Keys": wire_item(keys)}
    if new is not None:
        line["NewImage"] = wire_item(new)
    if old is not None:
        line["OldImage"] = wire_item(old)
    return json.dumps(line, separators=(",", ":"))


def incremental_ion_line(micros, keys, new=None):
    """The same change as ION text."""
    fields = [f"Metadata:{{WriteTimestampMicros:{micros}}}", "Keys:" + ion_struct(keys)]
    if new is not None:
        fields.append("NewImage:" + ion_struct(new))
    return "{" + ",".join(fields) + "}"


def split(lines, files):
    """`lines` dealt into `files` lists (some may be empty)."""
    out = [[] for _ in range(files)]
    for i, line in enumerate(lines):
        out[i % files].append(line)
    return out


def write_export(s3, bucket, prefix, table_arn, file_lines, export_type="FULL_EXPORT",
                 output_format="DYNAMODB_JSON", extension="json.gz", export_id=None,
                 counts=None, checksum="md5"):
    """Writes an export whose data files hold `file_lines` (a list of lists of
    text lines, one file each) and returns its s3:// folder URI. `counts`
    overrides the itemCount written for each file (to test a mismatch);
    `checksum` names the manifests' checksum files' extension (None: none)."""
    export_id = export_id or "01700000000000-" + uuid.uuid4().hex[:8]
    folder = (prefix.rstrip("/") + "/" if prefix else "") + "AWSDynamoDB/" + export_id + "/"
    manifest = []
    total = 0
    for i, lines in enumerate(file_lines):
        body = gzip.compress("".join(line + "\n" for line in lines).encode(), mtime=0)
        key = folder + "data/" + uuid.uuid4().hex[:26] + "." + extension
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        count = len(lines) if counts is None else counts[i]
        total += count
        manifest.append({"itemCount": count,
                         "md5Checksum": base64.b64encode(hashlib.md5(body).digest()).decode(),
                         "etag": hashlib.md5(body).hexdigest(),
                         "dataFileS3Key": key})
    files_text = "".join(json.dumps(m) + "\n" for m in manifest).encode()
    summary = {"version": "2020-06-30",
               "exportArn": table_arn + "/export/" + export_id,
               "startTime": "2026-12-07T08:00:00.000Z",
               "endTime": "2026-12-07T08:05:00.000Z",
               "tableArn": table_arn,
               "tableId": str(uuid.uuid4()),
               "exportTime": "2026-12-07T08:00:00.000Z",
               "s3Bucket": bucket,
               "s3Prefix": prefix or None,
               "s3SseAlgorithm": "AES256",
               "s3SseKmsKeyId": None,
               "manifestFilesS3Key": folder + "manifest-files.json",
               "billedSizeBytes": 0,
               "itemCount": total,
               "outputFormat": output_format}
    if export_type != "FULL_EXPORT":
        summary["exportType"] = export_type
    summary_text = json.dumps(summary).encode()
    s3.put_object(Bucket=bucket, Key=folder + "_started", Body=b"")
    for name, text in (("manifest-files", files_text), ("manifest-summary", summary_text)):
        s3.put_object(Bucket=bucket, Key=folder + name + ".json", Body=text)
        if checksum:
            s3.put_object(Bucket=bucket, Key=folder + name + "." + checksum,
                          Body=base64.b64encode(hashlib.md5(text).digest()))
    return {"uri": f"s3://{bucket}/{folder.rstrip('/')}", "folder": folder,
            "files": [m["dataFileS3Key"] for m in manifest]}


def table_arn(table, region="us-east-1", account="000000000000"):
    return f"arn:aws:dynamodb:{region}:{account}:table/{table}"
