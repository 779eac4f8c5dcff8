"""Sync client objects and their I/O methods (LG103): each call blocks the event loop.

`"*"` means every method except the ones listed in `NON_IO_METHODS` for that type.
"""

from __future__ import annotations

_HTTP = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream"})
_SQLA_SESSION = frozenset({
    "execute", "scalar", "scalars", "query", "get", "commit", "flush", "refresh", "merge",
    "rollback", "exec", "get_one", "connection", "bulk_save_objects", "bulk_insert_mappings",
    "bulk_update_mappings",
})
_DBAPI_CONN = frozenset({"execute", "executemany", "executescript", "commit", "rollback"})
_DBAPI_CURSOR = frozenset({"execute", "executemany", "executescript", "fetchone", "fetchall", "fetchmany", "callproc"})
_MONGO_COLLECTION = frozenset({
    "find", "find_one", "insert_one", "insert_many", "update_one", "update_many", "replace_one",
    "delete_one", "delete_many", "aggregate", "count_documents", "estimated_document_count",
    "distinct", "bulk_write", "create_index", "create_indexes", "drop", "drop_index",
    "find_one_and_update", "find_one_and_replace", "find_one_and_delete", "watch",
})

SYNC_CLIENTS: dict[str, frozenset[str] | str] = {
    "sqlalchemy.orm.Session": _SQLA_SESSION,
    "sqlalchemy.Connection": frozenset({"execute", "scalar", "scalars", "commit", "rollback", "exec_driver_sql"}),
    "requests.Session": _HTTP,
    "httpx.Client": _HTTP,
    "urllib3.PoolManager": frozenset({"request", "urlopen", "request_encode_url", "request_encode_body"}),
    "redis.Redis": "*",
    "pymongo.MongoClient": frozenset({"server_info", "list_database_names", "list_databases", "drop_database"}),
    "pymongo.Database": frozenset({"command", "list_collection_names", "list_collections", "create_collection", "drop_collection"}),
    "pymongo.Collection": _MONGO_COLLECTION,
    "elasticsearch.Elasticsearch": "*",
    "psycopg2.connection": _DBAPI_CONN,
    "psycopg2.cursor": _DBAPI_CURSOR,
    "psycopg.Connection": _DBAPI_CONN,
    "psycopg.Cursor": _DBAPI_CURSOR,
    "pymysql.Connection": _DBAPI_CONN,
    "pymysql.Cursor": _DBAPI_CURSOR,
    "sqlite3.Connection": _DBAPI_CONN,
    "sqlite3.Cursor": _DBAPI_CURSOR,
    "boto3.Client": "*",
    "openai.OpenAI": "*",
    "anthropic.Anthropic": "*",
    "smtplib.SMTP": frozenset({"sendmail", "send_message", "login", "starttls", "quit", "ehlo", "connect"}),
    "smtplib.SMTP_SSL": frozenset({"sendmail", "send_message", "login", "quit", "ehlo", "connect"}),
    "paramiko.SSHClient": frozenset({"connect", "exec_command", "open_sftp"}),
    "socket.socket": frozenset({"connect", "recv", "recv_into", "recvfrom", "send", "sendall", "sendto", "accept"}),
}

# For "*" types: methods and attributes that do no I/O.
NON_IO_METHODS: dict[str, frozenset[str]] = {
    "redis.Redis": frozenset({"pipeline", "pubsub", "lock", "register_script", "get_connection_kwargs",
                              "get_encoder", "connection_pool", "close", "from_url"}),
    "elasticsearch.Elasticsearch": frozenset({"options", "close"}),
    "boto3.Client": frozenset({"generate_presigned_url", "generate_presigned_post", "get_paginator",
                               "get_waiter", "can_paginate", "close"}),
    "openai.OpenAI": frozenset({"with_options", "close", "copy"}),
    "anthropic.Anthropic": frozenset({"with_options", "close", "copy"}),
}

# Attribute paths inside SDK clients end in methods: `client.chat.completions.create(...)`.
# For these types any attribute chain counts, the last name must be an I/O method.
NESTED_RESOURCE_CLIENTS: frozenset[str] = frozenset({"openai.OpenAI", "anthropic.Anthropic", "boto3.Resource"})
NESTED_IO_METHODS: frozenset[str] = frozenset({
    "create", "retrieve", "list", "delete", "update", "parse", "stream", "upload", "download",
    "upload_file", "download_file", "put", "get", "load", "all", "filter",
})


def is_io_method(type_name: str, method: str) -> bool:
    methods = SYNC_CLIENTS.get(type_name)
    if methods is None:
        return False
    if methods == "*":
        return not method.startswith("_") and method not in NON_IO_METHODS.get(type_name, ())
    return method in methods
