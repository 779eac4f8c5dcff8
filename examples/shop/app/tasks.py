"""Work done after the response."""
import logging

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


def record_audit(db: Session, order_id: int) -> None:
    try:
        db.execute("INSERT INTO audit (order_id) VALUES (:id)", {"id": order_id})
        db.commit()
    except Exception:
        log.exception("audit failed for order %s", order_id)
