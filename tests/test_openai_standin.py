"""Specification of the OpenAI stand-in, exercised through the real openai client: each test
states one behaviour of OpenAI's Chat Completions API that the stand-in reproduces."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from standins.openai_api import OpenAIStandIn, keyword_model, strict_schema_problem

KEY = "sk-standin-test-key-42"

SCHEMA = {
    "type": "object",
    "properties": {
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "pain_points": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string", "enum": ["time", "funding", "procurement_rules"]},
                                "confidence": {"type": "number"},
                            },
                            "required": ["id", "confidence"],
                            "additionalProperties": False,
                        },
                    },
                },
                "required": ["index", "pain_points"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["results"],
    "additionalProperties": False,
}

ANSWERS = [
    {"index": 0, "text": "No budget and no time: the deadline is Friday."},
    {"index": 1, "text": "Las reglas de procurement bloquean el piloto."},
    {"index": 2, "text": "All good this week."},
]


def structured(schema: dict[str, Any] = SCHEMA, strict: bool = True) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "tags", "strict": strict, "schema": schema}}


def messages() -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "Tag the answers."},
        {"role": "user", "content": "Answers:\n" + json.dumps(ANSWERS)},
    ]


@pytest.fixture
def standin() -> Iterator[OpenAIStandIn]:
    with OpenAIStandIn(api_key=KEY) as server:
        yield server


@pytest.fixture
def client(standin: OpenAIStandIn) -> openai.OpenAI:
    return openai.OpenAI(base_url=standin.base_url, api_key=KEY, max_retries=0, timeout=5)


def create(client: openai.OpenAI, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": messages(),
        "response_format": structured(),
    }
    arguments.update(overrides)
    return client.chat.completions.create(**arguments)


def test_base_url_is_a_loopback_v1_url(standin) -> None:
    assert standin.base_url.startswith("http://127.0.0.1:") and standin.base_url.endswith("/v1")


def test_a_completion_has_openais_shape_and_fits_the_schema(client, standin) -> None:
    completion = create(client)

    assert completion.id.startswith("chatcmpl-")
    assert completion.object == "chat.completion"
    assert completion.created > 0 and completion.model == "gpt-4o-mini"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant" and choice.message.refusal is None
    assert (
        completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    results = json.loads(choice.message.content)["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert sorted(t["id"] for t in results[0]["pain_points"]) == ["funding", "time"]
    assert [t["id"] for t in results[1]["pain_points"]] == ["procurement_rules"]  # slug words
    assert results[2]["pain_points"] == []
    assert all(0 <= t["confidence"] <= 1 for r in results for t in r["pain_points"])


def test_the_default_model_is_deterministic(client) -> None:
    assert create(client).choices[0].message.content == create(client).choices[0].message.content


def test_every_request_body_is_recorded_without_the_key(client, standin) -> None:
    create(client)
    create(client, model="gpt-4o")

    recorded = standin.requests
    assert [r["model"] for r in recorded] == ["gpt-4o-mini", "gpt-4o"]
    assert recorded[0]["messages"] == messages()
    assert KEY not in json.dumps(recorded)


def test_concurrent_requests_are_all_recorded(client, standin) -> None:
    threads = [threading.Thread(target=create, args=(client,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(standin.requests) == 8


def test_a_wrong_key_gets_openais_401(standin) -> None:
    wrong = openai.OpenAI(base_url=standin.base_url, api_key="sk-wrong-key-9999", max_retries=2)

    with pytest.raises(openai.AuthenticationError) as caught:
        create(wrong)

    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key" and caught.value.type == "invalid_request_error"
    assert "sk-wrong-key-9999" not in str(caught.value)  # OpenAI masks the key it quotes
    assert len(standin.requests) == 1  # a 401 is not retried


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"model": ""}, "model"),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "wizard", "content": "hi"}]}, "messages[0].role"),
        ({"response_format": {"type": "xml"}}, "response_format.type"),
        (
            {"response_format": {"type": "json_schema", "json_schema": {"name": "bad name!", "schema": {}}}},
            "response_format.json_schema.name",
        ),
        (
            {"response_format": {"type": "json_object"}, "messages": [{"role": "user", "content": "hi"}]},
            "messages",
        ),
    ],
)
def test_invalid_requests_get_a_400_naming_the_parameter(client, overrides, param) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        create(client, **overrides)

    assert caught.value.status_code == 400
    assert caught.value.param == param


def test_a_strict_schema_outside_the_supported_subset_is_refused(client) -> None:
    loose = {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}

    with pytest.raises(openai.BadRequestError) as caught:
        create(client, response_format=structured(loose))

    assert "additionalProperties" in str(caught.value)
    create(client, response_format=structured(loose, strict=False))  # not strict: accepted


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"type": "array", "items": {"type": "string"}}, "type"),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string"}},
                "required": [],
                "additionalProperties": False,
            },
            "required",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string", "minLength": 2}},
                "required": ["a"],
                "additionalProperties": False,
            },
            "minLength",
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string", "enum": []}},
                "required": ["a"],
                "additionalProperties": False,
            },
            "enum",
        ),
    ],
)
def test_strict_schema_rules(schema, problem) -> None:
    assert problem in (strict_schema_problem(schema) or "")
    assert strict_schema_problem(SCHEMA) is None


def test_fail_next_answers_with_openais_error_and_retry_after(client, standin) -> None:
    standin.fail_next(429, retry_after=7)

    with pytest.raises(openai.RateLimitError) as caught:
        create(client)

    assert caught.value.code == "rate_limit_exceeded"
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.response.headers["retry-after-ms"] == "7000"
    assert create(client).choices[0].message.content  # one failure only


@pytest.mark.parametrize("status", [500, 503])
def test_fail_next_server_errors(client, standin, status) -> None:
    standin.fail_next(status, times=2)

    for _ in range(2):
        with pytest.raises(openai.InternalServerError) as caught:
            create(client)
        assert caught.value.status_code == status and caught.value.type == "server_error"
    create(client)


def test_the_client_retries_through_queued_failures(standin) -> None:
    patient = openai.OpenAI(base_url=standin.base_url, api_key=KEY, max_retries=2)
    standin.fail_next(503, times=2, retry_after=0.01)

    assert create(patient).choices[0].finish_reason == "stop"
    assert len(standin.requests) == 3


def test_delay_next_makes_the_client_time_out(standin) -> None:
    hasty = openai.OpenAI(base_url=standin.base_url, api_key=KEY, max_retries=0, timeout=0.2)
    standin.delay_next(2.0)

    with pytest.raises(openai.APITimeoutError):
        create(hasty)
    assert create(hasty).choices[0].message.content  # the next request is answered at once


def test_respond_with_returns_the_content_verbatim(client, standin) -> None:
    standin.respond_with("{not json", finish_reason="length")

    choice = create(client).choices[0]

    assert choice.message.content == "{not json" and choice.finish_reason == "length"


def test_refuse_next_answers_with_a_refusal(client, standin) -> None:
    standin.refuse_next()

    message = create(client).choices[0].message

    assert message.content is None and message.refusal


def test_faults_apply_in_the_order_they_were_queued(client, standin) -> None:
    standin.respond_with("first")
    standin.refuse_next()
    standin.respond_with("third")

    assert create(client).choices[0].message.content == "first"
    assert create(client).choices[0].message.refusal
    assert create(client).choices[0].message.content == "third"


def test_the_model_is_pluggable() -> None:
    with OpenAIStandIn(api_key=KEY, responder=lambda request: f"{len(request['messages'])} messages") as s:
        client = openai.OpenAI(base_url=s.base_url, api_key=KEY, max_retries=0)
        assert create(client, response_format=None).choices[0].message.content == "2 messages"


def test_unknown_paths_are_404s(client) -> None:
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="text-embedding-3-small", input="hi")


def test_keyword_model_reads_a_whole_message_as_one_answer_without_a_json_array() -> None:
    request = {
        "messages": [{"role": "user", "content": "Sin presupuesto para las consultas."}],
        "response_format": structured(),
    }

    results = json.loads(keyword_model(request))["results"]

    assert results == [{"index": 0, "pain_points": [{"id": "funding", "confidence": 0.7}]}]
