"""
The forum over HTTP with FastAPI: one adyn engine per app, opened (and the models bound) in the lifespan, handed to
endpoints through a dependency, and closed at shutdown. adyn's exceptions map to HTTP statuses in one place:

    ItemExists          409  create() found the key taken
    ConditionFailed     412  a stale version (VersionConflict) or a failed condition
    InvalidValue        422  adyn rejected a value (a bad email, a bad continuation token, ...)
    InvalidExpression   422

Run it with ``uvicorn examples.fastapi_app.app:app`` (configured from ADYN_* environment variables).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pendulum
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from adyn import ConditionFailed, Engine, ItemExists
from adyn.exceptions import InvalidExpression, InvalidValue

from .models import (
    MODELS,
    Post,
    User,
    engine_options_from_env,
    parse_version,
    post_json,
    posts_page,
    user_json,
)

# -- the engine's lifecycle and the dependency --------------------------------------------------------------------


def create_app(**engine_options: Any) -> FastAPI:
    """
    The app, with an engine built from `engine_options` (by default, from the environment).
    """
    # By default from ADYN_ENDPOINT_URL, ADYN_REGION and ADYN_TABLE_TEMPLATE.
    options = engine_options or engine_options_from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncGenerator[None, None]:
        async with Engine(**options) as engine:  # one client for the app's life, closed at shutdown
            await engine.bind(*MODELS)  # create missing tables, validate the others
            app.state.engine = engine
            yield

    app = FastAPI(title="adyn forum", lifespan=lifespan)
    app.include_router(router)
    add_error_handlers(app)
    return app


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


# -- errors -------------------------------------------------------------------------------------------------------


def add_error_handlers(app: FastAPI) -> None:
    async def item_exists(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "already exists"}, status_code=status.HTTP_409_CONFLICT)

    async def condition_failed(request: Request, exc: Exception) -> JSONResponse:
        # VersionConflict is a ConditionFailed: someone else wrote first, or the request's condition did not hold.
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_412_PRECONDITION_FAILED)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    # Starlette picks the handler of the closest class in the exception's MRO: ItemExists before ConditionFailed.
    app.add_exception_handler(ItemExists, item_exists)
    app.add_exception_handler(ConditionFailed, condition_failed)
    app.add_exception_handler(InvalidValue, invalid)
    app.add_exception_handler(InvalidExpression, invalid)


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no such {what}")


# -- request bodies -----------------------------------------------------------------------------------------------


class NewUser(BaseModel):
    id: uuid.UUID | None = None  # a client-chosen id makes creation idempotent: 409 the second time
    name: str = Field(min_length=1, max_length=100)
    email: str | None = None  # checked by adyn's Email type (422 from InvalidValue)


class NewPost(BaseModel):
    id: uuid.UUID | None = None
    user: uuid.UUID
    content: str = ""
    tags: list[str] = []


class PostChanges(BaseModel):
    content: str | None = None
    tags: list[str] | None = None
    version: int | None = None  # or the If-Match header
    author: uuid.UUID | None = None  # only if the post is by this user (a condition checked by DynamoDB)


# -- endpoints ----------------------------------------------------------------------------------------------------

router = APIRouter()


@router.post("/users", status_code=status.HTTP_201_CREATED)
async def create_user(body: NewUser, engine: EngineDep) -> dict[str, Any]:
    user = User(id=body.id or uuid.uuid4(), name=body.name, email=body.email)
    await engine.create(user)  # ItemExists -> 409
    return user_json(user)


@router.get("/users/{user_id}")
async def get_user(user_id: uuid.UUID, engine: EngineDep) -> dict[str, Any]:
    user = await engine.get(User, user_id)
    if user is None:
        raise not_found("user")
    return user_json(user)


@router.get("/users/{user_id}/posts")
async def list_posts(
    user_id: uuid.UUID,
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    token: str | None = None,
) -> dict[str, Any]:
    """
    One page of a user's posts, oldest first; ``next`` is the token of the following page (None after the last).
    """
    return await posts_page(engine, user_id, limit, token)  # a foreign or garbled token: InvalidValue -> 422


@router.post("/posts", status_code=status.HTTP_201_CREATED)
async def create_post(body: NewPost, engine: EngineDep, response: Response) -> dict[str, Any]:
    if await engine.get(User, body.user) is None:
        raise not_found("user")
    post = Post(
        id=body.id or uuid.uuid4(),
        user=body.user,
        date=pendulum.now("UTC"),
        content=body.content,
        tags=set(body.tags),
    )
    await engine.create(post)  # ItemExists -> 409; the post now has version 1
    response.headers["ETag"] = f'"{post.version}"'
    return post_json(post)


@router.get("/posts/{post_id}")
async def get_post(post_id: uuid.UUID, engine: EngineDep, response: Response) -> dict[str, Any]:
    post = await engine.get(Post, post_id)
    if post is None:
        raise not_found("post")
    response.headers["ETag"] = f'"{post.version}"'
    return post_json(post)


def expected_version(if_match: str | None, version: int | None) -> int:
    if if_match is not None:
        try:
            return parse_version(if_match)
        except ValueError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    if version is None:
        raise HTTPException(
            status.HTTP_428_PRECONDITION_REQUIRED,
            "send the post's version (If-Match header or version field)",
        )
    return version


@router.patch("/posts/{post_id}")
async def update_post(
    post_id: uuid.UUID,
    changes: PostChanges,
    engine: EngineDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    version = expected_version(if_match, changes.version)
    post = await engine.get(Post, post_id)
    if post is None:
        raise not_found("post")
    post.version = version  # the write happens only if the stored version is still this one
    if changes.content is not None:
        post.content = changes.content
    if changes.tags is not None:
        post.tags = set(changes.tags)
    condition = Post.user == changes.author if changes.author is not None else None
    await engine.save(post, condition=condition)  # VersionConflict / ConditionFailed -> 412
    response.headers["ETag"] = f'"{post.version}"'
    return post_json(post)


@router.delete("/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_post(
    post_id: uuid.UUID, engine: EngineDep, if_match: Annotated[str | None, Header()] = None
) -> None:
    post = await engine.get(Post, post_id)
    if post is None:
        raise not_found("post")
    if if_match is not None:  # without If-Match, the version just read
        post.version = expected_version(if_match, None)
    await engine.delete(post)  # VersionConflict -> 412


app = create_app()
