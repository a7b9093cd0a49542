"""Flask's debug files helper with one class per files class raises what Flask's own raises."""

from __future__ import annotations

from collections.abc import Iterator

import flask
import pytest
from flask.debughelpers import DebugFilesKeyError

from payment_local.speedups import flask_debug


def _app(seen: list[type]) -> flask.Flask:
    app = flask.Flask("debug_files")
    app.debug = True  # as moto runs its applications

    @app.post("/")
    def read() -> str:
        flask.request.get_data()
        seen.append(type(flask.request.files))
        try:
            flask.request.files[flask.request.args["key"]]
        except DebugFilesKeyError:
            return f"debug {type(flask.request.files).__name__}"
        except KeyError:
            return f"missing {type(flask.request.files).__name__}"
        return "found"

    return app


@pytest.fixture(params=["flask", "speed-up"])
def installed(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "speed-up":
        flask_debug.install()
    yield request.param
    flask_debug.uninstall()


def test_a_missing_file_that_is_a_form_field_is_flask_s_debug_error(installed: str) -> None:
    seen: list[type] = []
    client = _app(seen).test_client()
    for _ in range(3):
        assert client.post("/?key=name", data={"name": "x"}).text == "debug ImmutableMultiDict"
        assert client.post("/?key=other", data={"name": "x"}).text == "missing ImmutableMultiDict"
    if installed == "speed-up":
        assert len(set(seen)) == 1  # one class for every request
