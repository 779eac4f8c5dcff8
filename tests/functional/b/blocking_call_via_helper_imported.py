"""LG102 across modules: the helper lives in another file of the project (astroid finds it)."""
from blocking_call_via_helper_imported_lib import Rates, convert, fetch_rate
from fastapi import FastAPI

app = FastAPI()


@app.get("/rate")
async def rate():
    return fetch_rate("EUR")  # [blocking-call-via-helper]


@app.get("/convert")
async def convert_route(amount: float):
    first = convert(amount)  # [blocking-call-via-helper]
    return first, Rates().latest()  # [blocking-call-via-helper]
