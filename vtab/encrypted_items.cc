// Reading tables of the AWS DynamoDB Encryption Client or the AWS Database
// Encryption SDK: the ItemScheme a connected table gets, and items verified
// and decrypted as pages arrive (encrypted_items.h).
#include "vtab/encrypted_items.h"

#include <utility>
#include <vector>

#include "engine/dbe/factory.h"
#include "engine/item_encryption/factory.h"
#include "engine/kms/client.h"

namespace ddb::vtab {
namespace {

// KMS clients through `conn` while it lives.
item_encryption::KmsClientFor KmsFor(const std::shared_ptr<Connection>& conn) {
  std::weak_ptr<Connection> weak = conn;
  return [weak](const std::string& region, std::shared_ptr<kms::KmsClient>* client) {
    std::shared_ptr<Connection> c = weak.lock();
    if (!c) return Status::Cancelled("the connection is closed");
    Status s = c->OpenKms(region, client);
    return s.ok() ? s : s.AsUnavailable();
  };
}

}  // namespace

Status OpenItemEncryptor(const item_encryption::ItemEncryptionDecl& decl, const std::string& table,
                         const dynamodb::KeySchema& key, std::shared_ptr<Connection> conn,
                         std::shared_ptr<codec::KeyStore> keys,
                         std::shared_ptr<item_encryption::ItemScheme>* out) {
  if (decl.dbe) {
    dbe::KeyringServices services;
    services.keys = std::move(keys);
    std::weak_ptr<Connection> weak = conn;
    services.kms = KmsFor(conn);
    services.dynamodb = [weak](std::shared_ptr<dynamodb::DynamoDbClient>* client) {
      std::shared_ptr<Connection> c = weak.lock();
      if (!c) return Status::Cancelled("the connection is closed");
      *client = c->shared_dynamodb();
      return Status::OK();
    };
    std::unique_ptr<dbe::DbeItemDecryptor> decryptor;
    Status s = dbe::MakeItemDecryptor(*decl.dbe, table, key, services, &decryptor);
    if (!s.ok()) return s;
    *out = std::move(decryptor);
    return Status::OK();
  }
  item_encryption::ProviderServices services;
  services.keys = std::move(keys);
  std::weak_ptr<Connection> weak = conn;
  services.kms = KmsFor(conn);
  services.metastore = [weak](const std::string& name,
                              std::shared_ptr<item_encryption::MetaStoreTable>* store) {
    std::shared_ptr<Connection> c = weak.lock();
    if (!c) return Status::Cancelled("the connection is closed");
    *store = std::make_shared<item_encryption::DynamoDbMetaStoreTable>(c->shared_dynamodb(), name);
    return Status::OK();
  };
  std::unique_ptr<item_encryption::ItemEncryptor> encryptor;
  Status s = item_encryption::MakeItemEncryptor(decl, table, key, services, &encryptor);
  if (!s.ok()) return s;
  *out = std::move(encryptor);
  return Status::OK();
}

namespace {

// Warnings of skipped items kept per page at most; the rest are counted.
constexpr size_t kWarningsPerPage = 10;

}  // namespace

Status DecryptPage(item_encryption::ItemScheme& encryptor, ModuleContext* ctx,
                   dynamodb::ItemPage* page) {
  std::vector<dynamodb::Item> stored;
  if (!page->item_texts.empty()) {
    stored.resize(page->item_texts.size());
    for (size_t i = 0; i < page->item_texts.size(); ++i) {
      Status s = dynamodb::ItemFromWireJsonText(page->item_texts[i], &stored[i]);
      if (!s.ok()) return s;
    }
    page->item_texts.clear();
    page->body.reset();
  } else {
    stored = std::move(page->items);
  }
  const bool warn = ctx->options().verify_warn;
  std::vector<dynamodb::Item> plain;
  plain.reserve(stored.size());
  size_t warned = 0;
  for (const dynamodb::Item& item : stored) {
    dynamodb::Item p;
    Status s = encryptor.Decrypt(item, &p);
    if (!s.ok()) {
      // Only the check's verdict on the item is skipped: a key that could
      // not be obtained (KMS, a key store) stops the statement.
      if (!warn || !item_encryption::JudgesItem(s)) return s;
      ctx->stats().items_unverified++;
      if (warned++ < kWarningsPerPage) ctx->Warn("skipped (.verify warn): " + s.ToString());
      continue;
    }
    ctx->stats().items_decrypted++;
    plain.push_back(std::move(p));
  }
  page->items = std::move(plain);
  return Status::OK();
}

PageTransform DecryptOnArrival(std::shared_ptr<item_encryption::ItemScheme> encryptor,
                               ModuleContext* ctx) {
  return [encryptor = std::move(encryptor), ctx](dynamodb::ItemPage* page) {
    return DecryptPage(*encryptor, ctx, page);
  };
}

Status DecryptingSource::Next(dynamodb::ItemPage* page, bool* done) {
  Status s = inner_->Next(page, done);
  if (!s.ok()) return s;
  return DecryptPage(*encryptor_, ctx_, page);
}

}  // namespace ddb::vtab
