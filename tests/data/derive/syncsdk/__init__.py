from ._client import AsyncClient, Bucket, Blob, Client
from .helpers import afetch_report, fetch_report, make_bucket, parse_payload
from .store import Store

__all__ = ["AsyncClient", "Blob", "Bucket", "Client", "Store", "afetch_report", "fetch_report", "make_bucket", "parse_payload"]
