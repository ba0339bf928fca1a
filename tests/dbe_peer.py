"""A writer and reader of items of the AWS Database Encryption SDK for
DynamoDB, written from the specification (structured-encryption header.md,
footer.md, encrypt-path-structure.md; dynamodb-encryption-client
ddb-attribute-serialization.md, encrypt-item.md, decrypt-item.md; the MPL's
algorithm-suites.md § Intermediate Key Wrapping, raw-aes-keyring.md,
aws-kms-hierarchical-keyring.md, aws-kms-keyring.md, branch-key-store.md)
with Python's `cryptography`; none of ddbsql's code. tests/dbe_keyring_test.py
checks the reader against the SDK's official vectors and uses the writer to
make items for the keyrings no official vector covers (raw AES, AWS KMS, the
branch key store).

Items are DynamoDB JSON ({"S": "x"}, B as base64 text). A keyring is an
object with provider_id, wrap(ikm, context) -> (provider_info, wrapped) and
unwrap(provider_info, wrapped, context) -> ikm (None when not its key).
"""

import base64
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import serialization

TYPE_IDS = {"NULL": 0x0000, "S": 0x0001, "N": 0x0002, "BOOL": 0x0004, "B": 0xFFFF,
            "SS": 0x0101, "NS": 0x0102, "BS": 0x01FF, "M": 0x0200, "L": 0x0300}
TYPE_NAMES = {v: k for k, v in TYPE_IDS.items()}
HEAD, FOOT = "aws_dbe_head", "aws_dbe_foot"


# ---- attribute serialisation ----------------------------------------------

def utf16_key(s):
    return s.encode("utf-16-be")


def serialize(value):
    """(type id, bytes) of a DynamoDB JSON value."""
    (t, v), = value.items()
    if t == "NULL":
        body = b""
    elif t in ("S", "N"):
        body = v.encode("utf-8")
    elif t == "B":
        body = base64.b64decode(v)
    elif t == "BOOL":
        body = b"\x01" if v else b"\x00"
    elif t in ("SS", "NS"):
        members = sorted(v, key=utf16_key)
        body = struct.pack(">I", len(members)) + b"".join(
            struct.pack(">I", len(m.encode())) + m.encode() for m in members)
    elif t == "BS":
        members = sorted(base64.b64decode(m) for m in v)
        body = struct.pack(">I", len(members)) + b"".join(
            struct.pack(">I", len(m)) + m for m in members)
    elif t == "L":
        body = struct.pack(">I", len(v))
        for e in v:
            et, eb = serialize(e)
            body += struct.pack(">HI", et, len(eb)) + eb
    elif t == "M":
        body = struct.pack(">I", len(v))
        for k in sorted(v, key=utf16_key):
            et, eb = serialize(v[k])
            kb = k.encode()
            body += struct.pack(">HI", 1, len(kb)) + kb + struct.pack(">HI", et, len(eb)) + eb
    else:
        raise ValueError(t)
    return TYPE_IDS[t], body


def deserialize(type_id, body):
    """The DynamoDB JSON value of a terminal (sets in the order written)."""
    t = TYPE_NAMES[type_id]
    if t == "NULL":
        assert body == b""
        return {"NULL": True}
    if t in ("S", "N"):
        return {t: body.decode("utf-8")}
    if t == "B":
        return {"B": base64.b64encode(body).decode()}
    if t == "BOOL":
        assert body in (b"\x00", b"\x01")
        return {"BOOL": body == b"\x01"}
    (count,), pos, out = struct.unpack_from(">I", body), 4, []
    for _ in range(count):
        if t in ("SS", "NS", "BS"):
            (n,) = struct.unpack_from(">I", body, pos)
            member = body[pos + 4:pos + 4 + n]
            out.append(base64.b64encode(member).decode() if t == "BS" else member.decode())
            pos += 4 + n
            continue
        key = None
        if t == "M":
            kt, kn = struct.unpack_from(">HI", body, pos)
            assert kt == 1
            key = body[pos + 6:pos + 6 + kn].decode()
            pos += 6 + kn
        et, en = struct.unpack_from(">HI", body, pos)
        out.append((key, deserialize(et, body[pos + 6:pos + 6 + en])))
        pos += 6 + en
    assert pos == len(body)
    if t == "L":
        return {"L": [v for _, v in out]}
    if t == "M":
        return {"M": dict(out)}
    return {t: out}


def path(table, name):
    return table.encode() + struct.pack(">Q", 1) + b"$" + struct.pack(
        ">Q", len(name.encode("utf-16-le")) // 2) + name.encode()


def ser_context(ctx):
    out = struct.pack(">H", len(ctx))
    for k in sorted(ctx, key=lambda x: x.encode()):
        kb, vb = k.encode(), ctx[k].encode()
        out += struct.pack(">H", len(kb)) + kb + struct.pack(">H", len(vb)) + vb
    return out


# ---- primitives -------------------------------------------------------------

def hkdf_sha512(ikm, info, length=32):
    prk = hmac.new(b"\x00" * 64, ikm, hashlib.sha512).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha512).digest()[:length]


def gcm_encrypt(key, iv, aad, plaintext):
    return AESGCM(key).encrypt(iv, plaintext, aad)  # ciphertext || tag


def gcm_decrypt(key, iv, aad, data):
    return AESGCM(key).decrypt(iv, data, aad)


def field_key(root, index):
    iv = b"AwsDbeField" + b"," + struct.pack(">I", 3 * index)
    stream = Cipher(algorithms.AES(root), modes.CTR(iv)).encryptor().update(b"\x00" * 44)
    return stream[:32], stream[32:]


# ---- keyrings ----------------------------------------------------------------

class RawAesKeyring:
    def __init__(self, namespace, name, key):
        self.provider_id, self.name, self.key = namespace, name, key

    def wrap(self, ikm, context):
        iv = os.urandom(12)
        info = self.name.encode() + struct.pack(">II", 128, 12) + iv
        return info, gcm_encrypt(self.key, iv, ser_context(context), ikm)

    def unwrap(self, info, wrapped, context):
        name = self.name.encode()
        if not info.startswith(name) or len(info) != len(name) + 20:
            return None
        return gcm_decrypt(self.key, info[-12:], ser_context(context), wrapped)


def kdf_ctr(key, label, context):
    return hmac.new(key, struct.pack(">I", 1) + label + b"\x00" + context +
                    struct.pack(">I", 256), hashlib.sha256).digest()


class HierarchicalKeyring:
    """`branch_keys(version) -> 32 bytes`; `version` the UUID text written."""

    provider_id = "aws-kms-hierarchy"

    def __init__(self, branch_key_id, version, branch_keys):
        self.branch_key_id, self.version, self.branch_keys = branch_key_id, version, branch_keys

    def wrap(self, ikm, context):
        import uuid
        salt, iv = os.urandom(16), os.urandom(12)
        version = uuid.UUID(self.version).bytes
        key = kdf_ctr(self.branch_keys(self.version), b"aws-kms-hierarchy", salt)
        aad = b"aws-kms-hierarchy" + self.branch_key_id.encode() + version + ser_context(context)
        return self.branch_key_id.encode(), salt + iv + version + gcm_encrypt(key, iv, aad, ikm)

    def unwrap(self, info, wrapped, context):
        import uuid
        if info != self.branch_key_id.encode():
            return None
        salt, iv, version, ct = wrapped[:16], wrapped[16:28], wrapped[28:44], wrapped[44:]
        key = kdf_ctr(self.branch_keys(str(uuid.UUID(bytes=version))), b"aws-kms-hierarchy", salt)
        aad = b"aws-kms-hierarchy" + info + version + ser_context(context)
        return gcm_decrypt(key, iv, aad, ct)


class KmsKeyring:
    provider_id = "aws-kms"

    def __init__(self, kms, key_arn):
        self.kms, self.key_arn = kms, key_arn

    def wrap(self, ikm, context):
        r = self.kms.encrypt(KeyId=self.key_arn, Plaintext=ikm, EncryptionContext=context)
        return r["KeyId"].encode(), r["CiphertextBlob"]

    def unwrap(self, info, wrapped, context):
        if info != self.key_arn.encode():
            return None
        return self.kms.decrypt(KeyId=self.key_arn, CiphertextBlob=wrapped,
                                EncryptionContext=context)["Plaintext"]


# ---- items ---------------------------------------------------------------------

def base_context(version, table, pk, sk, item, legend_of):
    """The DynamoDB item base context, plus (v2) the 'c' attributes."""
    ctx = {"aws-crypto-table-name": table, "aws-crypto-partition-name": pk}
    if sk:
        ctx["aws-crypto-sort-name"] = sk
    if version == 1:
        for name in (pk, sk):
            if name:
                t, b = serialize(item[name])
                ctx["aws-crypto-attr." + name] = base64.b64encode(struct.pack(">H", t) + b).decode()
        return ctx
    kinds = {}
    for name, action in legend_of.items():
        if action != "c":
            continue
        (t, v), = item[name].items()
        key = "aws-crypto-attr." + name
        if t in ("S", "N"):
            ctx[key], kinds[key] = v, t
        elif t == "NULL":
            ctx[key], kinds[key] = "null", "L"
        elif t == "BOOL":
            ctx[key], kinds[key] = ("true" if v else "false"), "L"
        else:
            tid, b = serialize(item[name])
            ctx[key], kinds[key] = base64.b64encode(struct.pack(">H", tid) + b).decode(), "B"
    ctx["aws-crypto-legend"] = "".join(kinds[k] for k in sorted(kinds, key=lambda x: x.encode()))
    return ctx


def encrypt_item(item, table, pk, sk, actions, keyring, flavor=0):
    """The stored form of `item` (DynamoDB JSON). `actions`: name ->
    "ENCRYPT_AND_SIGN", "SIGN_ONLY", "SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT"
    or "DO_NOTHING" for every attribute."""
    letter = {"ENCRYPT_AND_SIGN": "e", "SIGN_ONLY": "s",
              "SIGN_AND_INCLUDE_IN_ENCRYPTION_CONTEXT": "c"}
    signed = sorted((n for n in item if actions[n] != "DO_NOTHING"), key=lambda n: path(table, n))
    legend = {n: letter[actions[n]] for n in signed}
    version = 2 if "c" in legend.values() else 1
    stored_ctx, signer = {}, None
    if flavor == 1:
        signer = ec.generate_private_key(ec.SECP384R1())
        point = signer.public_key().public_bytes(serialization.Encoding.X962,
                                                 serialization.PublicFormat.CompressedPoint)
        stored_ctx["aws-crypto-public-key"] = base64.b64encode(point).decode()
    ctx = dict(stored_ctx)
    ctx.update(base_context(version, table, pk, sk, item, legend))
    ser = ser_context(ctx)
    message_id, pdk, ikm = os.urandom(32), os.urandom(32), os.urandom(32)
    prk = hmac.new(b"\x00" * 64, ikm, hashlib.sha512).digest()
    sym_sig = hmac.new(prk, b"AWS_MPL_INTERMEDIATE_KEYWRAP_MAC\x01", hashlib.sha512).digest()[:32]
    kek = hmac.new(prk, b"AWS_MPL_INTERMEDIATE_KEYWRAP_ENC\x01", hashlib.sha512).digest()[:32]
    enc_pdk = gcm_encrypt(kek, b"\x00" * 12, ser, pdk)
    info, wrapped = keyring.wrap(ikm, ctx)
    pid = keyring.provider_id.encode()
    ciphertext = enc_pdk + wrapped
    partial = bytes([version, flavor]) + message_id
    partial += struct.pack(">H", len(legend)) + "".join(legend[n] for n in signed).encode()
    partial += ser_context(stored_ctx) + b"\x01"
    partial += struct.pack(">H", len(pid)) + pid + struct.pack(">H", len(info)) + info
    partial += struct.pack(">H", len(ciphertext)) + ciphertext
    commit_key = hkdf_sha512(pdk, b"AWS_DBE_COMMIT_KEY" + message_id)
    header = partial + hmac.new(commit_key, partial, hashlib.sha512).digest()[:32]
    root = hkdf_sha512(pdk, b"AWS_DBE_DERIVE_KEY" + message_id)
    out = {n: v for n, v in item.items()}
    record = header + struct.pack(">Q", len(ser)) + ser
    index = 0
    for n in signed:
        tid, body = serialize(item[n])
        if legend[n] == "e":
            key, nonce = field_key(root, index)
            index += 1
            stored = struct.pack(">H", tid) + gcm_encrypt(key, nonce, path(table, n), body)
            out[n] = {"B": base64.b64encode(stored).decode()}
            record += path(table, n) + struct.pack(">Q", len(stored) - 2) + b"ENCRYPTED" + stored
        else:
            record += (path(table, n) + struct.pack(">Q", len(body)) + b"PLAINTEXT" +
                       struct.pack(">H", tid) + body)
    digest = hashlib.sha384(record).digest()
    footer = hmac.new(sym_sig, digest, hashlib.sha384).digest()
    if signer is not None:
        while True:  # the SDK's signatures are 103 bytes: sign again until one is
            sig = signer.sign(digest, ec.ECDSA(hashes.SHA384()))
            if len(sig) == 103:
                break
        footer += sig
    out[HEAD] = {"B": base64.b64encode(header).decode()}
    out[FOOT] = {"B": base64.b64encode(footer).decode()}
    return out


def decrypt_item(stored, table, pk, sk, unsigned, keyring):
    """The plain item of `stored`; raises on anything that does not verify.
    `unsigned(name)` tells the attributes outside the signature scope."""
    header = base64.b64decode(stored[HEAD]["B"])
    footer = base64.b64decode(stored[FOOT]["B"])
    version, flavor, message_id = header[0], header[1], header[2:34]
    assert version in (1, 2) and flavor in (0, 1), "version or flavor"
    (n,) = struct.unpack_from(">H", header, 34)
    legend_text = header[36:36 + n].decode()
    pos = 36 + n
    stored_ctx = {}
    (count,) = struct.unpack_from(">H", header, pos)
    pos += 2
    for _ in range(count):
        (kn,) = struct.unpack_from(">H", header, pos)
        k = header[pos + 2:pos + 2 + kn].decode()
        pos += 2 + kn
        (vn,) = struct.unpack_from(">H", header, pos)
        stored_ctx[k] = header[pos + 2:pos + 2 + vn].decode()
        pos += 2 + vn
    edks, count = [], header[pos]
    pos += 1
    for _ in range(count):
        fields = []
        for _ in range(3):
            (fn,) = struct.unpack_from(">H", header, pos)
            fields.append(header[pos + 2:pos + 2 + fn])
            pos += 2 + fn
        edks.append(fields)
    assert len(header) == pos + 32, "header length"
    signed = sorted((a for a in stored if a not in (HEAD, FOOT) and not a.startswith("aws_dbe_")
                     and not unsigned(a)), key=lambda a: path(table, a))
    assert len(signed) == len(legend_text), "legend"
    legend = dict(zip(signed, legend_text))
    ctx = dict(stored_ctx)
    ctx.update(base_context(version, table, pk, sk, stored, legend))
    assert ("aws-crypto-public-key" in ctx) == (flavor == 1), "public key"
    ser = ser_context(ctx)
    pdk = sym_sig = None
    for pid, info, ciphertext in edks:
        if pid.decode() != keyring.provider_id:
            continue
        ikm = keyring.unwrap(info, ciphertext[48:], ctx)
        if ikm is None:
            continue
        prk = hmac.new(b"\x00" * 64, ikm, hashlib.sha512).digest()
        sym_sig = hmac.new(prk, b"AWS_MPL_INTERMEDIATE_KEYWRAP_MAC\x01", hashlib.sha512).digest()[:32]
        kek = hmac.new(prk, b"AWS_MPL_INTERMEDIATE_KEYWRAP_ENC\x01", hashlib.sha512).digest()[:32]
        pdk = gcm_decrypt(kek, b"\x00" * 12, ser, ciphertext[:48])
        break
    assert pdk is not None, "no data key for the keyring"
    commit_key = hkdf_sha512(pdk, b"AWS_DBE_COMMIT_KEY" + message_id)
    assert hmac.compare_digest(hmac.new(commit_key, header[:-32], hashlib.sha512).digest()[:32],
                               header[-32:]), "commitment"
    record = header + struct.pack(">Q", len(ser)) + ser
    for a in signed:
        if legend[a] == "e":
            b = base64.b64decode(stored[a]["B"])
            record += path(table, a) + struct.pack(">Q", len(b) - 2) + b"ENCRYPTED" + b
        else:
            tid, body = serialize(stored[a])
            record += (path(table, a) + struct.pack(">Q", len(body)) + b"PLAINTEXT" +
                       struct.pack(">H", tid) + body)
    digest = hashlib.sha384(record).digest()
    tag = hmac.new(sym_sig, digest, hashlib.sha384).digest()
    tags = [footer[i:i + 48] for i in range(0, 48 * len(edks), 48)]
    assert any(hmac.compare_digest(tag, t) for t in tags), "footer tag"
    if flavor == 1:
        point = base64.b64decode(ctx["aws-crypto-public-key"])
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), point)
        public.verify(footer[48 * len(edks):], digest, ec.ECDSA(hashes.SHA384()))
    root = hkdf_sha512(pdk, b"AWS_DBE_DERIVE_KEY" + message_id)
    out = {a: v for a, v in stored.items() if a not in (HEAD, FOOT)}
    index = 0
    for a in signed:
        if legend[a] != "e":
            continue
        key, nonce = field_key(root, index)
        index += 1
        b = base64.b64decode(stored[a]["B"])
        out[a] = deserialize(struct.unpack(">H", b[:2])[0], gcm_decrypt(key, nonce, path(table, a),
                                                                          b[2:]))
    return out
