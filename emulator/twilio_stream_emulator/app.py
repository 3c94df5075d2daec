"""The app factory: Starlette with the routes, the edge middleware, the exception handlers and the store.

Stock Starlette throughout (its middleware stack, its request/response wrapper, its exception handlers);
the store is opened in the lifespan and reached through ``request.state``.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from twilio_stream_emulator import responses
from twilio_stream_emulator.access_log import lighten_log_records
from twilio_stream_emulator.errors import ApiError
from twilio_stream_emulator.media.streams import MediaStreams
from twilio_stream_emulator.middleware import EdgeMiddleware
from twilio_stream_emulator.routes import ROUTES
from twilio_stream_emulator.settings import Settings
from twilio_stream_emulator.state import State
from twilio_stream_emulator.store import Store


def create_app(settings: Settings) -> Starlette:
    """The emulator as an ASGI app. Its store and its Media Streams start with the app; when the app stops,
    every Stream still in progress is stopped (as a hang-up would) and the store closes."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        store = Store(settings.db)
        try:
            media = MediaStreams(store, settings.media, settings.dial, responses.rfc2822_now, settings.stream_media)
            async with media:
                state: State = {"store": store, "settings": settings, "media": media}
                # Also on the app, for whoever runs it in-process and must reach it (the pytest plugin's reset).
                app.state.emulator = state
                yield state
        finally:
            store.close()

    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(EdgeMiddleware)],
        exception_handlers={ApiError: responses.api_error, HTTPException: responses.http_error},
        lifespan=lifespan,
    )
    # A path with a trailing slash is another path (Twilio answers 404), not a redirect.
    app.router.redirect_slashes = False
    return app


def create_app_from_environment() -> Starlette:
    """The factory uvicorn calls in each worker (``twilio_stream_emulator.app:create_app_from_environment``)."""
    lighten_log_records()
    return create_app(Settings.from_environment())


async def reset(app: Starlette) -> None:
    """Forget every Stream and call of a running app and end its Media Streams: the state of a fresh start.
    Run it on the app's own event loop."""
    state: State = app.state.emulator
    await state["media"].reset()
    state["store"].reset()
