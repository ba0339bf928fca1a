// The stored form of an item the AWS Database Encryption SDK for DynamoDB
// wrote (its "structured encryption" over DynamoDB attributes), as far as a
// reader needs it (the SDK's specification: structured-encryption/header.md,
// footer.md; dynamodb-encryption-client/ddb-attribute-serialization.md):
//
//   aws_dbe_head  B  version(1)=1|2 || flavor(1)=0|1 || message id(32) ||
//                    u16 legend length || legend ('e', 's', 'c' per signed
//                    attribute in canonical path order) ||
//                    u16 count || (u16 len || key || u16 len || value)* ||
//                    u8 count || (u16 len || provider id || u16 len ||
//                    provider info || u16 len || ciphertext)* ||
//                    commitment(32)
//   aws_dbe_foot  B  48-byte HMAC-SHA384 tag per data key ||
//                    DER ECDSA P-384 signature (103 bytes; flavor 1 only)
//
// Every other attribute is an attribute of the item; an encrypted one is a
// B holding u16 type id || AES-GCM ciphertext || tag of its serialised
// value ("terminal": type id and value bytes, see SerializeTerminal).
//
// Where the SDK's writers (and so its official vectors) differ from the
// specification's text, this code follows the writers: the header
// commitment is HMAC-SHA512 (not SHA-384) truncated to 32 bytes; the
// footer's signature field is 103 bytes (the writers sign again until the
// DER encoding has that length), not 96; an encrypted attribute's length in
// the footer's canonical record is its stored length less the 2-byte type
// id (ciphertext plus tag); a map key's length in a canonical path counts
// UTF-16 code units.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dynamodb/attribute_value.h"
#include "engine/status.h"

namespace ddb::dbe {

inline constexpr char kHeaderAttribute[] = "aws_dbe_head";
inline constexpr char kFooterAttribute[] = "aws_dbe_foot";
// Every attribute whose name starts so is the SDK's own, never signed.
inline constexpr char kReservedPrefix[] = "aws_dbe_";

inline constexpr size_t kMessageIdSize = 32;
inline constexpr size_t kCommitmentSize = 32;
inline constexpr size_t kFooterTagSize = 48;
inline constexpr size_t kSignatureSize = 103;

// Terminal type ids (ddb-attribute-serialization.md § Type ID).
inline constexpr uint16_t kTypeNull = 0x0000;
inline constexpr uint16_t kTypeS = 0x0001;
inline constexpr uint16_t kTypeN = 0x0002;
inline constexpr uint16_t kTypeBool = 0x0004;
inline constexpr uint16_t kTypeB = 0xFFFF;
inline constexpr uint16_t kTypeSS = 0x0101;
inline constexpr uint16_t kTypeNS = 0x0102;
inline constexpr uint16_t kTypeBS = 0x01FF;
inline constexpr uint16_t kTypeM = 0x0200;
inline constexpr uint16_t kTypeL = 0x0300;

// An encryption context: keys and values in the order of their UTF-8 bytes.
using EncryptionContext = std::map<std::string, std::string>;

struct EncryptedDataKey {
  std::string provider_id;
  std::string provider_info;
  std::string ciphertext;
};

struct Header {
  uint8_t version = 0;  // 1 or 2
  uint8_t flavor = 0;   // 0: suite 0x6700, 1: suite 0x6701 (ECDSA P-384)
  std::string message_id;
  std::string legend;
  EncryptionContext stored_context;
  std::vector<EncryptedDataKey> data_keys;
  std::string commitment;
  size_t partial_size = 0;  // bytes before the commitment
};

// Parses the value of aws_dbe_head. Corruption naming what is wrong: an
// unknown version or flavor, a truncated field, a duplicate context key, no
// data key, bytes after the commitment, a legend byte not 'e', 's' or 'c'.
Status ParseHeader(std::string_view bytes, Header* out);

// Appends the canonical path of top-level attribute `name` of `table`:
// UTF8(table) || u64(1) || '$' || u64(len(name)) || UTF8(name).
void AppendCanonicalPath(std::string_view table, std::string_view name, std::string* out);

// Appends the serialised encryption context: u16 count || (u16 len || key ||
// u16 len || value)* in key order (the header's and the AAD's form).
Status AppendSerializedContext(const EncryptionContext& context, std::string* out);

// The terminal of `v`: its type id and value bytes (sets and map keys
// sorted by UTF-16 code units, binary sets by bytes; numbers as stored).
Status SerializeTerminal(const dynamodb::AttributeValue& v, uint16_t* type, std::string* value);

// The attribute a terminal stands for. Set members and map keys are taken
// in the order written (older writers did not sort); a duplicate set
// member or map key, a truncated length, an unknown type or trailing bytes
// are Corruption.
Status DeserializeTerminal(uint16_t type, std::string_view value, dynamodb::AttributeValue* out);

// Appends `v` as big-endian bytes.
void AppendU16(uint16_t v, std::string* out);
void AppendU32(uint32_t v, std::string* out);
void AppendU64(uint64_t v, std::string* out);

}  // namespace ddb::dbe
