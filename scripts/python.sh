#!/usr/bin/env bash
# Runs the Python that has boto3 and moto (found by scripts/test.sh and
# exported as DDBSQL_PYTHON), so CTest's Python tests use the same one.
exec "${DDBSQL_PYTHON:-python3}" "$@"
