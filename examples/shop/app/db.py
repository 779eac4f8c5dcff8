"""Database access: a sync SQLAlchemy session factory and a yield dependency."""
from typing import Annotated, Iterator

from fastapi import Depends
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("postgresql://shop:shop@localhost/shop")
SessionLocal = sessionmaker(bind=engine)


def get_db() -> Iterator[Session]:
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


DbSession = Annotated[Session, Depends(get_db)]
ScopedSession = Annotated[Session, Depends(get_db, scope="function")]
