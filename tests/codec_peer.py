#!/usr/bin/env python3
"""Cross-checks engine/codec's byte layouts with a peer nobody here wrote.

Reads a JSON file of values encoded by ddbsql (written by
engine/codec/peer_test.cc), decodes each with Python's `cryptography`,
gzip and zlib modules following README's "Codec columns" layouts, and
encodes each plaintext again the same way. Prints one JSON object:

    {"errors": ["...", ...], "peer": ["<base64 of the peer's encoding>", ...]}

Exit status 3 when `cryptography` is missing (the caller skips).

Input items: {"scheme", "secret", "table", "attribute", "key": [[name, type,
value], ...], "plain": b64, "stored": b64}; scheme is one of aes-256-gcm,
aes-256-siv, pynamodb-mate-ecb, pynamodb-mate-ctr, gzip, zlib.
"""

import base64
import gzip
import hashlib
import json
import os
import sys
import zlib

try:
    from cryptography.hazmat.primitives import hashes, padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
except ImportError:
    print("cryptography is not installed", file=sys.stderr)
    sys.exit(3)


def field(b):
    return len(b).to_bytes(4, "big") + b


def associated_data(item):
    out = b"ddbsql-ad1" + field(item["table"].encode()) + field(item["attribute"].encode())
    out += bytes([len(item["key"])])
    for name, type_letter, value in item["key"]:
        out += field(name.encode()) + type_letter.encode() + field(value.encode())
    return out


def raw_key(secret):
    """32 raw bytes from 64 hex digits or base64, else None (a password)."""
    if len(secret) == 64:
        try:
            return bytes.fromhex(secret)
        except ValueError:
            pass
    try:
        b = base64.b64decode(secret, validate=True)
        if len(b) == 32:
            return b
    except ValueError:
        pass
    return None


def aead_key(scheme, secret, header):
    raw = raw_key(secret)
    size = 32 if scheme == "aes-256-gcm" else 64
    if raw is None:
        log_n, r, p = header[2], header[3], header[4]
        salt = header[5:21]
        return Scrypt(salt=salt, length=size, n=1 << log_n, r=r, p=p).derive(secret.encode())
    if scheme == "aes-256-gcm":
        return raw
    return HKDF(algorithm=hashes.SHA256(), length=64, salt=None,
                info=b"ddbsql aes-256-siv").derive(raw)


def aead_decode(item, stored):
    scheme = item["scheme"]
    flags = stored[1]
    header_size = 2 + (19 if flags & 0x80 else 0)
    header = stored[:header_size]
    key = aead_key(scheme, item["secret"], header)
    ad = associated_data(item)
    body = stored[header_size:]
    if scheme == "aes-256-gcm":
        return AESGCM(key).decrypt(body[:12], body[12:], header + ad)
    plain = AESSIV(key).decrypt(body, [header, ad])
    if flags & 0x40:
        assert plain == b"\0", "empty flag without the zero byte"
        return b""
    return plain


def aead_encode(item, plain):
    scheme = item["scheme"]
    scheme_id = 1 if scheme == "aes-256-gcm" else 2
    password = raw_key(item["secret"]) is None
    empty = scheme == "aes-256-siv" and plain == b""
    header = bytes([1, scheme_id | (0x80 if password else 0) | (0x40 if empty else 0)])
    if password:
        if scheme == "aes-256-siv":
            salt = hashlib.sha256(b"ddbsql aes-256-siv salt\n" + item["table"].encode() +
                                  b"\n" + item["attribute"].encode()).digest()[:16]
        else:
            salt = os.urandom(16)
        header += bytes([15, 8, 1]) + salt
    key = aead_key(scheme, item["secret"], header)
    ad = associated_data(item)
    if scheme == "aes-256-gcm":
        nonce = os.urandom(12)
        return header + nonce + AESGCM(key).encrypt(nonce, plain, header + ad)
    return header + AESSIV(key).encrypt(b"\0" if empty else plain, [header, ad])


def pynamodb_key(item):
    return hashlib.sha256(item["secret"].encode()).digest()


def ecb_decode(item, stored):
    d = Cipher(algorithms.AES(pynamodb_key(item)), modes.ECB()).decryptor()
    u = padding.PKCS7(128).unpadder()
    return u.update(d.update(stored) + d.finalize()) + u.finalize()


def ecb_encode(item, plain):
    p = padding.PKCS7(128).padder()
    e = Cipher(algorithms.AES(pynamodb_key(item)), modes.ECB()).encryptor()
    return e.update(p.update(plain) + p.finalize()) + e.finalize()


def ctr_decode(item, stored):
    env = json.loads(stored.decode("ascii"))
    nonce = base64.b85decode(env["nonce"])
    d = Cipher(algorithms.AES(pynamodb_key(item)), modes.CTR(nonce + bytes(8))).decryptor()
    return d.update(base64.b85decode(env["token"])) + d.finalize()


def ctr_encode(item, plain):
    nonce = os.urandom(8)
    e = Cipher(algorithms.AES(pynamodb_key(item)), modes.CTR(nonce + bytes(8))).encryptor()
    token = e.update(plain) + e.finalize()
    return json.dumps({"nonce": base64.b85encode(nonce).decode(),
                       "token": base64.b85encode(token).decode()}).encode("ascii")


CODECS = {
    "aes-256-gcm": (aead_decode, aead_encode),
    "aes-256-siv": (aead_decode, aead_encode),
    "pynamodb-mate-ecb": (ecb_decode, ecb_encode),
    "pynamodb-mate-ctr": (ctr_decode, ctr_encode),
    "gzip": (lambda item, s: gzip.decompress(s),
             lambda item, p: gzip.compress(p, compresslevel=9, mtime=0)),
    "zlib": (lambda item, s: zlib.decompress(s), lambda item, p: zlib.compress(p, 6)),
}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        items = json.load(f)["items"]
    errors, peer = [], []
    for i, item in enumerate(items):
        decode, encode = CODECS[item["scheme"]]
        plain = base64.b64decode(item["plain"])
        stored = base64.b64decode(item["stored"])
        try:
            got = decode(item, stored)
            if got != plain:
                errors.append(f"item {i} ({item['scheme']}): decoded to other bytes")
        except Exception as e:  # report every failure, not just the first
            errors.append(f"item {i} ({item['scheme']}): {type(e).__name__}: {e}")
        peer.append(base64.b64encode(encode(item, plain)).decode())
    print(json.dumps({"errors": errors, "peer": peer}))


if __name__ == "__main__":
    main()
