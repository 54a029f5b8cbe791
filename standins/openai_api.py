"""A local stand-in for OpenAI's Chat Completions API, for tests and offline demos.

`OpenAIStandIn` serves `POST /v1/chat/completions` (and `GET /v1/models`) on a loopback
port, so the real `openai.OpenAI(base_url=standin.base_url, api_key=...)` client runs
unchanged against it, retries and timeouts included.

It behaves like OpenAI where a caller can tell the difference:

* `Authorization: Bearer <key>` is checked; a missing or wrong key gets a 401 with OpenAI's
  error body (`{"error": {"message", "type", "param", "code"}}`, code `invalid_api_key`).
* Requests are validated: `model`, `messages` (roles, content) and `response_format`; a
  `json_schema` format with `strict: true` must fit Structured Outputs' subset of JSON Schema
  (root object, `additionalProperties: false` and every property required on each object,
  known keywords only), or the request is refused with a 400, as OpenAI does.
* Answers have the `chat.completion` shape: id, object, created, model,
  choices[0].message{role, content, refusal}, finish_reason, usage.

What answers is a pluggable "model": by default `keyword_model`, a deterministic fake that
reads the answers in the user message (a JSON array of {"index", "text"} objects, else the
whole message as one answer) and fills the requested JSON schema, choosing enum values
(pain point ids) by multilingual keyword matching. Tests queue faults that apply, in the
order queued, one per request: `respond_with()` (raw content), `fail_next()` (429/5xx with
OpenAI's bodies and `retry-after`), `delay_next()` (to trigger client timeouts) and
`refuse_next()` (a structured-outputs refusal).

Every request body is recorded in `requests` (without headers, so without the key); no body
is ever logged: they carry members' words.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from standins.loopback import serve_in_thread, shut_down

logger = logging.getLogger(__name__)

DEFAULT_API_KEY = "sk-standin-key"
DEFAULT_MODEL = "gpt-4o-mini"

MESSAGE_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
RESPONSE_FORMAT_TYPES = frozenset({"text", "json_object", "json_schema"})
SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Structured Outputs' documented limits for a strict schema.
MAX_SCHEMA_DEPTH = 10
MAX_SCHEMA_PROPERTIES = 5000
MAX_ENUM_VALUES = 1000

# Keywords a strict schema may use (the rest, e.g. minLength or patternProperties, are refused).
_STRICT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "$ref",
        "$defs",
        "definitions",
        "description",
        "title",
        "default",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    }
)
_SCHEMA_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})

REFUSAL_TEXT = "I'm sorry, but I can't help with that request."

ERROR_MESSAGES = {
    429: (
        "Rate limit reached for requests. Please try again in a moment.",
        "requests",
        "rate_limit_exceeded",
    ),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    502: ("Bad gateway.", "server_error", None),
    503: (
        "That model is currently overloaded with other requests. You can retry your request, "
        "or contact us through our help center at help.openai.com if the error persists.",
        "server_error",
        None,
    ),
}

# The fake model's vocabulary for the seed taxonomy (prompts/en.toml), in en/es/fr. Lower-case
# fragments matched against the lower-cased answer; a pain point this table does not know is
# matched on the words of its slug.
SEED_KEYWORDS: dict[str, tuple[str, ...]] = {
    "time": (
        "time",
        "hours",
        "deadline",
        "busy",
        "workload",
        "after 6pm",
        "overloaded",
        "tiempo",
        "horas",
        "plazo",
        "temps",
        "heures",
        "délai",
        "surcharg",
    ),
    "political_will": (
        "political will",
        "sign-off",
        "sign off",
        "no priority",
        "not a priority",
        "leadership",
        "backing",
        "voluntad política",
        "prioridad",
        "volonté politique",
        "priorité",
        "soutien politique",
    ),
    "funding": (
        "budget",
        "fund",
        "money",
        "financ",
        "cuts",
        "presupuesto",
        "dinero",
        "fondos",
        "recursos",
        "argent",
        "crédits",
    ),
    "staff_turnover": (
        "turnover",
        "left the",
        "leaving",
        "resign",
        "rotat",
        "quit",
        "handover",
        "rotación",
        "renunci",
        "se fue",
        "départ",
        "a quitté",
        "démission",
    ),
    "understanding_open_gov": (
        "understand",
        "what open government",
        "co-creation",
        "communications exercise",
        "don't know what",
        "do not know what",
        "entiend",
        "gobierno abierto",
        "co-creación",
        "comprenn",
        "gouvernement ouvert",
        "co-création",
    ),
    "changing_environment": (
        "election",
        "reshuffle",
        "reorganis",
        "reorganiz",
        "new minister",
        "new government",
        "new law",
        "elecciones",
        "reestructur",
        "nuevo ministro",
        "élection",
        "remaniement",
        "réorganisation",
        "nouveau ministre",
    ),
}

Responder = Callable[[dict[str, Any]], str]

_UNPARSABLE = object()


class _OpenAIError(Exception):
    """An error OpenAI's way: HTTP `status` with body {"error": {message, type, param, code}}."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def _bad_request(message: str, param: str | None, code: str | None = None) -> _OpenAIError:
    return _OpenAIError(400, message, param=param, code=code)


@dataclass
class _Reply:
    status: int
    payload: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Fault:
    """One queued behaviour, applied to the next chat completion request."""

    kind: str  # "fail" | "delay" | "refuse" | "content"
    status: int = 500
    retry_after: float | None = None
    seconds: float = 0.0
    content: str = ""
    finish_reason: str = "stop"


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung client must never keep the process alive
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, standin: OpenAIStandIn) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.standin = standin

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver would print a traceback (with request details) to stderr.
        logger.debug("OpenAI stand-in: connection error suppressed")


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as the openai client (httpx) expects

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        try:
            length = max(0, int(self.headers.get("Content-Length") or 0))
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length else b""
        try:
            reply = self.server.standin._route(self.command, self.path, self.headers, body)
        except Exception:
            logger.exception("OpenAI stand-in failed on %s", urlsplit(self.path).path)
            reply = _Reply(500, _OpenAIError(500, ERROR_MESSAGES[500][0], type="server_error").body())
        data = json.dumps(reply.payload).encode("utf-8")
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            # The client gave up (a timeout) while the stand-in was delaying: as with OpenAI,
            # the answer goes nowhere.
            self.close_connection = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug("%s %s -> %s", self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("OpenAI stand-in HTTP notice suppressed")


class OpenAIStandIn:
    """OpenAI's Chat Completions API on 127.0.0.1, recording every request.

    Use it as a context manager (or start()/stop()) and give the client `base_url` and
    `api_key`. `responder` is the model: a function from the request body to the assistant
    message's content (default: `keyword_model`). Faults queued with respond_with(),
    fail_next(), delay_next() and refuse_next() apply one per request, in order.
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        responder: Responder | None = None,
        models: frozenset[str] | None = None,
    ) -> None:
        self.api_key = api_key
        self.responder: Responder = responder or keyword_model
        # None: any model name is accepted. Otherwise others get OpenAI's 404 model_not_found.
        self.models = models
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self.delaying = 0  # requests held by delay_next() right now: a client that timed out left them
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._requests: list[dict[str, Any]] = []
        self._faults: deque[_Fault] = deque()
        self._tokens = {"prompt_tokens": 0, "completion_tokens": 0}

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> OpenAIStandIn:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(self)
        self._server, self._thread = server, serve_in_thread(server, "openai-standin")
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()  # cuts short any delay_next() sleep
        shut_down(server, thread)
        self._server, self._thread = None, None

    def __enter__(self) -> OpenAIStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The value for openai.OpenAI(base_url=...)."""
        if self._server is None:
            raise RuntimeError("the OpenAI stand-in is not running; call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # ------------------------------------------------------------ what was asked

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request body received (parsed JSON), oldest first; a copy."""
        with self._lock:
            return copy.deepcopy(self._requests)

    @property
    def usage(self) -> dict[str, int]:
        """Tokens of every completion served (as its `usage` said), and their total."""
        with self._lock:
            return {**self._tokens, "total_tokens": sum(self._tokens.values())}

    def reset(self) -> None:
        """Forget recorded requests, counted tokens and queued faults."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._tokens = {"prompt_tokens": 0, "completion_tokens": 0}

    # --------------------------------------------------------------------- faults

    def respond_with(self, content: str, *, times: int = 1, finish_reason: str = "stop") -> None:
        """The next `times` completions carry `content` verbatim (malformed JSON, bad ids...)."""
        self._queue(_Fault("content", content=content, finish_reason=finish_reason), times)

    def fail_next(self, status: int = 500, *, times: int = 1, retry_after: float | None = None) -> None:
        """The next `times` requests fail with `status` (429, 500, 502 or 503) and OpenAI's body;
        `retry_after` (seconds) is sent as `retry-after` (and `retry-after-ms`)."""
        if status not in ERROR_MESSAGES:
            raise ValueError(f"fail_next() supports statuses {sorted(ERROR_MESSAGES)}, not {status}")
        self._queue(_Fault("fail", status=status, retry_after=retry_after), times)

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """The next `times` requests wait `seconds` before answering normally."""
        self._queue(_Fault("delay", seconds=seconds), times)

    def refuse_next(self, *, times: int = 1) -> None:
        """The next `times` completions are refusals: content null, `refusal` set."""
        self._queue(_Fault("refuse"), times)

    def _queue(self, fault: _Fault, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.extend(copy.copy(fault) for _ in range(times))

    # -------------------------------------------------------------------- serving

    def _route(self, method: str, raw_path: str, headers: Any, body: bytes) -> _Reply:
        path = urlsplit(raw_path).path.rstrip("/")
        request_id = "req_" + secrets.token_hex(16)
        try:
            if method == "POST" and path == "/v1/chat/completions":
                reply = self._chat_completions(headers, body)
            elif method == "GET" and path == "/v1/models":
                self._authenticate(headers)
                reply = _Reply(200, self._model_list())
            else:
                raise _OpenAIError(404, f"Invalid URL ({method} {path})")
        except _OpenAIError as error:
            reply = _Reply(error.status, error.body(), error.headers)
        reply.headers.setdefault("x-request-id", request_id)
        return reply

    def _model_list(self) -> dict[str, Any]:
        names = sorted(self.models or {DEFAULT_MODEL})
        return {
            "object": "list",
            "data": [{"id": n, "object": "model", "created": 0, "owned_by": "standin"} for n in names],
        }

    def _authenticate(self, headers: Any) -> None:
        authorization = headers.get("Authorization") or ""
        if not authorization.lower().startswith("bearer ") or not authorization[7:].strip():
            raise _OpenAIError(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        key = authorization[7:].strip()
        if not secrets.compare_digest(key.encode(), self.api_key.encode()):
            shown = f"{key[:3]}{'*' * max(0, len(key) - 7)}{key[-4:]}" if len(key) > 7 else "***"
            raise _OpenAIError(
                401,
                f"Incorrect API key provided: {shown}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )

    def _chat_completions(self, headers: Any, body: bytes) -> _Reply:
        try:
            request: Any = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            request = _UNPARSABLE
        if isinstance(request, dict):
            with self._lock:
                self._requests.append(copy.deepcopy(request))
        self._authenticate(headers)
        if request is _UNPARSABLE:
            raise _bad_request(
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                "using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
                None,
            )
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
        if fault is not None and fault.kind == "fail":
            raise _failure(fault)
        if fault is not None and fault.kind == "delay":
            with self._lock:
                self.delaying += 1
            self._stopping.wait(fault.seconds)
            with self._lock:
                self.delaying -= 1
        if not isinstance(request, dict):
            raise _bad_request("The request body must be a JSON object.", None)
        model = _validate(request, self.models)
        content: str | None
        refusal: str | None = None
        finish_reason = "stop"
        if fault is not None and fault.kind == "refuse":
            content, refusal = None, REFUSAL_TEXT
        elif fault is not None and fault.kind == "content":
            content, finish_reason = fault.content, fault.finish_reason
        else:
            content = self.responder(copy.deepcopy(request))
        prompt_tokens = _estimate_tokens(json.dumps(request.get("messages"), ensure_ascii=False))
        completion_tokens = _estimate_tokens(content or refusal or "")
        with self._lock:
            self._tokens["prompt_tokens"] += prompt_tokens
            self._tokens["completion_tokens"] += completion_tokens
        completion = {
            "id": "chatcmpl-" + secrets.token_hex(12),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": content,
                        "refusal": refusal,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fp_standin",
        }
        return _Reply(200, completion, {"openai-processing-ms": "1"})


def _failure(fault: _Fault) -> _OpenAIError:
    message, kind, code = ERROR_MESSAGES[fault.status]
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        # Whole seconds in the standard header; the client prefers the precise milliseconds.
        headers["retry-after"] = str(max(0, math.ceil(fault.retry_after)))
        headers["retry-after-ms"] = str(max(0, round(fault.retry_after * 1000)))
    return _OpenAIError(fault.status, message, type=kind, code=code, headers=headers)


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


# --------------------------------------------------------------------- validation


def _validate(request: dict[str, Any], models: frozenset[str] | None) -> str:
    """OpenAI's checks on a chat completion request; returns the model name."""
    model = request.get("model")
    if model is None:
        raise _bad_request("Missing required parameter: 'model'.", "model", "missing_required_parameter")
    if not isinstance(model, str) or not model:
        raise _bad_request(f"Invalid type for 'model': expected a string, but got {model!r}.", "model")
    if models is not None and model not in models:
        raise _OpenAIError(
            404,
            f"The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found",
        )
    messages = request.get("messages")
    if messages is None:
        raise _bad_request(
            "Missing required parameter: 'messages'.", "messages", "missing_required_parameter"
        )
    if not isinstance(messages, list) or not messages:
        raise _bad_request(
            "Invalid 'messages': expected an array with minimum length 1.", "messages", "empty_array"
        )
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise _bad_request(f"Invalid type for 'messages[{i}]': expected an object.", f"messages[{i}]")
        role = message.get("role")
        if role not in MESSAGE_ROLES:
            raise _bad_request(
                f"Invalid value: {role!r}. Supported values are: {', '.join(sorted(MESSAGE_ROLES))}.",
                f"messages[{i}].role",
                "invalid_value",
            )
        content = message.get("content")
        if content is None and role != "assistant":
            raise _bad_request(
                f"Missing required parameter: 'messages[{i}].content'.",
                f"messages[{i}].content",
                "missing_required_parameter",
            )
        if content is not None and not isinstance(content, str | list):
            raise _bad_request(
                f"Invalid type for 'messages[{i}].content': expected one of a string or array of objects.",
                f"messages[{i}].content",
                "invalid_type",
            )
    if request.get("stream"):
        raise _bad_request("The OpenAI stand-in does not stream; send stream=false.", "stream")
    _validate_response_format(request.get("response_format"), messages)
    return model


def _validate_response_format(response_format: Any, messages: list[dict[str, Any]]) -> None:
    if response_format is None:
        return
    param = "response_format"
    if not isinstance(response_format, dict):
        raise _bad_request("Invalid type for 'response_format': expected an object.", param, "invalid_type")
    kind = response_format.get("type")
    if kind not in RESPONSE_FORMAT_TYPES:
        raise _bad_request(
            f"Invalid value: {kind!r}. Supported values are: 'text', 'json_object', and 'json_schema'.",
            "response_format.type",
            "invalid_value",
        )
    if kind == "json_object" and "json" not in json.dumps(messages).lower():
        raise _bad_request(
            "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
            "'json_object'.",
            "messages",
        )
    if kind != "json_schema":
        return
    spec = response_format.get("json_schema")
    if not isinstance(spec, dict):
        raise _bad_request(
            "Missing required parameter: 'response_format.json_schema'.",
            "response_format.json_schema",
            "missing_required_parameter",
        )
    name = spec.get("name")
    if not isinstance(name, str) or not SCHEMA_NAME.match(name):
        raise _bad_request(
            f"Invalid 'response_format.json_schema.name': string does not match pattern. Expected a "
            f"string that matches the pattern '{SCHEMA_NAME.pattern}'.",
            "response_format.json_schema.name",
            "invalid_value",
        )
    schema = spec.get("schema")
    if not isinstance(schema, dict):
        raise _bad_request(
            "Invalid type for 'response_format.json_schema.schema': expected an object.",
            "response_format.json_schema.schema",
            "invalid_type",
        )
    if spec.get("strict") is True:
        problem = strict_schema_problem(schema)
        if problem:
            raise _bad_request(f"Invalid schema for response_format '{name}': {problem}", param)


def strict_schema_problem(schema: dict[str, Any]) -> str | None:
    """Why Structured Outputs would refuse `schema` in strict mode, or None if it would not."""
    if schema.get("type") != "object" or "anyOf" in schema:
        return f"schema must be a JSON Schema of 'type: \"object\"', got 'type: {schema.get('type')!r}'."
    counts = {"properties": 0, "enum": 0}
    definitions = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    return _strict_node(schema, (), 1, counts, definitions)


def _strict_node(
    node: Any, where: tuple[str, ...], depth: int, counts: dict[str, int], definitions: dict[str, Any]
) -> str | None:
    context = f"In context={where!r}, "
    if not isinstance(node, dict):
        return context + "schema must be an object."
    if depth > MAX_SCHEMA_DEPTH:
        return context + f"schema exceeds the maximum nesting depth of {MAX_SCHEMA_DEPTH}."
    unknown = sorted(set(node) - _STRICT_KEYWORDS)
    if unknown:
        return context + f"'{unknown[0]}' is not permitted."
    if "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or ref.rsplit("/", 1)[-1] not in definitions:
            return context + f"reference {ref!r} can't be resolved."
        return None  # the definition itself is checked where it is declared
    for key in ("$defs", "definitions"):
        for name, sub in (node.get(key) or {}).items():
            problem = _strict_node(sub, (*where, key, name), depth, counts, definitions)
            if problem:
                return problem
    if "anyOf" in node:
        options = node["anyOf"]
        if not isinstance(options, list) or not options:
            return context + "'anyOf' must be a non-empty array."
        for i, sub in enumerate(options):
            problem = _strict_node(sub, (*where, "anyOf", str(i)), depth, counts, definitions)
            if problem:
                return problem
        return None
    if "enum" in node:
        values = node["enum"]
        if not isinstance(values, list) or not values:
            return context + "'enum' must be a non-empty array."
        counts["enum"] += len(values)
        if counts["enum"] > MAX_ENUM_VALUES:
            return context + f"the schema has more than {MAX_ENUM_VALUES} enum values."
    types = node.get("type")
    type_list = types if isinstance(types, list) else [types]
    if "type" not in node and "enum" not in node and "const" not in node:
        return context + "schema must have a 'type' key."
    if "type" in node and not all(t in _SCHEMA_TYPES for t in type_list):
        return context + f"type {types!r} is not supported."
    if "object" in type_list:
        if node.get("additionalProperties") is not False:
            return context + "'additionalProperties' is required to be supplied and to be false."
        properties = node.get("properties", {})
        if not isinstance(properties, dict):
            return context + "'properties' must be an object."
        required = node.get("required", [])
        missing = [name for name in properties if name not in required]
        if missing or set(required) - set(properties):
            return (
                context + "'required' is required to be supplied and to be an array including every key "
                f"in properties. Missing '{(missing or sorted(set(required) - set(properties)))[0]}'."
            )
        counts["properties"] += len(properties)
        if counts["properties"] > MAX_SCHEMA_PROPERTIES:
            return context + f"the schema has more than {MAX_SCHEMA_PROPERTIES} properties."
        for name, sub in properties.items():
            problem = _strict_node(sub, (*where, "properties", name), depth + 1, counts, definitions)
            if problem:
                return problem
    if "array" in type_list:
        if "items" not in node:
            return context + "array schema missing items."
        problem = _strict_node(node["items"], (*where, "items"), depth + 1, counts, definitions)
        if problem:
            return problem
    return None


# ----------------------------------------------------------------- the fake model


def keyword_model(request: dict[str, Any]) -> str:
    """A deterministic stand-in for a model: content that fits the request's response format.

    With a json_schema format it reads the answers in the user messages and fills the schema:
    an array of objects at the top gets one item per answer; within an answer, an array whose
    items carry an enum gets one item per enum value (pain point id) the answer's words match;
    integers named like "index" get the answer's index; numbers get a confidence (0.9 for two
    or more keyword hits, else 0.7). Without a schema it echoes a short plain-text summary.
    """
    answers = _answers_in(request.get("messages") or [])
    response_format = request.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        definitions = {**schema.get("definitions", {}), **schema.get("$defs", {})}
        filler = _SchemaFiller(answers, definitions)
        return json.dumps(filler.fill(schema, None, None, ""), ensure_ascii=False)
    if response_format.get("type") == "json_object":
        return json.dumps({"answers": [{"index": i, "text_length": len(t)} for i, t in answers]})
    return f"I read {len(answers)} answer(s)."


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def _answers_in(messages: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """(index, text) of the answers in the user messages: the first JSON array of objects with
    a "text" key in the last user message that has one (earlier exchanges are worked examples),
    else each user message as one answer."""
    texts = [_message_text(m) for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    decoder = json.JSONDecoder()
    for text in reversed(texts):
        for match in re.finditer(r"\[", text):
            try:
                value, _ = decoder.raw_decode(text, match.start())
            except ValueError:
                continue
            if (
                isinstance(value, list)
                and value
                and all(isinstance(item, dict) and isinstance(item.get("text"), str) for item in value)
            ):
                return [
                    (item["index"] if isinstance(item.get("index"), int) else i, item["text"])
                    for i, item in enumerate(value)
                ]
    return list(enumerate(texts))


def _keyword_hits(slug: str, text: str) -> int:
    lowered = text.lower()
    keywords = SEED_KEYWORDS.get(slug) or tuple(word for word in slug.lower().split("_") if len(word) > 3)
    return sum(1 for keyword in keywords if keyword in lowered)


class _SchemaFiller:
    def __init__(self, answers: list[tuple[int, str]], definitions: dict[str, Any]) -> None:
        self.answers = answers
        self.definitions = definitions

    def resolve(self, node: Any) -> dict[str, Any]:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 32:
            node = self.definitions.get(str(node["$ref"]).rsplit("/", 1)[-1], {})
            seen += 1
        if isinstance(node, dict) and "anyOf" in node:
            options = [self.resolve(o) for o in node["anyOf"]]
            non_null = [o for o in options if o.get("type") != "null"]
            return (non_null or options or [{}])[0]
        return node if isinstance(node, dict) else {}

    def find_enum(self, node: Any, depth: int = 0) -> list[Any] | None:
        node = self.resolve(node)
        if isinstance(node.get("enum"), list):
            return node["enum"]
        if depth > 4:
            return None
        for sub in (node.get("properties") or {}).values():
            found = self.find_enum(sub, depth + 1)
            if found is not None:
                return found
        return None

    def fill(self, node: Any, answer: tuple[int, str] | None, choice: Any, name: str) -> Any:
        node = self.resolve(node)
        if "const" in node:
            return node["const"]
        types = node.get("type")
        kind = next((t for t in types if t != "null"), "null") if isinstance(types, list) else types
        if "enum" in node:
            if choice is not None and choice in node["enum"]:
                return choice
            return node["enum"][0]
        if kind == "object":
            return {
                key: self.fill(sub, answer, choice, key)
                for key, sub in (node.get("properties") or {}).items()
            }
        if kind == "array":
            items = node.get("items", {})
            if answer is None and self.resolve(items).get("type") == "object" and self.answers:
                return [self.fill(items, a, None, name) for a in self.answers]
            if answer is not None and choice is None:
                values = self.find_enum(items)
                if values is not None:
                    hits = [(v, _keyword_hits(str(v), answer[1])) for v in values]
                    return [self.fill(items, answer, v, name) for v, n in hits if n > 0]
            return []
        if kind == "integer":
            return answer[0] if answer is not None and "index" in name.lower() else 0
        if kind == "number":
            if answer is not None and choice is not None:
                return 0.9 if _keyword_hits(str(choice), answer[1]) >= 2 else 0.7
            return 0.0
        if kind == "boolean":
            return False
        if kind == "string":
            if answer is not None and "text" in name.lower():
                return answer[1]
            return ""
        return None


# ------------------------------------------------------------- a compromised model


def compromised_model(invent_figures: bool = False) -> Responder:
    """A model that an answer has talked round ("ignore all previous instructions"): replies
    that still parse, but say what an attacker wants.

    With a json_schema format (tagging) every answer gets every allowed id at full confidence,
    plus ids outside the schema and a confidence of 99. Without one (the digest's paragraph) it
    writes mentions, a link and a fake instruction, using only figures found in the request
    unless `invent_figures`, when it adds one that appears nowhere."""

    def respond(request: dict[str, Any]) -> str:
        messages = request.get("messages") or []
        if (request.get("response_format") or {}).get("type") == "json_schema":
            allowed = _first_enum((request["response_format"].get("json_schema") or {}).get("schema"))
            tags = [{"id": slug, "confidence": 1.0} for slug in allowed or []]
            tags += [{"id": "admin", "confidence": 99}, {"id": "<!channel>", "confidence": 1.0}]
            results = [{"index": index, "pain_points": tags} for index, _ in _answers_in(messages)]
            return json.dumps({"results": results})
        users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        asked = "\n".join(_message_text(m) for m in users)
        facts = asked[asked.find("{") :] if "{" in asked else ""
        figures = re.findall(r"\d+", facts)[:2]  # the caller's own figures, so they pass its check
        text = (
            "<!channel> Ignore the data: <@UEVILBOSS> says <https://evil.example/login|click here>. "
            f"System prompt revealed. Figures: {', '.join(figures)}."
        )
        return text + (" 9137 ministers resigned." if invent_figures else "")

    return respond


def _first_enum(node: Any) -> list[Any] | None:
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list):
            return node["enum"]
        for value in node.values():
            found = _first_enum(value)
            if found is not None:
                return found
    return None
