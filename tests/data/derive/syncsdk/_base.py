from typing import Optional

import requests


class BaseClient:
    def __init__(self, base_url: str, session: Optional[requests.Session] = None) -> None:
        self.base_url = base_url
        self._session = session or requests.Session()

    def _request(self, method: str, path: str):
        # template method: the call reaches the network through `_send` of the class in use
        return self._send(method, self.base_url + path)

    def _send(self, method, url):
        return self._session.request(method, url)

    def close(self) -> None:
        self._session.close()
