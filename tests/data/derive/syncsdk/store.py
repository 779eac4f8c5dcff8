import socket


class Store:
    """A method `m` beside `async def am`: the twin names the alternative."""

    def __init__(self, host: str) -> None:
        self.host = host

    def query(self, q: str):
        return self._roundtrip(q)

    async def aquery(self, q: str):
        return None

    def _roundtrip(self, q: str):
        conn = socket.create_connection((self.host, 5432))
        conn.sendall(q.encode())
        return conn.recv(1024)

    def describe(self) -> str:
        return self.host
