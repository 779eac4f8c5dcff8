class QueueClient:
    def __init__(self, transport=None) -> None:
        self._stub = transport

    async def send_message(self, body: str):
        return await self._stub.send(body)

    def queue_path(self, name: str) -> str:
        return f"queues/{name}"
