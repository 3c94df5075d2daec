"""The command line: options, refusals, and what it hands uvicorn (emulator/__main__.py)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from twilio_stream_emulator import __main__ as cli
from twilio_stream_emulator.accounts import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from twilio_stream_emulator.store import Store

ROOT = Path(__file__).resolve().parent.parent
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - what the command line must refuse on the defaults


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """Record uvicorn.run's arguments instead of serving; an empty environment and a folder of our own."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append({"app": app, **kwargs}))
    monkeypatch.setattr(os, "environ", {})
    monkeypatch.chdir(tmp_path)  # the default store file is created before serving
    return calls


@pytest.mark.slow  # starts an interpreter
def test_help_lists_every_option() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "twilio_stream_emulator", "--help"], cwd=ROOT, capture_output=True, text=True
    )

    assert result.returncode == 0
    for option in ("--host", "--port", "--workers", "--db", "--accounts-file", "--log-level"):
        assert option in result.stdout
    assert DEFAULT_ACCOUNT_SID in result.stdout


def test_defaults_serve_on_loopback_8080_with_a_file_store(uvicorn_calls: list[dict[str, Any]]) -> None:
    assert cli.main([]) == 0

    (call,) = uvicorn_calls
    assert (call["host"], call["port"], call["workers"]) == ("127.0.0.1", 8080, 1)
    assert call["app"] == "twilio_stream_emulator.app:create_app_from_environment"
    assert call["factory"] is True
    assert call["http"] == "twilio_stream_emulator.protocol:TwilioHttpToolsProtocol"
    assert call["access_log"] is False
    assert call["ws"] == "none"
    assert os.environ["EMULATOR_DB"] == "emulator.sqlite3"


def test_the_store_is_created_once_before_serving(uvicorn_calls: list[dict[str, Any]], tmp_path: Path) -> None:
    cli.main(["--db", str(tmp_path / "s.db"), "--workers", "2"])

    schema = "SELECT type, name FROM sqlite_master ORDER BY name"
    fresh = Store(str(tmp_path / "fresh.db"))
    expected = fresh._db.execute(schema).fetchall()
    fresh.close()
    assert sqlite3.connect(tmp_path / "s.db").execute(schema).fetchall() == expected


def test_options_reach_the_workers_through_the_environment(uvicorn_calls: list[dict[str, Any]], tmp_path: Path) -> None:
    accounts = tmp_path / "accounts"
    accounts.write_text("AC" + "1" * 32 + ":token\n", encoding="utf-8")

    cli.main(
        ["--db", str(tmp_path / "s.db"), "--workers", "2", "--accounts-file", str(accounts), "--host", ALL_INTERFACES]
    )

    assert (uvicorn_calls[0]["workers"], uvicorn_calls[0]["host"]) == (2, ALL_INTERFACES)
    assert os.environ["EMULATOR_DB"] == str(tmp_path / "s.db")
    assert os.environ["EMULATOR_ACCOUNTS_FILE"] == str(accounts)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--host", ALL_INTERFACES], f"refusing to listen on {ALL_INTERFACES} with the default credentials"),
        (["--host", "example.com"], "refusing to listen on example.com"),
        (["--workers", "2", "--db", ":memory:"], "needs a --db file"),
        (["--workers", "0"], "at least 1"),
        (["--accounts-file", "/nonexistent"], "cannot read the accounts file"),
        (["--log-level", "trace"], "invalid choice"),
        (["--db", "/nonexistent/streams.sqlite3", "--workers", "2"], "cannot open the store /nonexistent/"),
    ],
)
def test_refusals_exit_before_serving(
    uvicorn_calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(argv)

    assert raised.value.code == 2
    assert message in capsys.readouterr().err
    assert uvicorn_calls == []


@pytest.mark.slow  # starts an interpreter
def test_an_unusable_store_is_one_line_and_a_failure_exit() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "twilio_stream_emulator",
            "--db",
            "/nonexistent/streams.sqlite3",
            "--workers",
            "2",
            "--port",
            "0",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cannot open the store /nonexistent/streams.sqlite3" in result.stderr


@pytest.mark.parametrize(
    "environ",
    [
        {"TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN},
        {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN},
    ],
)
def test_the_published_token_set_explicitly_is_still_loopback_only(
    uvicorn_calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], environ: dict[str, str]
) -> None:
    os.environ.update(environ)

    with pytest.raises(SystemExit):
        cli.main(["--host", ALL_INTERFACES])

    assert "refusing to listen on" in capsys.readouterr().err
    assert uvicorn_calls == []


def test_the_published_token_in_an_accounts_file_is_loopback_only(
    uvicorn_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    accounts = tmp_path / "accounts"
    accounts.write_text(f"AC{'1' * 32}:secret\nAC{'2' * 32}:{DEFAULT_AUTH_TOKEN}\n", encoding="utf-8")

    with pytest.raises(SystemExit):
        cli.main(["--host", ALL_INTERFACES, "--accounts-file", str(accounts)])

    assert uvicorn_calls == []


def test_explicit_credentials_may_listen_beyond_loopback(uvicorn_calls: list[dict[str, Any]]) -> None:
    os.environ.update({"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "secret"})

    cli.main(["--host", ALL_INTERFACES])

    assert uvicorn_calls[0]["host"] == ALL_INTERFACES
