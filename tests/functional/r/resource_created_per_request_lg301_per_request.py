"""LG301: clients, pools, engines and models built in code that runs once per request."""
import asyncio

import aiohttp
import asyncpg
import boto3
import httpx
import joblib
import openai
import psycopg_pool
import pymysql
import redis
import redis.asyncio as aioredis
import requests
import torch
from elasticsearch import AsyncElasticsearch
from fastapi import APIRouter, Depends, FastAPI, Request, WebSocket
from motor.motor_asyncio import AsyncIOMotorClient
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine
from transformers import AutoModel, AutoTokenizer

app = FastAPI()
router = APIRouter()
_clients = {}


@app.get("/proxy")
async def proxy(url: str):
    async with httpx.AsyncClient() as client:  # [resource-created-per-request]
        return (await client.get(url)).json()


@app.get("/sync-session")
def sync_session(url: str):
    session = requests.Session()  # [resource-created-per-request]
    return session.get(url).json()


@app.post("/predict")
def predict(features: list[float]):
    model = joblib.load("model.pkl")  # [resource-created-per-request]
    weights = torch.load("weights.pt")  # [resource-created-per-request]
    tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")  # [resource-created-per-request]
    return model.predict([features]), weights, tokenizer


@app.post("/predict-offloaded")
async def predict_offloaded(features: list[float]):
    model = await asyncio.to_thread(joblib.load, "model.pkl")  # [resource-created-per-request]
    return model.predict([features])


async def get_session():
    async with aiohttp.ClientSession() as session:  # [resource-created-per-request]
        yield session


@app.get("/yield-dep")
async def yield_dep(session: aiohttp.ClientSession = Depends(get_session)):
    return {}


class S3Uploader:
    def __init__(self):
        self.client = boto3.client("s3")  # [resource-created-per-request]


@app.put("/upload")
def upload(uploader: S3Uploader = Depends(S3Uploader)):
    return {}


class Searcher:
    def __init__(self, request: Request):
        self.es = AsyncElasticsearch("http://localhost:9200")  # [resource-created-per-request]


@app.get("/search")
async def search(searcher: Searcher = Depends()):
    return {}


@app.middleware("http")
async def moderate(request: Request, call_next):
    client = openai.AsyncOpenAI()  # [resource-created-per-request]
    await client.moderations.create(input=request.url.path)
    return await call_next(request)


@app.websocket("/ws")
async def ws(websocket: WebSocket):
    cache = aioredis.from_url("redis://localhost")  # [resource-created-per-request]
    await websocket.accept()
    await cache.publish("joined", "1")


def get_engine():
    return create_engine("postgresql://localhost/app")


def report_rows():
    return get_engine().connect()


@app.get("/report")
def report():
    return report_rows()  # [resource-created-per-request]


@router.get("/db")
async def db_direct():
    conn = await asyncpg.connect("postgresql://localhost/app")  # [resource-created-per-request]
    pool = await asyncpg.create_pool("postgresql://localhost/app")  # [resource-created-per-request]
    other = psycopg_pool.AsyncConnectionPool("postgresql://localhost/app")  # [resource-created-per-request]
    engine = create_async_engine("postgresql+asyncpg://localhost/app")  # [resource-created-per-request]
    mongo = AsyncIOMotorClient("mongodb://localhost")  # [resource-created-per-request]
    return conn, pool, other, engine, mongo


@router.get("/mysql")
def mysql_route():
    return pymysql.connect(host="localhost")  # [resource-created-per-request]


@router.get("/inline-pool")
def inline_pool():
    # the pool is made right here, so it is not shared: one finding, on the outer call
    cache = redis.Redis(connection_pool=redis.ConnectionPool(host="localhost"))  # [resource-created-per-request]
    client = httpx.Client(transport=httpx.HTTPTransport(retries=3))  # [resource-created-per-request]
    return cache, client


class Gateway:
    def connect(self):
        self.http = httpx.AsyncClient()  # no missing-check: a new client on every call


gateway = Gateway()


@router.get("/replaced")
async def replaced(request: Request):
    gateway.connect()  # [resource-created-per-request]
    if not hasattr(request.state, "http"):  # request.state lives one request: not memoised
        request.state.http = httpx.AsyncClient()  # [resource-created-per-request]
    client = _clients.setdefault("default", httpx.AsyncClient())  # [resource-created-per-request]
    return client


class Notifier:
    def __init__(self):
        self.http = httpx.AsyncClient(base_url="https://notify.example.com")


@router.post("/notify")
async def notify():
    notifier = Notifier()  # [resource-created-per-request]
    await notifier.http.post("/")


def endpoint_model():
    return AutoModel.from_pretrained("gpt2")  # [resource-created-per-request]


router.add_api_route("/model", endpoint_model)
app.include_router(router)


async def fetch_with(client: httpx.AsyncClient, url: str):
    return await client.get(url)


@app.get("/passed-to-helper")
async def passed_to_helper(url: str):
    client = httpx.AsyncClient()  # [resource-created-per-request]
    return await fetch_with(client, url)  # handed to a helper that does not keep it
