import json

import requests

from ._client import Bucket, Client


def _get(url):
    return requests.get(url, timeout=10)


def fetch_report(url: str):
    return _get(url).json()


async def afetch_report(url: str):
    return {}


def parse_payload(text: str):
    return json.loads(text)


def make_bucket(name: str) -> Bucket:
    return Client().bucket(name)
