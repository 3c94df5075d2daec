"""The app factory: routes, the edge middleware, and the store in the lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.types import ASGIApp

from twilio_stream_emulator.access_log import access_log
from twilio_stream_emulator.middleware import EdgeMiddleware
from twilio_stream_emulator.routes import ROUTES, not_found
from twilio_stream_emulator.settings import Settings
from twilio_stream_emulator.state import State
from twilio_stream_emulator.store import Store


class EmulatorApp(Starlette):
    """Starlette with a two-layer stack: :class:`EdgeMiddleware` around the router.

    Starlette's own ServerErrorMiddleware and ExceptionMiddleware are left out: the edge middleware
    already turns every exception into a Twilio error, the routes render the API's own errors, and the
    router's default answers unknown routes. Two layers fewer on every request (the emulator is
    measured against a bare ASGI app); ``add_middleware`` is not used by this app.
    """

    def build_middleware_stack(self) -> ASGIApp:
        return EdgeMiddleware(self.router)


def create_app(settings: Settings) -> Starlette:
    """The emulator as an ASGI app; its store opens when the app starts and closes when it stops."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        store = Store(settings.db)
        try:
            yield {"store": store, "settings": settings}
        finally:
            store.close()
            access_log.flush()

    app = EmulatorApp(routes=ROUTES, lifespan=lifespan)
    app.router.default = not_found
    # A path with a trailing slash is another path (Twilio answers 404), not a redirect.
    app.router.redirect_slashes = False
    return app


def create_app_from_environment() -> Starlette:
    """The factory uvicorn calls in each worker (``twilio_stream_emulator.app:create_app_from_environment``)."""
    return create_app(Settings.from_environment())
