"""--lifeguard-blocking-calls adds project blocking calls (set in the .rc next to this file)."""
import legacy_sdk
from fastapi import FastAPI

app = FastAPI()


@app.get("/sdk")
async def sdk():
    legacy_sdk.fetch_all()  # [blocking-call-in-async]
    return legacy_sdk.version()
