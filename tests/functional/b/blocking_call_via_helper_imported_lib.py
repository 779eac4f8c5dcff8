"""Helpers for blocking_call_via_helper_imported.py: sync code, fine on its own."""
import requests


def fetch_rate(currency: str) -> float:
    return requests.get(f"https://rates.example.com/{currency}", timeout=5).json()["rate"]


def convert(amount: float) -> float:
    return amount * fetch_rate("USD")


class Rates:
    def latest(self):
        return fetch_rate("EUR")
