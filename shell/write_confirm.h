// The question an interactive session asks before an UPDATE or DELETE of a
// DynamoDB table that has no key condition (README "Writes"): such a
// statement must Scan the table to find its rows. Scripts never ask.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "vtab/module.h"

namespace ddb::shell {

// True when `stmt` may run: it is no UPDATE or DELETE, or each DynamoDB
// table it writes is reached by key, or the person at the terminal (asked
// on stderr, answering on `answers`) said yes.
bool ConfirmWrite(sqlite3* db, sqlite3_stmt* stmt, vtab::ModuleContext* ctx, std::FILE* answers);

// The question ConfirmWrite asks of an UPDATE or DELETE (`verb`) that must
// scan `table`: "... has no key condition: ... Run it? [y/N] ". `items` is
// DynamoDB's estimate of the table's items, or negative when unknown.
std::string WriteQuestion(const std::string& verb, const std::string& table, int64_t items);

// Reads a y/N answer to a question already printed on stderr. On a terminal
// (`answers` is stdin and a tty) the line is read with echo on, and Ctrl-C
// answers no at once; elsewhere a line of `answers`. True only for y/Y.
bool ReadYesNo(std::FILE* answers);

}  // namespace ddb::shell
