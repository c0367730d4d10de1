"""Upstream failures as the clients see them.

In demo mode the gateway forwards the simulator's fault-injection headers (x-sim-status,
x-sim-fail-times, x-sim-truncate-stream; docs/SIMULATOR.md), so each failure the README promises
to map (README, Endpoints and Reliability) can be produced on demand and checked through the SDK
that has to understand it. These tests use gpt-4o, a model no other test uses, so a circuit they
might open can never answer another test (scripts/client-check.sh also raises failure_threshold).
"""
from __future__ import annotations

import openai
import pytest
from openai import OpenAI

from conftest import ANTHROPIC_MODEL, API_KEY, BASE_URL, GEMINI_MODEL, unique_prompt

FAULT_MODEL = "gpt-4o"


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def test_transient_failure_is_retried_by_the_gateway(openai_client: OpenAI):
    raw = openai_client.chat.completions.with_raw_response.create(
        model=FAULT_MODEL,
        messages=user(unique_prompt("Retry this.")),
        extra_headers={"x-sim-fail-times": "1", "x-sim-status": "503"},
    )
    assert raw.status_code == 200
    reply = raw.parse()
    assert reply.choices[0].message.content
    gw = reply.model_extra["x-gateway"]
    assert gw["attempts"] == 2 and gw["fallback_used"] is False


def test_upstream_500_is_internal_server_error(openai_client: OpenAI):
    with pytest.raises(openai.InternalServerError) as exc:
        openai_client.chat.completions.create(
            model=FAULT_MODEL, messages=user(unique_prompt("Fail this.")), extra_headers={"x-sim-status": "500"}
        )
    e = exc.value
    assert e.status_code == 502
    assert e.type == "upstream_error"
    assert e.response.headers["x-deja-error-class"] == "upstream_error"
    assert e.response.headers["x-request-id"]


def test_upstream_400_is_bad_request_error(openai_client: OpenAI):
    with pytest.raises(openai.BadRequestError) as exc:
        openai_client.chat.completions.create(
            model=FAULT_MODEL, messages=user(unique_prompt("Reject this.")), extra_headers={"x-sim-status": "400"}
        )
    assert exc.value.status_code == 400
    assert exc.value.message


def test_upstream_429_with_long_retry_after_is_rate_limit_error(openai_client: OpenAI):
    with pytest.raises(openai.RateLimitError) as exc:
        openai_client.chat.completions.create(
            model=FAULT_MODEL,
            messages=user(unique_prompt("Limit this.")),
            extra_headers={"x-sim-status": "429", "x-sim-retry-after": "30"},
        )
    assert exc.value.status_code == 429
    assert exc.value.response.headers["retry-after"] == "30", "the upstream Retry-After is relayed"


def test_anthropic_overloaded_is_503(openai_client: OpenAI):
    with pytest.raises(openai.InternalServerError) as exc:
        openai_client.chat.completions.create(
            model=ANTHROPIC_MODEL, messages=user(unique_prompt("Overload this.")), extra_headers={"x-sim-status": "529"}
        )
    assert exc.value.status_code == 503
    assert exc.value.response.headers["x-deja-error-class"] == "upstream_unavailable"


@pytest.mark.parametrize("model", [FAULT_MODEL, ANTHROPIC_MODEL, GEMINI_MODEL])
def test_stream_cut_midway_raises_api_error(openai_client: OpenAI, model: str):
    """A stream that fails after its first bytes ends with an error event the SDK raises."""
    received = []
    with pytest.raises(openai.APIError) as exc:
        for chunk in openai_client.chat.completions.create(
            model=model,
            messages=user(unique_prompt("Cut this stream.")),
            stream=True,
            extra_headers={"x-sim-truncate-stream": "4"},
        ):
            received.append(chunk)
    assert received, "chunks before the cut reach the client"
    assert "interrupted" in exc.value.message
    assert exc.value.type == "upstream_error"


def test_stream_cut_is_not_cached(openai_client: OpenAI):
    messages = user(unique_prompt("Cut and ask again."))
    with pytest.raises(openai.APIError):
        list(
            openai_client.chat.completions.create(
                model=FAULT_MODEL, messages=messages, stream=True, extra_headers={"x-sim-truncate-stream": "3"}
            )
        )
    raw = openai_client.chat.completions.with_raw_response.create(model=FAULT_MODEL, messages=messages)
    assert raw.headers["x-cache"] == "MISS", "a stream that did not end cleanly is never stored"
    assert raw.parse().choices[0].finish_reason == "stop"


def test_langchain_stream_cut_raises():
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(
        model=FAULT_MODEL,
        base_url=f"{BASE_URL}/v1",
        api_key=API_KEY,
        max_retries=0,
        default_headers={"x-sim-truncate-stream": "4"},
    )
    received = []
    with pytest.raises(openai.APIError):
        for chunk in llm.stream(unique_prompt("Cut a LangChain stream.")):
            received.append(chunk)
    assert received


def test_litellm_stream_cut_raises():
    litellm = pytest.importorskip("litellm")
    received = []
    # LiteLLM raises its own exception classes, all derived from openai.APIError
    with pytest.raises(openai.APIError) as exc:
        for chunk in litellm.completion(
            model=f"openai/{FAULT_MODEL}",
            api_base=f"{BASE_URL}/v1",
            api_key=API_KEY,
            num_retries=0,
            messages=user(unique_prompt("Cut a LiteLLM stream.")),
            stream=True,
            extra_headers={"x-sim-truncate-stream": "4"},
        ):
            received.append(chunk)
    assert received
    assert "interrupted" in str(exc.value)
