"""fastapi-lifeguard: static analysis for the resource lifecycle of FastAPI applications."""

__version__ = "0.1.0"
