"""The benchmark's baseline: a generated project's posts API on a raw asyncpg pool.

Same pydantic models, same URLs and the same answers as the generated resources
(`forge:crud Post title:str:max=200 body:text published:bool:default=false`, and the
list of `forge:crud Article title:str:max=200 body:text author:ref=User` with
`include=author`), with no ORM: one statement per request where one is enough (asyncpg
autocommits it), `RETURNING` instead of a second SELECT, prepared statements from
asyncpg's per-connection cache.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/db POOL_SIZE=20 \
        uvicorn raw_app:app --loop uvloop --http httptools

The tables are the generated project's (its Alembic migrations create them).
"""

import base64
import binascii
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

DATABASE_URL = os.environ["DATABASE_URL"]
POOL_SIZE = int(os.environ.get("POOL_SIZE", "10"))

# Literal statements: asyncpg prepares each once per connection and caches it.
INSERT_POST = """
    INSERT INTO posts (title, body, published, created_at, updated_at)
    VALUES ($1, $2, $3, now(), now())
    RETURNING id, title, body, published, created_at, updated_at"""
SELECT_POST = """
    SELECT id, title, body, published, created_at, updated_at FROM posts
    WHERE id = $1"""
COUNT_POSTS = "SELECT count(*) FROM posts"
SELECT_PAGE = """
    SELECT id, title, body, published, created_at, updated_at FROM posts
    ORDER BY id LIMIT $1 OFFSET $2"""
SELECT_PAGE_AFTER = """
    SELECT id, title, body, published, created_at, updated_at FROM posts
    WHERE id > $1 ORDER BY id LIMIT $2"""
# A field left out of a PATCH is passed as null and keeps its value (null is refused).
UPDATE_POST = """
    UPDATE posts SET
        title = coalesce($2, title),
        body = coalesce($3, body),
        published = coalesce($4, published),
        updated_at = now()
    WHERE id = $1
    RETURNING id, title, body, published, created_at, updated_at"""
# Articles reference their author; a list can include the authors (one query a page).
COUNT_ARTICLES = "SELECT count(*) FROM articles"
SELECT_ARTICLES = """
    SELECT id, title, body, author_id, created_at, updated_at FROM articles
    ORDER BY id LIMIT $1 OFFSET $2"""
SELECT_AUTHORS = "SELECT id, username FROM users WHERE id = ANY($1::integer[])"


class PostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200)
    body: str
    published: StrictBool = False


class PostUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=200)
    body: str | None = None
    published: StrictBool | None = None

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """A field may be left out, not set to null: the columns are NOT NULL."""
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class PostRead(BaseModel):
    id: int
    title: str
    body: str
    published: bool
    created_at: datetime
    updated_at: datetime


class PostPage(BaseModel):
    """One page of posts: total and skip are null when it was asked for by cursor."""

    items: list[PostRead]
    total: int | None
    skip: int | None
    limit: int
    next_cursor: str | None


class UserPublic(BaseModel):
    id: int
    username: str


class ArticleItem(BaseModel):
    id: int
    title: str
    body: str
    author_id: int
    created_at: datetime
    updated_at: datetime
    author: UserPublic | None = None


class ArticlePage(BaseModel):
    items: list[ArticleItem]
    total: int | None
    skip: int | None
    limit: int
    next_cursor: str | None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with asyncpg.create_pool(
        DATABASE_URL, min_size=POOL_SIZE, max_size=POOL_SIZE
    ) as pool:
        app.state.pool = pool
        yield


app = FastAPI(lifespan=lifespan)


def get_pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
# A page's query parameters, as the generated lists take them.
Skip = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=100)]


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "not a cursor that this API wrote"
        ) from None


def not_found(post_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"Post {post_id} not found")


@app.get("/health")
async def health(pool: PoolDep, response: Response) -> dict[str, str]:
    try:
        await pool.fetchval("SELECT 1")
    except (OSError, asyncpg.PostgresError):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "database": "unreachable"}
    return {"status": "ok", "database": "ok"}


@app.post("/api/v1/posts", status_code=status.HTTP_201_CREATED, response_model=PostRead)
async def create_post(pool: PoolDep, post_in: PostCreate) -> dict[str, Any]:
    row = await pool.fetchrow(
        INSERT_POST, post_in.title, post_in.body, post_in.published
    )
    return dict(row)


@app.get("/api/v1/posts", response_model=PostPage)
async def list_posts(
    pool: PoolDep,
    skip: Skip = 0,
    limit: Limit = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page by offset, with the total; or after a cursor (keyset on id), without."""
    total: int | None = None
    if cursor is None:
        async with pool.acquire() as conn:
            total = await conn.fetchval(COUNT_POSTS)
            rows = await conn.fetch(SELECT_PAGE, limit + 1, skip)
    else:
        if skip:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "skip or cursor, not both"
            )
        rows = await pool.fetch(SELECT_PAGE_AFTER, decode_cursor(cursor), limit + 1)
    next_cursor = encode_cursor(rows[limit - 1]["id"]) if len(rows) > limit else None
    return {
        "items": [dict(row) for row in rows[:limit]],
        "total": total,
        "skip": None if cursor else skip,
        "limit": limit,
        "next_cursor": next_cursor,
    }


@app.get("/api/v1/posts/{post_id}", response_model=PostRead)
async def read_post(pool: PoolDep, post_id: int) -> dict[str, Any]:
    row = await pool.fetchrow(SELECT_POST, post_id)
    if row is None:
        raise not_found(post_id)
    return dict(row)


@app.patch("/api/v1/posts/{post_id}", response_model=PostRead)
async def update_post(
    pool: PoolDep, post_id: int, post_in: PostUpdate
) -> dict[str, Any]:
    """Change the fields that are sent; the others keep their values."""
    if post_in.model_fields_set:
        row = await pool.fetchrow(
            UPDATE_POST, post_id, post_in.title, post_in.body, post_in.published
        )
    else:
        row = await pool.fetchrow(SELECT_POST, post_id)
    if row is None:
        raise not_found(post_id)
    return dict(row)


@app.get("/api/v1/articles", response_model=ArticlePage)
async def list_articles(
    pool: PoolDep,
    skip: Skip = 0,
    limit: Limit = 20,
    include: Annotated[list[Literal["author"]], Query()] = [],  # noqa: B006
) -> dict[str, Any]:
    """A page by offset, with the total, and the authors when asked for."""
    async with pool.acquire() as conn:
        total = await conn.fetchval(COUNT_ARTICLES)
        rows = await conn.fetch(SELECT_ARTICLES, limit + 1, skip)
        items = [dict(row) for row in rows[:limit]]
        if "author" in include:
            ids = list({item["author_id"] for item in items})
            authors = {
                row["id"]: dict(row) for row in await conn.fetch(SELECT_AUTHORS, ids)
            }
            for item in items:
                item["author"] = authors[item["author_id"]]
    return {
        "items": items,
        "total": total,
        "skip": skip,
        "limit": limit,
        "next_cursor": encode_cursor(rows[limit - 1]["id"])
        if len(rows) > limit
        else None,
    }
