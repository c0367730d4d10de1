"""LiteLLM's completion / acompletion / embedding against Deja: /v1 as an OpenAI-compatible base,
and the /anthropic and /gemini pass-through with LiteLLM's native provider adapters."""
from __future__ import annotations

import json

import pytest

from conftest import (
    ANTHROPIC_MODEL,
    API_KEY,
    BASE_URL,
    EMBEDDING_DIMS,
    EMBEDDING_MODEL,
    GEMINI_MODEL,
    OPENAI_MODEL,
    WEATHER_ARGS,
    WEATHER_TOOL,
    requires_auth,
    unique_prompt,
)

litellm = pytest.importorskip("litellm")
litellm.telemetry = False
litellm.suppress_debug_info = True

V1 = dict(model=f"openai/{OPENAI_MODEL}", api_base=f"{BASE_URL}/v1", api_key=API_KEY, num_retries=0, timeout=30)


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def assert_completion(r) -> str:
    choice = r.choices[0]
    assert choice.finish_reason == "stop"
    assert isinstance(choice.message.content, str) and choice.message.content.strip()
    assert r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    return choice.message.content


def test_completion_openai_compatible():
    r = litellm.completion(messages=user(unique_prompt("Say hello.")), **V1)
    assert_completion(r)
    # LiteLLM keeps the upstream (here: gateway) headers, prefixed
    headers = r._hidden_params["additional_headers"]
    assert headers["llm_provider-x-cache"] == "MISS"
    assert headers["llm_provider-x-request-id"]
    assert headers["llm_provider-x-model"] == OPENAI_MODEL


def test_completion_cache_hit_visible():
    messages = user(unique_prompt("What is the speed of light?"))
    a = litellm.completion(messages=messages, **V1)
    b = litellm.completion(messages=messages, **V1)
    assert a._hidden_params["additional_headers"]["llm_provider-x-cache"] == "MISS"
    assert b._hidden_params["additional_headers"]["llm_provider-x-cache"] == "HIT-EXACT"
    assert assert_completion(a) == assert_completion(b)


def test_completion_stream_equals_json():
    messages = user(unique_prompt("Describe the sea."))
    whole = litellm.completion(messages=messages, **V1)
    chunks = list(litellm.completion(messages=messages, stream=True, stream_options={"include_usage": True}, **V1))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    usage = chunks[-1].usage
    assert usage.completion_tokens == whole.usage.completion_tokens


async def test_acompletion_and_stream():
    prompt = unique_prompt("Describe a forest.")
    r = await litellm.acompletion(messages=user(prompt), **V1)
    text = assert_completion(r)
    parts = []
    async for chunk in await litellm.acompletion(messages=user(prompt), stream=True, **V1):
        if chunk.choices:
            parts.append(chunk.choices[0].delta.content or "")
    assert "".join(parts) == text


def test_tool_call():
    r = litellm.completion(messages=user(unique_prompt("Weather in Paris?")), tools=[WEATHER_TOOL], **V1)
    assert r.choices[0].finish_reason == "tool_calls"
    (call,) = r.choices[0].message.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == WEATHER_ARGS


def test_embedding():
    r = litellm.embedding(
        model=f"openai/{EMBEDDING_MODEL}", api_base=f"{BASE_URL}/v1", api_key=API_KEY, input=["hello", "world"]
    )
    assert len(r.data) == 2
    assert all(len(d["embedding"]) == EMBEDDING_DIMS for d in r.data)


def test_unknown_model_maps_to_not_found():
    with pytest.raises(litellm.NotFoundError) as exc:
        litellm.completion(messages=user("hi"), **{**V1, "model": "openai/no-such-model-for-client-check"})
    assert exc.value.status_code == 404


def test_bad_request_maps_to_bad_request():
    with pytest.raises(litellm.BadRequestError) as exc:
        litellm.completion(messages=user("hi"), temperature=5, **V1)
    assert exc.value.status_code == 400


@requires_auth
def test_wrong_key_maps_to_authentication_error():
    with pytest.raises(litellm.AuthenticationError) as exc:
        litellm.completion(messages=user("hi"), **{**V1, "api_key": "wrong-client-key-000000"})
    assert exc.value.status_code == 401


def test_anthropic_adapter_on_passthrough():
    kw = dict(model=f"anthropic/{ANTHROPIC_MODEL}", api_base=f"{BASE_URL}/anthropic", api_key=API_KEY, num_retries=0)
    prompt = unique_prompt("Say hi to Claude.")
    text = assert_completion(litellm.completion(messages=user(prompt), max_tokens=256, **kw))
    streamed = "".join(
        c.choices[0].delta.content or ""
        for c in litellm.completion(messages=user(prompt), max_tokens=256, stream=True, **kw)
        if c.choices
    )
    assert streamed == text


def test_gemini_adapter_on_passthrough():
    kw = dict(model=f"gemini/{GEMINI_MODEL}", api_base=f"{BASE_URL}/gemini/v1beta", api_key=API_KEY, num_retries=0)
    prompt = unique_prompt("Say hi to Gemini.")
    text = assert_completion(litellm.completion(messages=user(prompt), **kw))
    streamed = "".join(
        c.choices[0].delta.content or "" for c in litellm.completion(messages=user(prompt), stream=True, **kw) if c.choices
    )
    assert streamed == text
