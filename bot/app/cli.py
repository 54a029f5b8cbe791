"""The `convene` command line."""

import argparse
import csv
import errno
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy.exc import SQLAlchemyError

from bot.app.logging_setup import configure
from bot.core.config import ConfigError, Settings, reveal

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler
    from slack_bolt import App

    from bot.app.server import HttpServer
    from bot.core.runtime import Runtime
    from storage.db import Database

log = logging.getLogger("convene.cli")


class StartupError(Exception):
    """Something outside Convene stops it from starting (Slack refuses the token, the
    database is out of reach, the port is taken): the message says what to do, in one line."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure(args.log_level)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"convene: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"convene: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


class _Parser(argparse.ArgumentParser):
    """A mistyped argument is one line (what is wrong, and where help is), not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a port: give a number from 1 to 65535")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="convene", description="Peer support for communities of practice, on Slack.")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--env-file", default=".env", help="dotenv file to read (default: .env)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="run the bot over Socket Mode (no public URL needed)").set_defaults(
        func=cmd_run
    )

    serve = sub.add_parser(
        "serve",
        help="run the bot in HTTP mode at /slack/events",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    serve.add_argument("--port", type=_port, default=3000, help="TCP port to listen on")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on, 0.0.0.0 for all")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="simulate a whole community locally: no tokens, no network")
    demo.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the chart, agenda, seating plan and export the demo writes "
        "(default: a new ./convene-demo-<date>-<time>)",
    )
    demo.add_argument(
        "--database",
        help="SQLAlchemy URL to keep the demo's data (default: a temporary SQLite file)",
    )
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations to DATABASE_URL").set_defaults(func=cmd_db_upgrade)

    tag = sub.add_parser("tag", help="print the pain points the configured tagger assigns (JSON lines)")
    tag.add_argument("text", nargs="*", help="answers to tag")
    tag.add_argument("--file", help="a CSV with a 'text' column ('-' for standard input)")
    tag.add_argument(
        "--examples",
        metavar="LABELLED.csv",
        help="teach the tagger first: columns 'text' and 'pain_points' (ids separated by ';'); "
        "an id not in the taxonomy becomes a new pain point named after it",
    )
    tag.add_argument(
        "--eval",
        metavar="LABELLED.csv",
        help="print per pain point precision, recall and F1, macro-F1 and exact match per language",
    )
    tag.set_defaults(func=cmd_tag)

    tables = sub.add_parser(
        "tables", help="seat a convening by shared pain point (CSV in, JSON or Markdown out)"
    )
    _add_tables_arguments(tables)
    tables.set_defaults(func=cmd_tables)

    export = sub.add_parser("export", help="CSV files of check-ins, their tags and matches")
    export.add_argument("--since", metavar="YYYY-MM-DD", help="first day to include (UTC)")
    export.add_argument("--until", metavar="YYYY-MM-DD", help="last day to include (UTC)")
    export.add_argument("--team", metavar="TEAM_ID", help="workspace to export (needed if there are several)")
    export.add_argument("--out", metavar="DIR", help="folder to write to (default: ./convene-export-<today>)")
    export.set_defaults(func=cmd_export)
    return parser


def cmd_demo(args: argparse.Namespace) -> int:
    from datetime import datetime

    from standins.demo.run import OutDirError, prepare_out_dir, run_demo

    try:
        out = prepare_out_dir(args.out, datetime.now())
    except OutDirError as exc:
        print(f"convene demo: {exc}", file=sys.stderr)
        return 2
    if out.had_files:
        print(f"Note: {out.path} already has files; the demo replaces those with its own names.")
    logging.getLogger().setLevel(logging.WARNING)  # the story, not the log lines
    run_demo(sys.stdout, out.path, args.database)
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    from bot.app import tag_cli

    if not args.text and not args.file and not args.eval:
        print(
            'convene tag: give a text (convene tag "We have no budget"), --file answers.csv '
            "or --eval labelled.csv",
            file=sys.stderr,
        )
        return 2
    settings = Settings.from_env(args.env_file)
    source = "standard input" if args.file == "-" else args.file
    try:
        return tag_cli.run(settings, args.text, args.file, sys.stdout, args.examples, args.eval)
    except (OSError, tag_cli.TagInputError) as exc:
        print(f"convene tag: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        print(
            f"convene tag: {source} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position "
            f"{exc.start:,}); save it as CSV UTF-8 and try again",
            file=sys.stderr,
        )
        return 2
    except csv.Error as exc:
        # The csv module's limit (131,072 characters a field) is far above any answer.
        print(f"convene tag: {source} could not be read as CSV ({exc}); an answer holds at most "
              f"{csv.field_size_limit():,} characters", file=sys.stderr)  # fmt: skip
        return 2


def _add_tables_arguments(parser: argparse.ArgumentParser) -> None:
    from bot.app.tables_cli import add_arguments

    add_arguments(parser)


def cmd_tables(args: argparse.Namespace) -> int:
    from bot.app import tables_cli
    from bot.convenings import attendees

    try:
        return tables_cli.command(args, sys.stdout)
    except (tables_cli.TablesInputError, attendees.AttendeesError) as exc:
        print(f"convene tables: {exc}", file=sys.stderr)
        return 2


def cmd_export(args: argparse.Namespace) -> int:
    from datetime import date

    from bot.export import service as export

    settings = Settings.from_env(args.env_file)
    try:
        operator = export.operator_name()  # recorded: members see who exported their answers
        return export.run(
            settings, args.since, args.until, args.team, args.out, sys.stdout, date.today(), operator
        )
    except export.ExportError as exc:
        print(f"convene export: {exc}", file=sys.stderr)
        return 2
    except (OSError, export.DatabaseUnreadable) as exc:
        print(f"convene export: {exc}", file=sys.stderr)
        return 1


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from storage import migrate

    settings = Settings.from_env(args.env_file)
    db = open_database(settings.database_url)
    where = db.engine.url.render_as_string(hide_password=True)
    try:
        before, after = migrate.upgrade(db.engine)
    except SQLAlchemyError as exc:
        raise StartupError(f"could not migrate the database at {where}: {_first_line(exc)}") from None
    finally:
        db.dispose()
    if before is None:
        print(f"Created the schema in the database at {where} (revision {after}).")
    elif before != after:
        print(f"Upgraded the database at {where} from revision {before} to {after}.")
    else:
        print(f"The database at {where} is already up to date (revision {after}).")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    # websocket-client's adapter, not Bolt's default built-in one: the built-in client (slack-sdk
    # 3.48) loops on a connection the network dropped without a close frame, spinning a core
    # and taking ~40 s to notice; this one reconnects at once (tests/e2e/test_cli_run.py).
    from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
    from slack_sdk.errors import SlackClientError

    settings = Settings.from_env(args.env_file)
    settings.require("slack_bot_token", "slack_app_token")
    runtime, app = _build(settings)
    handler = SocketModeHandler(app, reveal(settings.slack_app_token))
    scheduler = _start_scheduler(runtime)
    _stop_on_sigterm(lambda: scheduler.shutdown(wait=False), handler.close)
    log.info("Convene is running over Socket Mode")
    try:
        handler.start()  # type: ignore[no-untyped-call]  # slack_bolt leaves it unannotated
    except (SlackClientError, OSError) as exc:
        raise _slack_refused(exc, "SLACK_APP_TOKEN", settings.slack_api_base_url) from None
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env(args.env_file)
    if settings.distributed:
        # Installed through OAuth in any number of workspaces: no bot token of its own.
        settings.require("slack_signing_secret")
    else:
        settings.require("slack_bot_token", "slack_signing_secret")
    runtime, app = _build(settings, distributed=settings.distributed)
    # Listen before the scheduler starts: a port in use stops a process that has sent nothing.
    server = _listen(app, runtime, args.host, args.port)
    scheduler = _start_scheduler(runtime)
    _stop_on_sigterm(lambda: scheduler.shutdown(wait=False), server.stop)
    server.serve_forever()
    return 0


def open_database(url: str) -> "Database":
    """The database behind DATABASE_URL, connected once so that a wrong or unreachable URL
    is one clear line now rather than a traceback later. Passwords are never shown."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from storage.db import Database

    try:
        parsed = make_url(url)
        db = Database.from_url(url)
    except ArgumentError:
        raise StartupError(
            "DATABASE_URL is not a database URL Convene can use; write it like "
            "sqlite:///convene.db or postgresql+psycopg://USER:PASSWORD@HOST:5432/DBNAME",
            exit_code=2,
        ) from None
    except ImportError as exc:
        raise StartupError(
            f"DATABASE_URL needs the Python driver {exc.name or 'for its database'}, which is not installed; "
            "for PostgreSQL write postgresql+psycopg://…",
            exit_code=2,
        ) from None
    where = parsed.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.dispose()
        raise StartupError(f"could not connect to the database at {where}: {_first_line(exc)}") from None
    return db


def _first_line(exc: SQLAlchemyError) -> str:
    """The driver's own words, without SQLAlchemy's wrapping, statement or links."""
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


def _slack_refused(exc: Exception, token_name: str, base_url: str | None) -> StartupError:
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import SLACK_DEFAULT_BASE_URL

    if not isinstance(exc, SlackApiError):
        return StartupError(
            f"could not reach Slack at {base_url or SLACK_DEFAULT_BASE_URL} ({type(exc).__name__}); "
            "check the network, or SLACK_API_BASE_URL if you set it"
        )
    code = str(exc.response.get("error") or exc.response.status_code)
    if code in TOKEN_REFUSED:
        page = (
            "Basic Information > App-Level Tokens"
            if token_name == "SLACK_APP_TOKEN"
            else "OAuth & Permissions"
        )
        return StartupError(
            f"Slack refused {token_name} ({code}): copy the token again from your app's {page} page "
            "(reinstall the app to the workspace if it was revoked)",
            exit_code=2,
        )
    return StartupError(f"Slack answered {code} when Convene checked {token_name}")


TOKEN_REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
    }
)


def _build(settings: Settings, distributed: bool = False) -> tuple["Runtime", "App"]:
    from slack_sdk.errors import SlackClientError

    from bot.app.composition import bootstrap_workspace, build_bolt_app, build_distributed_app, build_runtime
    from bot.slack.client import build_web_client

    db = open_database(settings.database_url)
    if distributed:
        runtime = build_runtime(settings, db=db)
        app = build_distributed_app(runtime)
        log.info("distributed mode: install Convene in a workspace at /slack/install")
        return runtime, app
    client = build_web_client(reveal(settings.slack_bot_token), settings.slack_api_base_url)
    runtime = build_runtime(settings, client=client, db=db)
    try:
        bootstrap_workspace(runtime, client)
    except (SlackClientError, OSError) as exc:
        raise _slack_refused(exc, "SLACK_BOT_TOKEN", settings.slack_api_base_url) from None
    return runtime, build_bolt_app(runtime, client, reveal(settings.slack_signing_secret))


def _listen(app: "App", runtime: "Runtime", host: str, port: int) -> "HttpServer":
    from bot.app.server import HttpServer

    try:
        return HttpServer(app, runtime.db, host=host, port=port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            reason = f"port {port} is already in use"
        elif exc.errno == errno.EACCES:
            reason = f"port {port} needs more privileges than this user has"
        else:
            reason = f"cannot listen on {host}:{port} ({exc.strerror or type(exc).__name__})"
        raise StartupError(f"{reason}; choose another with --port, e.g. convene serve --port 3001") from None


def _start_scheduler(runtime: "Runtime") -> "BackgroundScheduler":
    from bot.app.scheduler import build_scheduler

    scheduler = build_scheduler(runtime, runtime.settings.tick_seconds)
    scheduler.start()
    return scheduler


def _stop_on_sigterm(*stops: Callable[[], object]) -> None:
    def handle(_signum: int, _frame: object) -> None:
        for stop in stops:
            stop()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handle)


if __name__ == "__main__":
    sys.exit(main())
