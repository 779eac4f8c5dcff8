"""What calls return and what objects are: the small type table behind LG103 and LG301.

Only what the rules need: which constructors/functions give which object, and which
attributes or methods of those objects give another (an Engine's `connect()` gives a
Connection). Names are canonical dotted paths.
"""

from __future__ import annotations

# Different import paths of one type -> the one name the tables below use.
TYPE_ALIASES: dict[str, str] = {
    "sqlmodel.Session": "sqlalchemy.orm.Session",
    "sqlmodel.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.scoped_session": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.scoping.scoped_session": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.engine.Engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.base.Engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.Connection": "sqlalchemy.Connection",
    "sqlalchemy.engine.base.Connection": "sqlalchemy.Connection",
    "sqlalchemy.ext.asyncio.session.AsyncSession": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlmodel.ext.asyncio.session.AsyncSession": "sqlalchemy.ext.asyncio.AsyncSession",
    "requests.sessions.Session": "requests.Session",
    "requests.session": "requests.Session",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "redis.asyncio.client.Redis": "redis.asyncio.Redis",
    "redis.asyncio.StrictRedis": "redis.asyncio.Redis",
    "aioredis.Redis": "redis.asyncio.Redis",
    "pymongo.mongo_client.MongoClient": "pymongo.MongoClient",
    "pymongo.database.Database": "pymongo.Database",
    "pymongo.collection.Collection": "pymongo.Collection",
    "elasticsearch.client.Elasticsearch": "elasticsearch.Elasticsearch",
    "httpx._client.Client": "httpx.Client",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "fastapi.applications.FastAPI": "fastapi.FastAPI",
    "fastapi.routing.APIRouter": "fastapi.APIRouter",
    "starlette.applications.Starlette": "fastapi.FastAPI",
    "fastapi.background.BackgroundTasks": "fastapi.BackgroundTasks",
    "starlette.background.BackgroundTasks": "fastapi.BackgroundTasks",
}

# Calling one of these gives an object of the named type (constructors are implicit:
# calling a type in SYNC_CLIENTS or TYPES_WITH_RESULTS gives that type).
CALL_RESULTS: dict[str, str] = {
    "contextvars.copy_context": "contextvars.Context",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.asyncio.from_url": "redis.asyncio.Redis",
    "redis.asyncio.Redis.from_url": "redis.asyncio.Redis",
    "sqlalchemy.create_engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.create_engine": "sqlalchemy.Engine",
    "sqlmodel.create_engine": "sqlalchemy.Engine",
    "sqlalchemy.orm.sessionmaker.__call__": "sqlalchemy.orm.Session",
    "sqlalchemy.ext.asyncio.async_sessionmaker.__call__": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.Engine.connect": "sqlalchemy.Connection",
    "sqlalchemy.Engine.begin": "sqlalchemy.Connection",
    "psycopg2.connect": "psycopg2.connection",
    "psycopg2.connection.cursor": "psycopg2.cursor",
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.cursor": "psycopg.Cursor",
    "pymysql.connect": "pymysql.Connection",
    "pymysql.Connection.cursor": "pymysql.Cursor",
    "sqlite3.connect": "sqlite3.Connection",
    "sqlite3.Connection.cursor": "sqlite3.Cursor",
    "boto3.client": "boto3.Client",
    "boto3.resource": "boto3.Resource",
    "boto3.session.Session.client": "boto3.Client",
    "boto3.Session.client": "boto3.Client",
    "pathlib.Path.home": "pathlib.Path",
    "pathlib.Path.cwd": "pathlib.Path",
    **{f"pathlib.Path.{m}": "pathlib.Path" for m in (
        "resolve", "absolute", "expanduser", "joinpath", "with_name", "with_suffix", "with_stem")},
}

# Attribute access on an object of a type -> type ("*" = any attribute).
ATTRIBUTE_RESULTS: dict[tuple[str, str], str] = {
    ("pathlib.Path", "parent"): "pathlib.Path",
    ("pymongo.MongoClient", "*"): "pymongo.Database",
    ("pymongo.Database", "*"): "pymongo.Collection",
}

# Types whose `/` operator gives the same type.
DIVIDABLE_TYPES: frozenset[str] = frozenset({"pathlib.Path"})

# Plain types the model tracks even though they are not clients.
TRACKED_TYPES: frozenset[str] = frozenset({
    "pathlib.Path", "sqlalchemy.orm.sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlalchemy.ext.asyncio.AsyncSession", "redis.asyncio.Redis", "httpx.AsyncClient",
    "fastapi.FastAPI", "fastapi.APIRouter", "fastapi.BackgroundTasks",
    # command-line apps: their `.command()` decorators mark CLI entry points (LG1xx)
    "typer.Typer", "cyclopts.App",
    "sqlalchemy.Engine", "sqlalchemy.Connection",
    # in-memory objects whose methods do not raise in practice (LG401)
    "asyncio.Queue", "collections.deque", "contextvars.ContextVar",
    "builtins.list", "builtins.dict", "builtins.set",
})
