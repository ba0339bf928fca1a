// Items this engine writes, read by a peer nobody here wrote from this
// code: tests/item_encryption_peer.py decrypts and verifies them with
// tests/ddb_item_encryption_reader.py (Python's cryptography, written from
// the format and checked against the client's vectors by
// tests/item_encryption_reader_test.py).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/item_encryption/factory.h"
#include "engine/item_encryption/test_vectors.h"
#include "tests/support/run_python.h"

namespace ddb::item_encryption {
namespace {

using dynamodb::AttributeValue;
using dynamodb::Item;

TEST(ItemEncryptionPeerTest, PythonReaderVerifiesWhatWeWrite) {
  nlohmann::json cases = nlohmann::json::array();
  const char* files[] = {"python/static-aes-hmac-1", "python/wrapped-aes-hmac-1",
                         "python/wrapped-rsa-rsa-1", "python/metastore-data-tables-1",
                         "python/metastore-data-tables-2"};
  nlohmann::json scenarios = testing::LoadJson("encrypted_item/scenarios.json")["scenarios"];
  for (const char* file : files) {
    nlohmann::json scenario;
    for (const auto& s : scenarios) {
      if (s["ciphertext"].get<std::string>().find(file) != std::string::npos) scenario = s;
    }
    ASSERT_FALSE(scenario.is_null()) << file;
    ProviderServices services;
    services.keys = testing::VectorKeys();
    std::shared_ptr<testing::MemoryMetaStoreTable> meta;
    if (scenario.contains("metastore")) {
      meta = std::make_shared<testing::MemoryMetaStoreTable>(scenario["metastore"]["table_name"]);
      services.metastore = [meta](const std::string&, std::shared_ptr<MetaStoreTable>* out) {
        *out = meta;
        return Status::OK();
      };
    }
    nlohmann::json actions = {{"default", "encrypt"},
                              {"attributes", {{"plainSigned", "sign"}, {"loose", "nothing"}}}};
    ItemEncryptionDecl decl;
    ASSERT_TRUE(ParseItemEncryption({{"scheme", "aws-dynamodb-encryption-client"},
                                     {"materials", testing::MaterialsJson(scenario)},
                                     {"actions", actions}},
                                    "test", "Orders", &decl)
                    .ok());
    dynamodb::KeySchema key;
    key.hash = {"pk", "S"};
    key.range = dynamodb::KeyAttribute{"sk", "N"};
    std::unique_ptr<ItemEncryptor> enc;
    ASSERT_TRUE(MakeItemEncryptor(decl, "Orders", key, services, &enc).ok());
    Item plain = {
        {"pk", AttributeValue::S("p")},
        {"sk", AttributeValue::N("42")},
        {"plainSigned", AttributeValue::S("visible")},
        {"loose", AttributeValue::N("1")},
        {"s", AttributeValue::S("héllo wörld")},
        {"ns", AttributeValue::NS({"1.5", "-2", "100"})},
        {"ss", AttributeValue::SS({"b", "a", "c"})},
        {"bs", AttributeValue::BS({"\x01", "\x02"})},
        {"m", AttributeValue::M({{"z", AttributeValue::Bool(false)},
                                 {"a", AttributeValue::L({AttributeValue::Null(),
                                                          AttributeValue::B("\x00\xff")})}})},
    };
    for (int i = 0; i < 2; ++i) {
      Item stored;
      Status s = enc->Encrypt(plain, &stored);
      ASSERT_TRUE(s.ok()) << s.ToString();
      nlohmann::json c = {{"scenario", scenario},
                          {"table", "Orders"},
                          {"key_names", {"pk", "sk"}},
                          {"actions", actions},
                          {"stored", dynamodb::ItemToWireJson(stored)},
                          {"plain", dynamodb::ItemToWireJson(plain)}};
      if (meta) {
        c["metastore"] = nlohmann::json::array();
        for (const auto& [k, item] : meta->items())
          c["metastore"].push_back(dynamodb::ItemToWireJson(item));
      }
      cases.push_back(std::move(c));
    }
  }
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("ddbsql_item_peer_" + std::to_string(getpid()) + ".json");
  {
    std::ofstream out(path);
    out << cases.dump();
  }
  int status = -1;
  std::string output = test::RunPythonScript("item_encryption_peer.py", path.string(), &status);
  std::filesystem::remove(path);
  ASSERT_EQ(status, 0) << output;
  nlohmann::json result = nlohmann::json::parse(output, nullptr, false);
  ASSERT_TRUE(result.is_object()) << output;
  EXPECT_EQ(result["checked"].get<int>(), static_cast<int>(cases.size()));
  EXPECT_TRUE(result["errors"].empty()) << result["errors"].dump(2);
}

}  // namespace
}  // namespace ddb::item_encryption
