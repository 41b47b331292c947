"""
An aiohttp app over adyn: the same forum as the FastAPI example, with the engine's lifecycle in ``cleanup_ctx``.

    from aiohttp import web
    from examples.aiohttp_app.app import create_app

    web.run_app(create_app(), port=8080)  # configured from the ADYN_* environment variables
"""
