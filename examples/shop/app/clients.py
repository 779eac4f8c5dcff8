"""Outbound integrations: exchange rates, payments, e-mail."""
import httpx
import requests


def fetch_rate(currency: str) -> float:
    response = requests.get(f"https://rates.example.com/{currency}", timeout=5)
    return response.json()["rate"]


async def charge(amount: float, token: str) -> dict:
    async with httpx.AsyncClient() as client:  # a new connection pool for every charge
        response = await client.post("https://pay.example.com/charge", json={"amount": amount, "token": token})
        return response.json()


async def send_receipt(email: str, order_id: int) -> None:
    response = await httpx.AsyncClient().post("https://mail.example.com/send", json={"to": email, "order": order_id})
    response.raise_for_status()
