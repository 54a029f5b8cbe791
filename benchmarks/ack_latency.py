"""How fast Convene acknowledges slash commands, against a bare Bolt app that only acks.

Run: python -m benchmarks.ack_latency [--clients 50] [--requests 40] [--database URL]

Three kinds of process, as in production where Slack, the load and the app are different
machines: each app under test runs in a process of its own behind the same waitress server
(`bot.server.HttpServer`) on loopback with the same signing secret; the Slack stand-in (which
receives the replies sent to response_url after the ack) runs in another; the load comes from
this process. Each of `--clients` threads keeps one HTTP connection open and sends
`--requests` signed `/convene` commands, a mix of `help` and `me` from joined members, exactly
as Slack sends them. Latency is from sending the request to reading the HTTP 200 (the ack);
the work after the ack (replying through the response_url) is not timed but runs at the same
time, as it does in production.

`--slack-latency` makes the stand-in take that long per Web API call, as real Slack does.

Printed: the process layout and cores, p50/p99 ack latency and requests per second for each
app, the CPU each process spent per request (the work after the ack included), and
Convene's ratio to the bare app (target: p99 under 100 ms, ratio under 1.5)."""

import argparse
import http.client
import multiprocessing
import os
import secrets
import statistics
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from slack_sdk.signature import SignatureVerifier

from benchmarks.common import fresh_schema

COMMANDS = ("help", "me")
BARE, CONVENE = "bare Bolt (ack only)", "Convene"
# spawn, not fork: a child starts clean (no copied threads or sockets), as a server would.
_SPAWN = multiprocessing.get_context("spawn")


@dataclass
class Result:
    name: str
    latencies: list[float]
    seconds: float
    # CPU seconds each process spent on these requests, the work after the acks included
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.latencies, n=100)[98]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds


@dataclass(frozen=True)
class Slack:
    """What the load generator and the apps know of the stand-in process."""

    base_url: str
    bot_token: str
    team_id: str


# ------------------------------------------------------------------ child processes


def run_standin(conn: Connection, users: list[str], latency: float) -> None:
    """The Slack stand-in's process: serves the Web API and response_urls until told to stop."""
    from standins.slack_api import SlackStandIn

    api = SlackStandIn(latency=latency).start()
    for user in users:
        api.add_user(user, name=user.lower(), real_name=user, tz="America/Bogota")
    conn.send(Slack(api.base_url, api.bot_token, api.team_id))
    while True:
        match conn.recv():
            case ("prepare", int(count)):  # what Slack puts in each command it sends
                conn.send([(api.response_url(), api.new_trigger_id()) for _ in range(count)])
            case ("responses",):
                conn.send(len(api.responses()))
            case ("calls", str(method)):
                conn.send(len(api.calls_to(method)))
            case ("cpu",):
                conn.send(time.process_time())
            case _:
                api.stop()
                conn.send("stopped")
                return


def run_app(
    conn: Connection, kind: str, database_url: str, slack: Slack, secret: str, users: list[str]
) -> None:
    """An app under test in its own process, built as `convene serve` builds it."""
    from slack_bolt import Ack, App

    from bot.app.composition import bootstrap_workspace, build_bolt_app, build_runtime
    from bot.app.server import HttpServer
    from bot.core.config import Settings
    from bot.members import service as members
    from bot.slack.client import build_web_client
    from bot.slack.directory import SlackProfile
    from storage.db import Database
    from storage.models import Workspace

    client = build_web_client(slack.bot_token, slack.base_url)
    db = Database.from_url(database_url)
    if kind == CONVENE:
        settings = Settings(
            slack_bot_token=slack.bot_token,
            slack_signing_secret=secret,
            slack_api_base_url=slack.base_url,
            database_url=database_url,
        )
        runtime = build_runtime(settings, client=client, db=db)
        bootstrap_workspace(runtime, client)
        now = runtime.clock.now()
        with db.session() as session:
            ws = session.get(Workspace, slack.team_id)
            assert ws is not None
            for user in users:
                profile = SlackProfile(user, user.lower(), user, "America/Bogota", "es-LA")
                members.join(session, ws, profile, now)
        app = build_bolt_app(runtime, client, secret)
    else:
        app = App(client=client, signing_secret=secret)

        @app.command("/convene")
        def only_ack(ack: Ack) -> None:
            ack()

    server = HttpServer(app, db, host="127.0.0.1", port=0).start()
    conn.send(server.port)
    while conn.recv() == ("cpu",):
        conn.send(time.process_time())
    # anything else: stop
    app.listener_runner.listener_executor.shutdown(wait=True)
    server.stop()
    db.dispose()
    conn.send("stopped")


class Child:
    """A spawned process and the pipe to talk to it."""

    def __init__(self, target: Any, *args: Any) -> None:
        self.conn, theirs = _SPAWN.Pipe()
        self.process = _SPAWN.Process(target=target, args=(theirs, *args), daemon=True)
        self.process.start()

    def ask(self, *message: Any, timeout: float = 120) -> Any:
        if message:
            self.conn.send(message)
        if not self.conn.poll(timeout):
            raise TimeoutError(f"{self.process.name} did not answer {message}")
        return self.conn.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self.ask("stop", timeout=30)
            finally:
                self.process.join(timeout=10)


# -------------------------------------------------------------------- load generator


def _command(slack: Slack, secret: str, user: str, text: str, urls: tuple[str, str]) -> tuple[bytes, dict]:
    response_url, trigger_id = urls
    body = urllib.parse.urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": slack.team_id,
            "team_domain": "standin",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/convene",
            "text": text,
            "api_app_id": "A0CONVENE",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    ).encode()
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body),
    }
    return body, headers


def hammer(
    standin: Child, slack: Slack, secret: str, port: int, users: list[str], requests: int, name: str
) -> Result:
    """Every client sends its requests back to back on one keep-alive connection."""
    urls = iter(standin.ask("prepare", len(users) * requests))
    prepared = [
        [_command(slack, secret, user, COMMANDS[(offset + i) % 2], next(urls)) for i in range(requests)]
        for offset, user in enumerate(users)
    ]
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(users) + 1)

    def client(mine_to_send: list[tuple[bytes, dict]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        start.wait()
        for body, headers in mine_to_send:
            sent = time.perf_counter()
            connection.request("POST", "/slack/events", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - sent)
            if response.status != 200:
                with lock:
                    failures.append(f"HTTP {response.status}")
                break
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(batch,)) for batch in prepared]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{name}: {failures[0]} ({len(failures)} clients failed)")
    return Result(name, latencies, time.perf_counter() - began)


def measure(url: str, clients: int, requests: int, slack_latency: float) -> None:
    users = [f"UACK{i:05d}" for i in range(clients)]
    secret = secrets.token_hex(16)
    standin = Child(run_standin, users, slack_latency)
    apps: dict[str, Child] = {}
    try:
        slack: Slack = standin.ask()
        # Convene first: it migrates the schema; the bare app never touches the database.
        for kind in (CONVENE, BARE):
            apps[kind] = Child(run_app, kind, url, slack, secret, users)
        ports = {kind: child.ask(timeout=300) for kind, child in apps.items()}
        for kind in (BARE, CONVENE):  # warm up: pools, imports, first queries
            hammer(standin, slack, secret, ports[kind], users[:5], 4, "warm-up")
        _drain(standin)
        auth_tests = standin.ask("calls", "auth.test")
        results = []
        for _ in range(2):  # alternate, so neither gets the quieter machine
            for kind in (BARE, CONVENE):
                before = _cpu(apps[kind], standin)
                result = hammer(standin, slack, secret, ports[kind], users, requests, kind)
                _drain(standin)
                result.cpu = {role: spent - before[role] for role, spent in _cpu(apps[kind], standin).items()}
                results.append(result)
        during_run = standin.ask("calls", "auth.test") - auth_tests
    finally:
        for child in apps.values():
            child.stop()
        standin.stop()
    _report(url, clients, requests, slack_latency, results, during_run)


def _cpu(app: Child, standin: Child) -> dict[str, float]:
    return {"app": app.ask("cpu"), "Slack stand-in": standin.ask("cpu"), "clients": time.process_time()}


def _drain(standin: Child) -> None:
    """Wait for Convene's after-ack replies to stop, so they don't slow the next measurement."""
    seen = -1
    while (now := standin.ask("responses")) != seen:
        seen = now
        time.sleep(0.5)


def _report(
    url: str, clients: int, requests: int, slack_latency: float, results: list[Result], auth_tests: int
) -> None:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"slash-command ack latency, {clients} concurrent clients x {requests} requests, "
        f"{url.split(':')[0]}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(
        f"  processes: each app in its own (waitress, 8 threads), the Slack stand-in in another, "
        f"{clients} client threads in this one; all share {usable} of {os.cpu_count()} cores on loopback"
    )
    print(
        f"  Slack stand-in's Web API round trip: {slack_latency * 1000:.0f} ms (response_url replies: none)"
    )
    merged: dict[str, Result] = {}
    for r in results:
        m = merged.setdefault(r.name, Result(r.name, [], 0.0))
        m.latencies.extend(r.latencies)
        m.seconds += r.seconds
        for role, spent in r.cpu.items():
            m.cpu[role] = m.cpu.get(role, 0.0) + spent
    for r in merged.values():
        print(
            f"  {r.name:22} p50 {r.p50 * 1000:6.1f} ms  p99 {r.p99 * 1000:6.1f} ms  "
            f"{r.throughput:6.0f} requests/s  ({len(r.latencies)} requests)"
        )
        spent = ", ".join(f"{role} {s * 1000 / len(r.latencies):.2f}" for role, s in r.cpu.items())
        print(f"  {'':22} CPU ms per request: {spent}")
    bare, convene = merged[BARE], merged[CONVENE]
    print(
        f"  Convene / bare: p50 x{convene.p50 / bare.p50:.2f}, p99 x{convene.p99 / bare.p99:.2f}, "
        f"throughput x{convene.throughput / bare.throughput:.2f}"
    )
    print(f"  auth.test calls to Slack while measuring: {auth_tests}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="per client")
    parser.add_argument("--database", help="a PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument(
        "--slack-latency", type=float, default=0.0, help="seconds the stand-in takes per Web API call"
    )
    args = parser.parse_args()
    if args.database:
        with fresh_schema(args.database) as url:
            measure(url, args.clients, args.requests, args.slack_latency)
        return
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{Path(tmp) / 'ack.db'}", args.clients, args.requests, args.slack_latency)


if __name__ == "__main__":
    main()
