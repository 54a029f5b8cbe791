"""The `convene` command line."""

import argparse
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot.app.logging_setup import configure
from bot.core.config import ConfigError, Settings, reveal

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler
    from slack_bolt import App

    from bot.core.runtime import Runtime

log = logging.getLogger("convene.cli")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure(args.log_level)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"convene: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convene", description="Peer support for communities of practice, on Slack."
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--env-file", default=".env", help="dotenv file to read (default: .env)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="run the bot over Socket Mode (no public URL needed)").set_defaults(
        func=cmd_run
    )

    serve = sub.add_parser("serve", help="run the bot in HTTP mode at /slack/events")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--host", default="0.0.0.0")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="simulate a whole community locally: no tokens, no network")
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
    from standins.demo.run import run_demo

    logging.getLogger().setLevel(logging.WARNING)  # the story, not the log lines
    run_demo(sys.stdout, args.database)
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
    try:
        return tag_cli.run(settings, args.text, args.file, sys.stdout, args.examples, args.eval)
    except (OSError, tag_cli.TagInputError) as exc:
        print(f"convene tag: {exc}", file=sys.stderr)
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
    from storage.db import make_engine

    settings = Settings.from_env(args.env_file)
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    print(f"Database at {engine.url.render_as_string(hide_password=True)} is up to date.")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    # websocket-client's adapter, not Bolt's default built-in one: the built-in client (slack-sdk
    # 3.48) loops on a connection the network dropped without a close frame, spinning a core
    # and taking ~40 s to notice; this one reconnects at once (tests/e2e/test_cli_run.py).
    from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler

    settings = Settings.from_env(args.env_file)
    settings.require("slack_bot_token", "slack_app_token")
    _, app, scheduler = _start(settings)
    handler = SocketModeHandler(app, reveal(settings.slack_app_token))
    _stop_on_sigterm(lambda: scheduler.shutdown(wait=False), handler.close)
    log.info("Convene is running over Socket Mode")
    handler.start()  # type: ignore[no-untyped-call]  # slack_bolt leaves it unannotated
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.app.server import HttpServer

    settings = Settings.from_env(args.env_file)
    if settings.distributed:
        # Installed through OAuth in any number of workspaces: no bot token of its own.
        settings.require("slack_signing_secret")
    else:
        settings.require("slack_bot_token", "slack_signing_secret")
    runtime, app, scheduler = _start(settings, distributed=settings.distributed)
    server = HttpServer(app, runtime.db, host=args.host, port=args.port)
    _stop_on_sigterm(lambda: scheduler.shutdown(wait=False), server.stop)
    server.serve_forever()
    return 0


def _start(settings: Settings, distributed: bool = False) -> tuple["Runtime", "App", "BackgroundScheduler"]:
    from bot.app.composition import bootstrap_workspace, build_bolt_app, build_distributed_app, build_runtime
    from bot.app.scheduler import build_scheduler
    from bot.slack.client import build_web_client

    if distributed:
        runtime = build_runtime(settings)
        app = build_distributed_app(runtime)
        log.info("distributed mode: install Convene in a workspace at /slack/install")
    else:
        client = build_web_client(reveal(settings.slack_bot_token), settings.slack_api_base_url)
        runtime = build_runtime(settings, client=client)
        bootstrap_workspace(runtime, client)
        app = build_bolt_app(runtime, client, reveal(settings.slack_signing_secret))
    scheduler = build_scheduler(runtime, settings.tick_seconds)
    scheduler.start()
    return runtime, app, scheduler


def _stop_on_sigterm(*stops: Callable[[], object]) -> None:
    def handle(_signum: int, _frame: object) -> None:
        for stop in stops:
            stop()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handle)


if __name__ == "__main__":
    sys.exit(main())
