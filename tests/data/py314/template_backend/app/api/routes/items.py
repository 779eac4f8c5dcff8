import uuid
from typing import Any

from fastapi import APIRouter, HTTPException
from sqlmodel import func, select

from app.api.deps import CurrentUser, SessionDep
from app.models import Item

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/")
def read_items(session: SessionDep, current_user: CurrentUser, skip: int = 0, limit: int = 100) -> Any:
    statement = select(Item).where(Item.owner_id == current_user.id).offset(skip).limit(limit)
    return session.exec(statement).all()


@router.get("/count")
async def count_items(session: SessionDep, current_user: CurrentUser) -> int:
    statement = select(func.count()).select_from(Item).where(Item.owner_id == current_user.id)
    return session.exec(statement).one()  # project: LG103


@router.delete("/{item_id}")
async def delete_item(session: SessionDep, current_user: CurrentUser, item_id: uuid.UUID) -> dict:
    try:
        item = session.get(Item, item_id)  # project: LG103
    except LookupError, ValueError:
        raise HTTPException(status_code=404, detail=t"Item {item_id} not found".strings[0])
    session.delete(item)  # marks the row; the commit below does the I/O
    session.commit()  # project: LG103
    return {"ok": True}
