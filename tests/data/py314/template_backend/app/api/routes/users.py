from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException

from app.api.deps import CurrentUser, SessionDep, get_current_active_superuser, get_current_user_async
from app.models import User
from app.utils import new_account_email, send_email, send_email_logged

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
def read_user_me(current_user: CurrentUser) -> User:
    return current_user


@router.get("/me/fast", dependencies=[Depends(get_current_user_async)])
async def read_user_me_fast() -> dict:
    return {"ok": True}


@router.post("/", dependencies=[Depends(get_current_active_superuser)])
def create_user(session: SessionDep, email: str, background_tasks: BackgroundTasks) -> User:
    user = User(email=email)
    session.add(user)
    try:
        session.commit()
    except ValueError, RuntimeError:
        raise HTTPException(status_code=400, detail="The user already exists")
    body = new_account_email(email, "https://inventory.local/login")
    background_tasks.add_task(send_email, email, "New account", body)  # project: LG401
    background_tasks.add_task(send_email_logged, email, "New account (copy)", body)
    return user


@router.post("/signup")
async def signup(email: str) -> dict:
    send_email(email, "Welcome", new_account_email(email, "https://inventory.local"))  # project: LG102
    return {"ok": True}
