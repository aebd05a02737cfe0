"""The seller portal (/seller): sign in with an API key, then manage products in the browser."""

from aisle.entrypoints.web.seller.routes import router

__all__ = ["router"]
