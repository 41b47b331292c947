"""
The forum over HTTP with aiohttp. One adyn engine per application, opened (and the models bound) by a
``cleanup_ctx`` generator, stored under an ``AppKey`` and closed at shutdown; adyn's exceptions map to HTTP statuses
in one middleware (ItemExists 409, ConditionFailed and VersionConflict 412, InvalidValue and InvalidExpression 422).

The models, their JSON form and the pagination helper are the FastAPI example's (they import no framework).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

import pendulum
from aiohttp import web

from adyn import ConditionFailed, Engine, ItemExists
from adyn.exceptions import InvalidExpression, InvalidValue

from ..fastapi_app.models import (
    MODELS,
    Post,
    User,
    engine_options_from_env,
    parse_version,
    post_json,
    posts_page,
    user_json,
)

ENGINE = web.AppKey("engine", Engine)

# -- the engine's lifecycle ---------------------------------------------------------------------------------------


def engine_context(options: dict[str, Any]) -> Callable[[web.Application], AsyncIterator[None]]:
    async def engine(app: web.Application) -> AsyncIterator[None]:
        async with Engine(**options) as engine:  # opened at startup, closed at cleanup
            await engine.bind(*MODELS)
            app[ENGINE] = engine
            yield

    return engine


def create_app(**engine_options: Any) -> web.Application:
    """
    The app, with an engine built from `engine_options` (by default, from the environment).
    """
    app = web.Application(middlewares=[errors])
    app.cleanup_ctx.append(engine_context(engine_options or engine_options_from_env()))
    app.add_routes(routes)
    return app


# -- errors -------------------------------------------------------------------------------------------------------


def problem(status: int, detail: str) -> web.Response:
    return web.json_response({"detail": detail}, status=status)


@web.middleware
async def errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except ItemExists:
        return problem(409, "already exists")
    except ConditionFailed as exc:  # VersionConflict included: someone else wrote first
        return problem(412, str(exc))
    except (InvalidValue, InvalidExpression) as exc:
        return problem(422, str(exc))


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPUnprocessableEntity(text="the body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPUnprocessableEntity(text="the body must be a JSON object")
    return cast("dict[str, Any]", body)


def field(body: dict[str, Any], name: str, kind: type[Any], *, required: bool = False) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise web.HTTPUnprocessableEntity(text=f"{name} is required")
        return None
    if kind is uuid.UUID:
        try:
            return uuid.UUID(str(value))
        except ValueError:
            raise web.HTTPUnprocessableEntity(text=f"{name} is not a UUID") from None
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise web.HTTPUnprocessableEntity(text=f"{name} must be a {kind.__name__}")
    return value


def strings(body: dict[str, Any], name: str) -> list[str] | None:
    value = field(body, name, list)
    if value is not None and not all(isinstance(item, str) for item in value):
        raise web.HTTPUnprocessableEntity(text=f"{name} must be a list of strings")
    return cast("list[str] | None", value)


def path_id(request: web.Request, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise web.HTTPUnprocessableEntity(text=f"{name} is not a UUID") from None


def expected_version(request: web.Request, version: int | None) -> int:
    if_match = request.headers.get("If-Match")
    if if_match is not None:
        try:
            return parse_version(if_match)
        except ValueError as exc:
            raise web.HTTPUnprocessableEntity(text=str(exc)) from None
    if version is None:
        raise web.HTTPPreconditionRequired(text="send the post's version (If-Match header or version field)")
    return version


# -- endpoints ----------------------------------------------------------------------------------------------------

routes = web.RouteTableDef()


@routes.post("/users")
async def create_user(request: web.Request) -> web.Response:
    body = await json_body(request)
    user = User(
        id=field(body, "id", uuid.UUID) or uuid.uuid4(),
        name=field(body, "name", str, required=True),
        email=field(body, "email", str),
    )
    await request.app[ENGINE].create(user)  # ItemExists -> 409; a bad email: InvalidValue -> 422
    return web.json_response(user_json(user), status=201)


@routes.get("/users/{user_id}")
async def get_user(request: web.Request) -> web.Response:
    user = await request.app[ENGINE].get(User, path_id(request, "user_id"))
    if user is None:
        raise web.HTTPNotFound(text="no such user")
    return web.json_response(user_json(user))


@routes.get("/users/{user_id}/posts")
async def list_posts(request: web.Request) -> web.Response:
    try:
        limit = int(request.query.get("limit", "20"))
    except ValueError:
        raise web.HTTPUnprocessableEntity(text="limit must be an int") from None
    if not 1 <= limit <= 100:
        raise web.HTTPUnprocessableEntity(text="limit must be 1 to 100")
    page = await posts_page(
        request.app[ENGINE], path_id(request, "user_id"), limit, request.query.get("token")
    )
    return web.json_response(page)


@routes.post("/posts")
async def create_post(request: web.Request) -> web.Response:
    body = await json_body(request)
    engine = request.app[ENGINE]
    user_id = field(body, "user", uuid.UUID, required=True)
    tags = strings(body, "tags") or []
    if await engine.get(User, user_id) is None:
        raise web.HTTPNotFound(text="no such user")
    post = Post(
        id=field(body, "id", uuid.UUID) or uuid.uuid4(),
        user=user_id,
        date=pendulum.now("UTC"),
        content=field(body, "content", str) or "",
        tags=set(tags),
    )
    await engine.create(post)  # ItemExists -> 409
    return web.json_response(post_json(post), status=201, headers={"ETag": f'"{post.version}"'})


@routes.get("/posts/{post_id}")
async def get_post(request: web.Request) -> web.Response:
    post = await request.app[ENGINE].get(Post, path_id(request, "post_id"))
    if post is None:
        raise web.HTTPNotFound(text="no such post")
    return web.json_response(post_json(post), headers={"ETag": f'"{post.version}"'})


@routes.patch("/posts/{post_id}")
async def update_post(request: web.Request) -> web.Response:
    post_id = path_id(request, "post_id")
    body = await json_body(request)
    version = expected_version(request, field(body, "version", int))
    content = field(body, "content", str)
    tags = strings(body, "tags")
    author = field(body, "author", uuid.UUID)
    engine = request.app[ENGINE]
    post = await engine.get(Post, post_id)
    if post is None:
        raise web.HTTPNotFound(text="no such post")
    post.version = version  # the write happens only if the stored version is still this one
    if content is not None:
        post.content = content
    if tags is not None:
        post.tags = set(tags)
    condition = Post.user == author if author is not None else None
    await engine.save(post, condition=condition)  # VersionConflict / ConditionFailed -> 412
    return web.json_response(post_json(post), headers={"ETag": f'"{post.version}"'})


@routes.delete("/posts/{post_id}")
async def delete_post(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    post = await engine.get(Post, path_id(request, "post_id"))
    if post is None:
        raise web.HTTPNotFound(text="no such post")
    if "If-Match" in request.headers:  # without it, the version just read
        post.version = expected_version(request, None)
    await engine.delete(post)  # VersionConflict -> 412
    return web.Response(status=204)
