"""What page handlers receive besides the API's service dependencies: the page cache and the category tree."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from aisle.entrypoints.api.dependencies import container
from aisle.services.categories import CategoryCache
from aisle.services.ports import Cache


async def _page_cache(request: Request) -> Cache:
    return container(request).cache


async def _categories(request: Request) -> CategoryCache:
    return container(request).categories


PageCacheDep = Annotated[Cache, Depends(_page_cache)]
CategoriesDep = Annotated[CategoryCache, Depends(_categories)]
