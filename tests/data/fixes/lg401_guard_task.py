"""LG401 (unsafe): the background task's body is wrapped in try/except that logs the error."""
import logging

from fastapi import BackgroundTasks, FastAPI

log = logging.getLogger("shop.tasks")
app = FastAPI()


def send_receipt(order_id: int) -> None:
    """Mail the receipt."""
    # Fails when the mail server is down.
    if order_id < 0:
        raise ValueError(order_id)
    print("sent", order_id)


@app.post("/orders/{order_id}")
async def create_order(order_id: int, tasks: BackgroundTasks):
    tasks.add_task(send_receipt, order_id)
    return {"id": order_id}
