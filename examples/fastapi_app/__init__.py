"""
A FastAPI app over adyn: the forum's users and posts, with one engine per app opened in the lifespan.

    ADYN_ENDPOINT_URL=http://localhost:8000 uvicorn examples.fastapi_app.app:app
"""
