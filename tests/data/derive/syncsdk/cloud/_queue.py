class QueueClient:
    """A generated client: the call goes through a stub the source does not type."""

    def __init__(self, transport=None) -> None:
        self._stub = transport

    def send_message(self, body: str):
        return self._stub.send(body)

    def queue_path(self, name: str) -> str:
        return f"queues/{name}"
