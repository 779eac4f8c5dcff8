from ._queue import QueueClient

__all__ = ["QueueClient"]
