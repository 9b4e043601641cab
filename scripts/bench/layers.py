"""Where a generated GET by id spends its CPU, layer by layer, without HTTP.

Reads one post by id, one request's worth at a time, through each layer that the
generated app stacks on asyncpg, and prints this process's CPU time per read (not the
database's): what a layer adds is the difference to the one above it. `npm run bench`
runs it with a generated project's interpreter (it imports nothing from the project),
against the benchmark's database:

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/db python layers.py
"""

import json
import os
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg
import uvloop
from sqlalchemy import DateTime, String, Text, bindparam, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# The baseline's response model: a script's own folder is on the import path.
from raw_app import PostRead

ROUNDS = 3000
WARMUP = 300
SQL = (
    "SELECT id, title, body, published, created_at, updated_at FROM posts WHERE id = $1"
)


class Base(DeclarativeBase):
    pass


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


async def cpu_us(read: Callable[[int], Awaitable[object]]) -> float:
    """CPU microseconds of this process per call of `read`."""
    for n in range(WARMUP):
        await read(1 + n)
    start = time.process_time()
    for n in range(ROUNDS):
        await read(1 + n)
    return (time.process_time() - start) / ROUNDS * 1e6


async def main() -> None:
    url = os.environ["DATABASE_URL"]
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    engine = create_async_engine(
        url.replace("postgresql://", "postgresql+asyncpg://", 1)
    )
    reader = engine.execution_options(isolation_level="AUTOCOMMIT")
    sessions = async_sessionmaker(reader, expire_on_commit=False)
    by_id = select(Post).where(Post.id == bindparam("id"))
    core_by_id = select(Post.__table__).where(Post.__table__.c.id == bindparam("id"))

    async def raw(post_id: int) -> object:
        return PostRead.model_validate(dict(await pool.fetchrow(SQL, post_id)))

    async def core(post_id: int) -> object:
        async with reader.connect() as connection:
            row = (await connection.execute(core_by_id, {"id": post_id})).one()
        return PostRead.model_validate(row, from_attributes=True)

    async def session_core(post_id: int) -> object:
        async with sessions() as session:
            row = (await session.execute(core_by_id, {"id": post_id})).one()
        return PostRead.model_validate(row, from_attributes=True)

    async def orm(post_id: int) -> object:
        async with sessions() as session:
            post = await session.scalar(by_id, {"id": post_id})
        return PostRead.model_validate(post, from_attributes=True)

    async def orm_get(post_id: int) -> object:
        async with sessions() as session:
            post = await session.get(Post, post_id)
        return PostRead.model_validate(post, from_attributes=True)

    layers = {
        "asyncpg pool.fetchrow (the raw app)": raw,
        "SQLAlchemy Core on an AsyncConnection": core,
        "+ an AsyncSession around it": session_core,
        "+ ORM objects (select built once: the generated code)": orm,
        "+ the select built per call (session.get)": orm_get,
    }
    results = {name: await cpu_us(read) for name, read in layers.items()}
    await pool.close()
    await engine.dispose()
    print(json.dumps(results))


if __name__ == "__main__":
    uvloop.run(main())
