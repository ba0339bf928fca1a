// QueryIndexHint: when ddb_query's Query of a table fails because its key
// condition does not name the table's partition key ("Query condition missed
// key schema element"), says which of the table's indexes have the key the
// condition names as their partition key and how to name one.
#pragma once

#include "engine/dynamodb/client.h"
#include "engine/status.h"

namespace ddb::vtab {

// Returns `error` unchanged unless it is that ValidationException for a
// Query of the table itself (request.index empty); then describes the table
// (one DescribeTable) and returns an InvalidArgument naming the indexes whose
// partition key the condition uses, with a ddb_query call that names one.
Status QueryIndexHint(dynamodb::DynamoDbClient* client, const dynamodb::QueryRequest& request,
                      const Status& error);

}  // namespace ddb::vtab
