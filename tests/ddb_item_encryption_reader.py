#!/usr/bin/env python3
"""Reads items of the AWS DynamoDB Encryption Client's format, written only
from the format (the client's documentation and test vectors), with
Python's `cryptography`: none of ddbsql's code, none of the client's.

Used to check that items ddbsql writes are what the AWS client reads, and
checked itself against the client's official vectors
(tests/item_encryption_reader_test.py).

    item = {"id": {"S": "7"}, "secret": {"B": "<base64>"}, ...}   # wire JSON
    plain = decrypt_item(item, table="orders", actions=Actions("encrypt", {"id": "sign"}),
                         materials=static_materials(aes_key, hmac_key))

decrypt_item raises ValueError naming what is wrong (no signature, bad
signature, ...). encrypt_item writes an item the same way (AES-CBC and
HMAC-SHA256 keys and the description given), for tests that need items
ddbsql did not write. Providers: static, wrapped (AES key wrap or RSA-OAEP;
HMAC or RSA signatures), aws-kms (given a KMS Decrypt function, e.g.
boto3's), most-recent (given a function that returns a MetaStore item).
"""

import base64
import hashlib
import hmac
import os
import struct
from decimal import Decimal

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap

from cli_support import to_boto  # noqa: F401 (wire JSON as boto3 takes it, for the tests)

DESC = "*amzn-ddb-map-desc*"
SIG = "*amzn-ddb-map-sig*"


class Actions:
    """default: "encrypt" | "sign" | "nothing"; attributes: name -> action."""

    def __init__(self, default="encrypt", attributes=None, key_names=()):
        self.default = default
        self.attributes = dict(attributes or {})
        for k in key_names:  # keys: the lesser of their action and "sign"
            if self.action(k) == "encrypt":
                self.attributes[k] = "sign"

    def action(self, name):
        return self.attributes.get(name, self.default)

    def nothing_at_all(self):
        return self.default == "nothing" and all(a == "nothing" for a in self.attributes.values())


# ---- attribute serialisation ----

def _lv(b):
    return struct.pack(">I", len(b)) + b


def _number(text):
    d = Decimal(text)
    if d == 0:
        return "0"
    return "{0:f}".format(d.normalize())


def serialize(value):
    (t, v), = value.items()
    if t == "NULL":
        return b"\x00\x00"
    if t == "BOOL":
        return b"\x00?" + (b"\x01" if v else b"\x00")
    if t == "S":
        return b"\x00s" + _lv(v.encode())
    if t == "N":
        return b"\x00n" + _lv(_number(v).encode())
    if t == "B":
        return b"\x00b" + _lv(base64.b64decode(v))
    if t in ("SS", "NS", "BS"):
        conv = {"SS": lambda m: m.encode(), "NS": lambda m: _number(m).encode(),
                "BS": base64.b64decode}[t]
        members = sorted(conv(m) for m in v)
        return b"\x00" + {"SS": b"S", "NS": b"N", "BS": b"B"}[t] + struct.pack(">I", len(members)) + \
            b"".join(_lv(m) for m in members)
    if t == "L":
        return b"\x00L" + struct.pack(">I", len(v)) + b"".join(serialize(e) for e in v)
    if t == "M":
        out = b"\x00M" + struct.pack(">I", len(v))
        for name in sorted(v, key=lambda n: n.encode()):
            out += b"\x00s" + _lv(name.encode()) + serialize(v[name])
        return out
    raise ValueError("unknown type " + t)


def deserialize(data):
    value, pos = _deserialize(data, 0)
    if pos != len(data):
        raise ValueError("trailing bytes in a serialised attribute")
    return value


def _read_len(data, pos):
    if pos + 4 > len(data):
        raise ValueError("truncated serialised attribute")
    return struct.unpack(">I", data[pos:pos + 4])[0], pos + 4


def _read_bytes(data, pos):
    n, pos = _read_len(data, pos)
    if pos + n > len(data):
        raise ValueError("truncated serialised attribute")
    return data[pos:pos + n], pos + n


def _deserialize(data, pos):
    if data[pos:pos + 1] != b"\x00":
        raise ValueError("bad type tag")
    tag = data[pos + 1:pos + 2]
    pos += 2
    if tag == b"\x00":
        return {"NULL": True}, pos
    if tag == b"?":
        return {"BOOL": data[pos] == 1}, pos + 1
    if tag in (b"s", b"n", b"b"):
        raw, pos = _read_bytes(data, pos)
        if tag == b"s":
            return {"S": raw.decode()}, pos
        if tag == b"n":
            return {"N": raw.decode()}, pos
        return {"B": base64.b64encode(raw).decode()}, pos
    if tag in (b"S", b"N", b"B"):
        n, pos = _read_len(data, pos)
        members = []
        for _ in range(n):
            raw, pos = _read_bytes(data, pos)
            members.append(base64.b64encode(raw).decode() if tag == b"B" else raw.decode())
        return {tag.decode() + "S": members}, pos
    if tag == b"L":
        n, pos = _read_len(data, pos)
        out = []
        for _ in range(n):
            v, pos = _deserialize(data, pos)
            out.append(v)
        return {"L": out}, pos
    if tag == b"M":
        n, pos = _read_len(data, pos)
        out = {}
        for _ in range(n):
            k, pos = _deserialize(data, pos)
            v, pos = _deserialize(data, pos)
            out[k["S"]] = v
        return {"M": out}, pos
    raise ValueError("unknown type tag %r" % tag)


# ---- material description ----

def parse_description(data):
    if data[:4] != b"\x00\x00\x00\x00":
        raise ValueError("material description version is not 0")
    out, pos = {}, 4
    while pos < len(data):
        name, pos = _read_bytes(data, pos)
        value, pos = _read_bytes(data, pos)
        out[name.decode()] = value.decode()
    return out


# ---- signature ----

def string_to_sign(item, table, actions):
    sha = lambda b: hashlib.sha256(b).digest()
    out = sha(("TABLE>%s<TABLE" % table).encode())
    for name in sorted(item, key=lambda n: n.encode()):
        if name in (DESC, SIG) or actions.action(name) == "nothing":
            continue
        out += sha(name.encode())
        out += sha(b"ENCRYPTED" if actions.action(name) == "encrypt" else b"PLAINTEXT")
        out += sha(serialize(item[name]))
    return out


def _verify(key, data, signature):
    kind, k = key
    if kind == "hmac":
        if not hmac.compare_digest(hmac.new(k, data, hashlib.sha256).digest(), signature):
            raise ValueError("signature does not verify")
    else:
        from cryptography.exceptions import InvalidSignature
        public = k.public_key() if hasattr(k, "public_key") else k
        try:
            public.verify(signature, data, asym.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise ValueError("signature does not verify")


# ---- materials: functions of (description, item, table, key_names) ----
# returning (aes_key, verification_key); a verification key is
# ("hmac", bytes) or ("rsa", cryptography key).

def load_rsa(data):
    """An RSA key from DER (PKCS#8 / SubjectPublicKeyInfo) or PEM."""
    pem = data.lstrip().startswith(b"-----BEGIN")
    try:
        return (serialization.load_pem_private_key if pem else serialization.load_der_private_key)(
            data, password=None)
    except (ValueError, TypeError):
        return (serialization.load_pem_public_key if pem else serialization.load_der_public_key)(data)


def static_materials(aes_key, hmac_key):
    return lambda desc, item, table, key_names: (aes_key, ("hmac", hmac_key))


def wrapped_materials(unwrapping_key, verification_key):
    """unwrapping_key: AES key bytes or an RSA private key; verification_key:
    HMAC key bytes or an RSA key."""
    def get(desc, item, table, key_names):
        wrapped = base64.b64decode(desc["amzn-ddb-env-key"])
        # Unrecorded: the key's own algorithm, Java's "RSA" being PKCS#1 v1.5.
        alg = desc.get("amzn-ddb-wrap-alg", "AESWrap" if isinstance(unwrapping_key, bytes) else "RSA")
        if alg == "RSA":
            key = unwrapping_key.decrypt(wrapped, asym.PKCS1v15())
        elif alg == "AESWrap":
            key = aes_key_unwrap(unwrapping_key, wrapped)
        elif alg == "RSA/ECB/OAEPWithSHA-256AndMGF1Padding":
            # Java's name: OAEP with SHA-256, and MGF1 with SHA-1.
            key = unwrapping_key.decrypt(wrapped, asym.OAEP(
                mgf=asym.MGF1(hashes.SHA1()), algorithm=hashes.SHA256(), label=None))
        else:
            raise ValueError("unknown wrapping algorithm %r" % alg)
        verify = ("hmac", verification_key) if isinstance(verification_key, bytes) else \
            ("rsa", verification_key)
        return key, verify
    return get


def _hkdf(ikm, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(ikm)


def kms_materials(kms_decrypt):
    """kms_decrypt(blob, encryption_context) -> plaintext data key."""
    def get(desc, item, table, key_names):
        enc_alg = desc.get("amzn-ddb-env-alg", "AES/256")
        sig_alg = desc.get("amzn-ddb-sig-alg", "HmacSHA256/256")
        ec = {"*amzn-ddb-env-alg*": enc_alg, "*amzn-ddb-sig-alg*": sig_alg, "*aws-kms-table*": table}
        for name in key_names:
            (t, v), = item[name].items()
            ec[name] = v if t != "N" else _number(v)
        data_key = kms_decrypt(base64.b64decode(desc["amzn-ddb-env-key"]), ec)
        enc_len = int(enc_alg.split("/")[1]) // 8 if "/" in enc_alg else 32
        sig_len = int(sig_alg.split("/")[1]) // 8 if "/" in sig_alg else 32
        return (_hkdf(data_key, b"Encryption", enc_len),
                ("hmac", _hkdf(data_key, b"Signing", sig_len)))
    return get


def most_recent_materials(material_name, get_meta_item, meta_table, meta_materials):
    """get_meta_item(name, version) -> the MetaStore item (wire JSON);
    meta_materials protects it (a function as above)."""
    def get(desc, item, table, key_names):
        name, _, version = desc["amzn-ddb-meta-id"].partition("#")
        if name != material_name:
            raise ValueError("item names material %r" % name)
        entry = decrypt_item(get_meta_item(name, int(version)), meta_table, Actions("encrypt", {},
                             ("N", "V")), meta_materials, ("N", "V"))
        enc = base64.b64decode(entry["enc"]["B"])
        mac = base64.b64decode(entry["int"]["B"])
        return wrapped_materials(enc, mac)(desc, item, table, key_names)
    return get


# ---- items ----

def decrypt_item(item, table, actions, materials, key_names=()):
    """Verifies and decrypts one item (wire JSON); returns the plain item."""
    if actions.nothing_at_all():
        return dict(item)
    if SIG not in item:
        raise ValueError("no signature attribute")
    desc = parse_description(base64.b64decode(item[DESC]["B"])) if DESC in item else {}
    key, verification = materials(desc, item, table, key_names)
    signature = base64.b64decode(item[SIG]["B"])
    _verify(verification, string_to_sign(item, table, actions), signature)
    plain = {}
    for name, value in item.items():
        if name in (DESC, SIG):
            continue
        if actions.action(name) != "encrypt":
            plain[name] = value
            continue
        if desc.get("amzn-ddb-map-sym-mode") != "/CBC/PKCS5Padding":
            raise ValueError("unknown encryption mode")
        data = base64.b64decode(value["B"])
        dec = Cipher(algorithms.AES(key), modes.CBC(data[:16])).decryptor()
        padded = dec.update(data[16:]) + dec.finalize()
        unpad = padding.PKCS7(128).unpadder()
        plain[name] = deserialize(unpad.update(padded) + unpad.finalize())
    return plain


def describe(description):
    """A material description (name -> value) as stored: version 0, then the
    pairs sorted by name, each length-prefixed."""
    return b"\x00\x00\x00\x00" + b"".join(
        _lv(n.encode()) + _lv(description[n].encode())
        for n in sorted(description, key=lambda n: n.encode()))


def encrypt_item(plain, table, actions, aes_key, hmac_key, description=None):
    """The stored form of `plain` (wire JSON): attributes to encrypt as
    IV || AES-CBC-PKCS7 of their serialisation, the description (with the
    symmetric mode) and the HMAC-SHA256 signature added."""
    stored = {}
    for name, value in plain.items():
        if actions.action(name) == "encrypt":
            iv = os.urandom(16)
            padder = padding.PKCS7(128).padder()
            padded = padder.update(serialize(value)) + padder.finalize()
            enc = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
            stored[name] = {"B": base64.b64encode(iv + enc.update(padded) + enc.finalize()).decode()}
        else:
            stored[name] = value
    desc = dict(description or {})
    desc["amzn-ddb-map-sym-mode"] = "/CBC/PKCS5Padding"
    signature = hmac.new(hmac_key, string_to_sign(stored, table, actions), hashlib.sha256).digest()
    stored[DESC] = {"B": base64.b64encode(describe(desc)).decode()}
    stored[SIG] = {"B": base64.b64encode(signature).decode()}
    return stored


# ---- wire JSON and boto3's items ----

def from_boto(item):
    """A boto3 item as wire JSON (binary as base64 text)."""
    def value(v):
        (t, x), = v.items()
        if t == "B":
            return {"B": base64.b64encode(bytes(x)).decode()}
        if t == "BS":
            return {"BS": [base64.b64encode(bytes(b)).decode() for b in x]}
        if t == "M":
            return {"M": {k: value(y) for k, y in x.items()}}
        if t == "L":
            return {"L": [value(y) for y in x]}
        return v
    return {k: value(v) for k, v in item.items()}
