#include "vtab/transaction.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "engine/dynamodb/number.h"
#include "vtab/write_values.h"

namespace ddb::vtab {

using dynamodb::AttributeValue;
using dynamodb::Item;

namespace {

AttributeValue CanonicalValue(AttributeValue v) {
  std::string canonical;
  switch (v.type()) {
    case AttributeValue::Type::kN:
      if (dynamodb::CanonicalNumber(v.scalar(), &canonical).ok())
        return AttributeValue::N(canonical);
      return v;
    case AttributeValue::Type::kNS: {
      std::vector<std::string> members;
      for (const auto& m : v.set()) {
        members.push_back(dynamodb::CanonicalNumber(m, &canonical).ok() ? canonical : m);
      }
      return AttributeValue::NS(std::move(members));
    }
    case AttributeValue::Type::kM: {
      dynamodb::AttributeMap m;
      for (const auto& [k, x] : v.map()) m[k] = CanonicalValue(x);
      return AttributeValue::M(std::move(m));
    }
    case AttributeValue::Type::kL: {
      dynamodb::AttributeList l;
      for (const auto& x : v.list()) l.push_back(CanonicalValue(x));
      return AttributeValue::L(std::move(l));
    }
    default:
      return v;
  }
}

size_t SizeOf(const PendingWrite& p) {
  size_t bytes = p.state == PendingWrite::State::kPut ? ItemSize(p.item) : ItemSize(p.key);
  if (p.state == PendingWrite::State::kUpdate) {
    for (const auto& [name, v] : p.changes) bytes += v ? AttributeSize(name, *v) : name.size();
  }
  for (const auto& [name, v] : p.expect.attributes) {
    if (v) bytes += AttributeSize(name, *v);
  }
  return bytes;
}

// Merges the S3 writes of a later write into `into`: an attribute written
// again gets the later object; the objects DynamoDB held stay those the
// first write found (nothing in between was sent).
void MergeS3(std::vector<S3Write> later, std::vector<S3Write>* into) {
  for (auto& w : later) {
    auto it = std::find_if(into->begin(), into->end(),
                           [&w](const S3Write& x) { return x.attribute == w.attribute; });
    if (it == into->end()) {
      into->push_back(std::move(w));
    } else {
      it->upload = std::move(w.upload);
      it->column = w.column;
    }
  }
}

// The pending write of an item after `w`, given the one before it (null:
// none); nullopt when nothing is left to send.
Status Combine(const PendingWrite* before, ItemWrite w, uint64_t seq,
               std::optional<PendingWrite>* out) {
  using State = PendingWrite::State;
  using Kind = ItemWrite::Kind;
  if (!before) {
    PendingWrite p;
    p.state = w.kind == Kind::kPut      ? State::kPut
              : w.kind == Kind::kUpdate ? State::kUpdate
                                        : State::kDelete;
    p.seq = seq;
    p.table = std::move(w.table);
    p.key = std::move(w.key);
    if (p.state != State::kDelete) p.item = CanonicalItem(std::move(w.item));
    if (p.state == State::kUpdate) p.changes = std::move(w.changes);
    p.expect = std::move(w.expect);
    p.inserted = w.insert;
    p.row = w.row;
    p.s3 = std::move(w.s3);
    p.connection = std::move(w.connection);
    p.what = std::move(w.what);
    p.bytes = SizeOf(p);
    *out = std::move(p);
    return Status::OK();
  }
  PendingWrite p = *before;
  if (p.state == State::kUpdate) {
    // Expectations on attributes the transaction has not changed were read
    // from DynamoDB: they hold for the combined write too.
    for (auto& [name, v] : w.expect.attributes) {
      if (!p.changes.count(name) && !p.expect.attributes.count(name)) {
        p.expect.attributes.emplace(name, std::move(v));
      }
    }
  }
  MergeS3(std::move(w.s3), &p.s3);
  if (!p.connection) p.connection = std::move(w.connection);
  p.row = p.row || w.row;
  switch (w.kind) {
    case Kind::kPut:
      p.state = State::kPut;
      p.item = CanonicalItem(std::move(w.item));
      p.changes.clear();
      break;
    case Kind::kUpdate:
      if (p.state == State::kDelete) {
        return Status::InvalidArgument("internal error: " + w.what +
                                       ": an item this transaction deleted was updated");
      }
      if (p.state == State::kUpdate) {
        for (auto& [name, v] : w.changes) p.changes[name] = std::move(v);
      }
      p.item = CanonicalItem(std::move(w.item));
      break;
    case Kind::kDelete:
      if (p.state == State::kDelete) {
        return Status::InvalidArgument("internal error: " + w.what +
                                       ": an item this transaction deleted was deleted again");
      }
      if (p.inserted) {
        // Nothing to send: the item did not exist before this transaction
        // (its INSERT checked) and does not after it.
        out->reset();
        return Status::OK();
      }
      p.state = State::kDelete;
      p.item.clear();
      p.changes.clear();
      break;
  }
  p.bytes = SizeOf(p);
  *out = std::move(p);
  return Status::OK();
}

}  // namespace

std::string KeyId(const Item& key) {
  std::string id;
  for (const auto& [name, v] : key) {
    std::string scalar = v.scalar();
    std::string canonical;
    if (v.type() == AttributeValue::Type::kN &&
        dynamodb::CanonicalNumber(scalar, &canonical).ok()) {
      scalar = canonical;
    }
    id += name + '\x1f' + AttributeValue::TypeName(v.type()) + '\x1f' + scalar + '\x1e';
  }
  return id;
}

void ApplyChanges(const AttributeChanges& changes, Item* item) {
  for (const auto& [name, v] : changes) {
    if (v) {
      (*item)[name] = *v;
    } else {
      item->erase(name);
    }
  }
}

Item CanonicalItem(Item item) {
  for (auto& [name, v] : item) v = CanonicalValue(std::move(v));
  return item;
}

dynamodb::TransactWriteEntry PendingWrite::Entry() const {
  dynamodb::TransactWriteEntry e;
  e.table = table;
  std::string condition;
  auto part = [&condition](const std::string& p) {
    condition += (condition.empty() ? "" : " AND ") + p;
  };
  if (expect.existence != Expect::Existence::kAny && !key.empty()) {
    e.names["#k0"] = key.begin()->first;
    part(expect.existence == Expect::Existence::kExists ? "attribute_exists(#k0)"
                                                        : "attribute_not_exists(#k0)");
  }
  int n = 0;
  for (const auto& [name, v] : expect.attributes) {
    std::string i = std::to_string(n++);
    e.names["#c" + i] = name;
    if (v) {
      e.values[":c" + i] = *v;
      part("#c" + i + " = :c" + i);
    } else {
      part("attribute_not_exists(#c" + i + ")");
    }
  }
  e.condition = condition;
  switch (state) {
    case State::kPut:
      e.kind = dynamodb::TransactWriteEntry::Kind::kPut;
      e.item = item;
      break;
    case State::kDelete:
      e.kind = dynamodb::TransactWriteEntry::Kind::kDelete;
      e.item = key;
      break;
    case State::kUpdate: {
      e.kind = dynamodb::TransactWriteEntry::Kind::kUpdate;
      e.item = key;
      std::string set;
      std::string remove;
      int u = 0;
      for (const auto& [name, v] : changes) {
        std::string i = std::to_string(u++);
        e.names["#u" + i] = name;
        if (v) {
          e.values[":u" + i] = *v;
          set += (set.empty() ? "SET " : ", ") + ("#u" + i) + " = :u" + i;
        } else {
          remove += (remove.empty() ? "REMOVE " : ", ") + ("#u" + i);
        }
      }
      e.update = set + (set.empty() || remove.empty() ? "" : " ") + remove;
      break;
    }
  }
  return e;
}

std::string PendingWrites::Id(const std::string& table, const Item& key) {
  return table + '\n' + KeyId(key);
}

PendingWrites::Seen PendingWrites::Find(const std::string& table, const Item& key,
                                        const Item** item) const {
  auto it = items_.find(Id(table, key));
  if (it == items_.end()) return Seen::kUnknown;
  if (it->second.state == PendingWrite::State::kDelete) return Seen::kAbsent;
  *item = &it->second.item;
  return Seen::kPresent;
}

Status PendingWrites::Add(ItemWrite write) {
  std::string id = Id(write.table, write.key);
  std::string table = write.table;
  std::string what = write.what;
  auto it = items_.find(id);
  std::optional<PendingWrite> before;
  if (it != items_.end()) before = it->second;
  std::optional<PendingWrite> after;
  Status s = Combine(before ? &*before : nullptr, std::move(write), next_seq_, &after);
  if (!s.ok()) return s;
  size_t count = items_.size() - (before ? 1 : 0) + (after ? 1 : 0);
  size_t bytes = bytes_ - (before ? before->bytes : 0) + (after ? after->bytes : 0);
  if (count > kMaxTransactionWrites) {
    return Status::InvalidArgument(
        what +
        ": a transaction holds at most 100 writes (DynamoDB's TransactWriteItems limit; "
        "the writes of one item count once); this is item " +
        std::to_string(count));
  }
  if (bytes > kMaxTransactionBytes) {
    return Status::InvalidArgument(what +
                                   ": a transaction holds at most 4 MB (DynamoDB's "
                                   "TransactWriteItems limit); with this write it would be " +
                                   std::to_string(bytes / 1024) + " KB");
  }
  if (!before) ++next_seq_;
  journal_.emplace_back(id, std::move(before));
  if (after) {
    items_[id] = std::move(*after);
  } else {
    items_.erase(id);
  }
  bytes_ = bytes;
  Changed(table);
  return Status::OK();
}

std::vector<const PendingWrite*> PendingWrites::Ordered() const {
  std::vector<const PendingWrite*> out;
  for (const auto& [id, p] : items_) out.push_back(&p);
  std::sort(out.begin(), out.end(),
            [](const PendingWrite* a, const PendingWrite* b) { return a->seq < b->seq; });
  return out;
}

void PendingWrites::UndoTo(size_t mark) {
  if (journal_.size() <= mark) return;
  while (journal_.size() > mark) {
    auto& [id, before] = journal_.back();
    if (before) {
      items_[id] = std::move(*before);
    } else {
      items_.erase(id);
    }
    journal_.pop_back();
  }
  bytes_ = 0;
  for (const auto& [id, p] : items_) bytes_ += p.bytes;
  views_.clear();
  objects_.reset();
}

void PendingWrites::Clear() {
  items_.clear();
  journal_.clear();
  next_seq_ = 0;
  bytes_ = 0;
  views_.clear();
  objects_.reset();
}

void PendingWrites::Changed(const std::string& table) {
  views_.erase(table);
  objects_.reset();
}

std::shared_ptr<const TableView> PendingWrites::View(const std::string& table) {
  auto found = views_.find(table);
  if (found != views_.end()) return found->second;
  auto view = std::make_shared<TableView>();
  // Ids of `table` start with its name and a newline.
  std::string prefix = table + '\n';
  for (auto it = items_.lower_bound(prefix); it != items_.end() && it->first.rfind(prefix, 0) == 0;
       ++it) {
    const PendingWrite& p = it->second;
    view->keys.insert(KeyId(p.key));
    if (p.state != PendingWrite::State::kDelete) {
      view->items.push_back(dynamodb::ItemToWireJson(p.item).dump());
    }
  }
  std::shared_ptr<const TableView> out;
  if (!view->keys.empty()) out = std::move(view);
  views_[table] = out;
  return out;
}

std::shared_ptr<const std::string> PendingWrites::Object(const std::string& uri) {
  if (!objects_) {
    objects_.emplace();
    for (const auto& [id, p] : items_) {
      if (p.state == PendingWrite::State::kDelete) continue;
      for (const auto& w : p.s3) {
        if (w.upload) {
          (*objects_)[w.upload->uri] = std::make_shared<const std::string>(w.upload->body);
        }
      }
    }
  }
  auto it = objects_->find(uri);
  return it == objects_->end() ? nullptr : it->second;
}

}  // namespace ddb::vtab
