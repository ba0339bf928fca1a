// Tables the AWS DynamoDB Encryption Client (engine/item_encryption/) or
// the AWS Database Encryption SDK (engine/dbe/) wrote (catalog
// "item_encryption"): the table's ItemScheme built when the table is
// connected, and the one place its items are verified and decrypted on the
// way in. Every page source StartScan builds from DynamoDB (Scan, Query,
// GetItem, BatchGetItem, an index Query's fetch), with the transaction's
// own writes laid over it (staged encrypted, as COMMIT sends them), is
// wrapped in a DecryptingSource; outside a transaction a Scan's and a
// Query's pages are instead decoded straight into items and decrypted on
// the thread that fetched them (DecryptOnArrival), while SQLite reads the
// page before. Sampling decrypts its page the same way, and ddb_query its
// pages (functions_vtab.cc), so the cursor, the copies of scan_cache.h and
// the columns only ever see plain items (without the two reserved
// attributes). Writes encrypt and sign in vtab/write_encrypted.cc.
//
// An item that does not verify or decrypt (tampered, a wrong key, another
// table's name) is an error naming the table and the item's key; with
// `.verify warn` (ModuleOptions::verify_warn) it is reported, skipped and
// counted (Stats::items_unverified) instead. Only the check's verdicts are
// skipped (item_encryption::JudgesItem): a key that could not be obtained
// (KMS, the MetaStore or the branch key store unreachable, throttled or
// refusing; a transport error; Ctrl-C) stops the statement under either
// setting, naming the table, the item's key and the service's error.
#pragma once

#include <memory>
#include <string>

#include "engine/connection.h"
#include "engine/dynamodb/client.h"
#include "engine/item_encryption/declaration.h"
#include "engine/item_encryption/item_encryptor.h"
#include "engine/item_encryption/item_scheme.h"
#include "engine/status.h"
#include "vtab/module.h"
#include "vtab/page_source.h"

namespace ddb::vtab {

// The ItemScheme of `table` (key schema `key`) for `decl`, by its scheme
// (an ItemEncryptor or a dbe::DbeItemDecryptor): keys through `keys`; KMS,
// the MetaStore and the branch key store through `conn`. Nothing is sent
// here.
Status OpenItemEncryptor(const item_encryption::ItemEncryptionDecl& decl, const std::string& table,
                         const dynamodb::KeySchema& key, std::shared_ptr<Connection> conn,
                         std::shared_ptr<codec::KeyStore> keys,
                         std::shared_ptr<item_encryption::ItemScheme>* out);

// Replaces the items of `page` (decoded or item texts) by their plain
// forms. A failing item is the error, or with `ctx->options().verify_warn`
// and a failure JudgesItem calls a verdict, a warning, counted and left out.
Status DecryptPage(item_encryption::ItemScheme& encryptor, ModuleContext* ctx,
                   dynamodb::ItemPage* page);

// DecryptPage as a PageTransform (page_source.h): a Scan's or Query's
// pages verified and decrypted on the thread that fetched them, while
// SQLite reads the previous page.
PageTransform DecryptOnArrival(std::shared_ptr<item_encryption::ItemScheme> encryptor,
                               ModuleContext* ctx);

// `inner`'s pages, decrypted (DecryptPage).
class DecryptingSource : public PageSource {
 public:
  DecryptingSource(std::unique_ptr<PageSource> inner,
                   std::shared_ptr<item_encryption::ItemScheme> encryptor, ModuleContext* ctx)
      : inner_(std::move(inner)), encryptor_(std::move(encryptor)), ctx_(ctx) {}
  Status Next(dynamodb::ItemPage* page, bool* done) override;

 private:
  std::unique_ptr<PageSource> inner_;
  std::shared_ptr<item_encryption::ItemScheme> encryptor_;
  ModuleContext* ctx_;
};

}  // namespace ddb::vtab
