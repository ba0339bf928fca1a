#include "vtab/plan.h"

#include <cstring>

namespace ddb::vtab {

namespace {

const char* OpName(Plan::Op op) {
  switch (op) {
    case Plan::Op::kScan:
      return "Scan";
    case Plan::Op::kGetItem:
      return "GetItem";
    case Plan::Op::kBatchGetItem:
      return "BatchGetItem";
    case Plan::Op::kQuery:
      return "Query";
  }
  return "Scan";
}

const char* CondOp(KeyCondition::Op op) {
  switch (op) {
    case KeyCondition::Op::kEq:
      return "=";
    case KeyCondition::Op::kIn:
      return " IN ";
    case KeyCondition::Op::kGt:
      return ">";
    case KeyCondition::Op::kGe:
      return ">=";
    case KeyCondition::Op::kLt:
      return "<";
    case KeyCondition::Op::kLe:
      return "<=";
    case KeyCondition::Op::kBeginsWith:
      return "^=";
    case KeyCondition::Op::kGlob:
      return " GLOB ";
  }
  return "=";
}

constexpr const char* kSpecial = " ,=<>^()?\"";

const char* FilterOpText(FilterCondition::Op op) {
  switch (op) {
    case FilterCondition::Op::kEq:
      return "=";
    case FilterCondition::Op::kGt:
      return ">";
    case FilterCondition::Op::kGe:
      return ">=";
    case FilterCondition::Op::kLt:
      return "<";
    case FilterCondition::Op::kLe:
      return "<=";
    case FilterCondition::Op::kGlob:
      return " GLOB ";
    case FilterCondition::Op::kIsNull:
      return " IS NULL";
    case FilterCondition::Op::kIsNotNull:
      return " IS NOT NULL";
  }
  return "=";
}

std::string QuoteName(const std::string& name) {
  if (!name.empty() && name.find_first_of(kSpecial) == std::string::npos) return name;
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A tiny reader over the plan text.
class Reader {
 public:
  explicit Reader(const std::string& s) : s_(s) {}
  bool AtEnd() const { return pos_ >= s_.size(); }
  bool Consume(std::string_view lit) {
    if (s_.compare(pos_, lit.size(), lit) == 0) {
      pos_ += lit.size();
      return true;
    }
    return false;
  }
  void SkipSpaces() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  bool Name(std::string* out) {
    out->clear();
    if (pos_ < s_.size() && s_[pos_] == '"') {
      ++pos_;
      while (pos_ < s_.size()) {
        if (s_[pos_] == '"') {
          if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '"') {
            out->push_back('"');
            pos_ += 2;
            continue;
          }
          ++pos_;
          return true;
        }
        out->push_back(s_[pos_++]);
      }
      return false;
    }
    while (pos_ < s_.size() && std::strchr(kSpecial, s_[pos_]) == nullptr)
      out->push_back(s_[pos_++]);
    return !out->empty();
  }
  bool Number(int* out) {
    size_t start = pos_;
    int v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') v = v * 10 + (s_[pos_++] - '0');
    *out = v;
    return pos_ > start;
  }
  bool Arg(int* out) { return Consume("?") && Number(out); }
  std::string Rest() {
    std::string rest = s_.substr(pos_);
    pos_ = s_.size();
    return rest;
  }

 private:
  const std::string& s_;
  size_t pos_ = 0;
};

}  // namespace

std::string Plan::ToString() const {
  std::string out = OpName(op);
  if (!index.empty()) out += " index=" + QuoteName(index);
  if (!key.empty()) {
    out += " key=(";
    for (size_t i = 0; i < key.size(); ++i) {
      if (i > 0) out += ", ";
      out += QuoteName(key[i].attribute) + CondOp(key[i].op) + "?" + std::to_string(key[i].argv);
    }
    out += ")";
  }
  if (!filter.empty()) {
    out += " filter=(";
    for (size_t i = 0; i < filter.size(); ++i) {
      if (i > 0) out += ", ";
      out += QuoteName(filter[i].attribute) + FilterOpText(filter[i].op);
      // Appended piecewise: GCC 12 -O2 warns (-Wrestrict, falsely) about
      // "literal" + std::string temporaries.
      if (filter[i].argv > 0) out.append("?").append(std::to_string(filter[i].argv));
    }
    out += ")";
  }
  if (order != Order::kNone) out += order == Order::kAsc ? " order=asc" : " order=desc";
  if (limit_argv > 0) out.append(" limit=?").append(std::to_string(limit_argv));
  if (offset_argv > 0) out.append(" offset=?").append(std::to_string(offset_argv));
  if (fetch) out += " fetch=BatchGetItem";
  out += " project=";
  if (project_all) {
    out += "*";
  } else {
    for (size_t i = 0; i < project.size(); ++i)
      out.append(i ? "," : "").append(QuoteName(project[i]));
  }
  if (!note.empty()) out += " -- " + note;
  return out;
}

Status ParsePlan(const std::string& text, Plan* plan) {
  *plan = Plan();
  Reader r(text);
  auto bad = [&] { return Status::Corruption("malformed plan: " + text); };
  if (r.Consume("GetItem")) {
    plan->op = Plan::Op::kGetItem;
  } else if (r.Consume("BatchGetItem")) {
    plan->op = Plan::Op::kBatchGetItem;
  } else if (r.Consume("Query")) {
    plan->op = Plan::Op::kQuery;
  } else if (r.Consume("Scan")) {
    plan->op = Plan::Op::kScan;
  } else {
    return bad();
  }
  while (true) {
    r.SkipSpaces();
    if (r.AtEnd()) break;
    if (r.Consume("-- ")) {
      plan->note = r.Rest();
      break;
    }
    if (r.Consume("index=")) {
      if (!r.Name(&plan->index)) return bad();
    } else if (r.Consume("key=(")) {
      while (!r.Consume(")")) {
        KeyCondition c;
        if (!r.Name(&c.attribute)) return bad();
        if (r.Consume(" IN ")) {
          c.op = KeyCondition::Op::kIn;
        } else if (r.Consume(" GLOB ")) {
          c.op = KeyCondition::Op::kGlob;
        } else if (r.Consume(">=")) {
          c.op = KeyCondition::Op::kGe;
        } else if (r.Consume("<=")) {
          c.op = KeyCondition::Op::kLe;
        } else if (r.Consume(">")) {
          c.op = KeyCondition::Op::kGt;
        } else if (r.Consume("<")) {
          c.op = KeyCondition::Op::kLt;
        } else if (r.Consume("^=")) {
          c.op = KeyCondition::Op::kBeginsWith;
        } else if (r.Consume("=")) {
          c.op = KeyCondition::Op::kEq;
        } else {
          return bad();
        }
        if (!r.Arg(&c.argv)) return bad();
        c.is_hash = plan->key.empty();
        plan->key.push_back(std::move(c));
        r.Consume(", ");
        if (r.AtEnd()) return bad();
      }
    } else if (r.Consume("filter=(")) {
      while (!r.Consume(")")) {
        FilterCondition f;
        if (!r.Name(&f.attribute)) return bad();
        bool needs_arg = true;
        if (r.Consume(" IS NOT NULL")) {
          f.op = FilterCondition::Op::kIsNotNull;
          needs_arg = false;
        } else if (r.Consume(" IS NULL")) {
          f.op = FilterCondition::Op::kIsNull;
          needs_arg = false;
        } else if (r.Consume(" GLOB ")) {
          f.op = FilterCondition::Op::kGlob;
        } else if (r.Consume(">=")) {
          f.op = FilterCondition::Op::kGe;
        } else if (r.Consume("<=")) {
          f.op = FilterCondition::Op::kLe;
        } else if (r.Consume(">")) {
          f.op = FilterCondition::Op::kGt;
        } else if (r.Consume("<")) {
          f.op = FilterCondition::Op::kLt;
        } else if (r.Consume("=")) {
          f.op = FilterCondition::Op::kEq;
        } else {
          return bad();
        }
        if (needs_arg && !r.Arg(&f.argv)) return bad();
        plan->filter.push_back(std::move(f));
        r.Consume(", ");
        if (r.AtEnd()) return bad();
      }
    } else if (r.Consume("order=asc")) {
      plan->order = Plan::Order::kAsc;
    } else if (r.Consume("order=desc")) {
      plan->order = Plan::Order::kDesc;
    } else if (r.Consume("limit=")) {
      if (!r.Arg(&plan->limit_argv)) return bad();
    } else if (r.Consume("offset=")) {
      if (!r.Arg(&plan->offset_argv)) return bad();
    } else if (r.Consume("fetch=BatchGetItem")) {
      plan->fetch = true;
    } else if (r.Consume("project=")) {
      if (r.Consume("*")) {
        plan->project_all = true;
      } else {
        plan->project_all = false;
        do {
          std::string name;
          if (!r.Name(&name)) return bad();
          plan->project.push_back(std::move(name));
        } while (r.Consume(","));
      }
    } else {
      return bad();
    }
  }
  return Status::OK();
}

}  // namespace ddb::vtab
