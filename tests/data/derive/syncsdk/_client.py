import subprocess
import time
import urllib.request

import httpx

from ._base import BaseClient
from ._retry import retry


class Models:
    def __init__(self, client: "Client") -> None:
        self._client = client

    def list(self):
        return self._client._request("GET", "/models")

    def url_for(self, name: str) -> str:
        return f"/models/{name}"

    def poll(self, name: str):
        # a retry back-off around a transport picked at run time: only the sleep is reached
        for _ in range(3):
            time.sleep(0.5)
            result = getattr(self._client, "_" + name)()
            if result:
                return result
        return None


class Client(BaseClient):
    def __init__(self, base_url: str = "https://api.example.com") -> None:
        super().__init__(base_url)
        self.models = Models(self)

    def chat(self, prompt: str) -> str:
        return self._request("POST", "/chat")

    def with_options(self, **options) -> "Client":
        return Client(self.base_url)

    def bucket(self, name: str):
        return Bucket(self, name)

    def wait_ready(self) -> None:
        time.sleep(1.0)

    def export(self, path: str) -> None:
        with open(path, "w") as handle:
            handle.write("x")

    def run_tool(self) -> None:
        subprocess.run(["tool"], check=True)

    def pages(self):
        # a retry sleep around a hidden transport; AsyncClient.pages (a plain def returning an
        # async pager) is its counterpart
        time.sleep(1.0)
        return getattr(self, "_pager")()

    def search(self, query: str):
        # the same back-off on the client itself; AsyncClient.search is its async twin
        for attempt in range(3):
            response = getattr(self, "_transport")(query)
            if response is not None:
                return response
            time.sleep(2**attempt)
        return None


class AsyncClient:
    def __init__(self, base_url: str = "https://api.example.com") -> None:
        self._http = httpx.AsyncClient(base_url=base_url)

    async def chat(self, prompt: str) -> str:
        response = await self._http.post("/chat")
        return response.text

    async def search(self, query: str):
        response = await self._http.get("/search")
        return response.text

    def pages(self):
        return self._http.stream("GET", "/pages")

    async def aclose(self) -> None:
        await self._http.aclose()


class Bucket:
    def __init__(self, client: Client, name: str) -> None:
        self.client = client
        self.name = name

    def blob(self, name: str) -> "Blob":
        return Blob(self, name)


class Blob:
    def __init__(self, bucket: Bucket, name: str) -> None:
        self.bucket = bucket
        self.name = name

    def upload_from_string(self, data: str) -> None:
        # the work is handed to a retry wrapper: a function passed as an argument runs
        retry(self._upload, data)

    def _upload(self, data: str) -> None:
        urllib.request.urlopen("https://storage.example.com/" + self.name, data.encode())

    def public_url(self) -> str:
        return "https://storage.example.com/" + self.name
