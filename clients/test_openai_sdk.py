"""The official OpenAI Python SDK against Deja's /v1 (and the /openai/v1 pass-through)."""
from __future__ import annotations

import asyncio
import json
import math
import uuid

import openai
import pytest
from openai import OpenAI
from openai.types.chat import ChatCompletion

from conftest import (
    ANTHROPIC_MODEL,
    API_KEY,
    BASE_URL,
    CACHE_STATES,
    EMBEDDING_DIMS,
    EMBEDDING_MODEL,
    GEMINI_MODEL,
    OPENAI_MODEL,
    RL_BASE_URL,
    RL_MAX,
    WEATHER_ARGS,
    WEATHER_TOOL,
    requires_auth,
    requires_ratelimit_gateway,
    unique_prompt,
)


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def assert_usage(usage) -> None:
    assert usage is not None, "no usage"
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def assert_text_completion(reply: ChatCompletion, model: str = OPENAI_MODEL) -> str:
    assert isinstance(reply, ChatCompletion)
    assert reply.object == "chat.completion"
    assert reply.id.startswith("chatcmpl-")
    assert reply.model == model
    assert len(reply.choices) == 1
    choice = reply.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert isinstance(choice.message.content, str) and choice.message.content.strip()
    assert_usage(reply.usage)
    return choice.message.content


# --- chat completions, JSON ---------------------------------------------------------------------


def test_chat_json_sync(openai_client: OpenAI):
    reply = openai_client.chat.completions.create(model=OPENAI_MODEL, messages=user(unique_prompt("Say hello.")))
    assert_text_completion(reply)
    # The SDK exposes X-Request-Id as _request_id; the gateway's `x-gateway` object is kept as an extra.
    assert reply._request_id
    gateway = reply.model_extra["x-gateway"]
    assert gateway["cache"] == "MISS" and gateway["cache_hit"] is False
    assert gateway["model"] == OPENAI_MODEL and gateway["provider"]


def test_chat_json_headers(openai_client: OpenAI):
    raw = openai_client.chat.completions.with_raw_response.create(
        model=OPENAI_MODEL, messages=user(unique_prompt("Name a colour."))
    )
    h = raw.headers
    assert raw.status_code == 200
    assert h["x-request-id"]
    assert h["x-response-time"].endswith("ms")
    assert h["x-provider"]
    assert h["x-model"] == OPENAI_MODEL
    assert h["x-cache"] in CACHE_STATES
    assert h["x-cache"] == "MISS"
    assert h["x-cached"] == "false"
    assert h["content-type"].startswith("application/json")
    reply = raw.parse()
    assert_text_completion(reply)
    assert reply._request_id == h["x-request-id"]


def test_client_request_id_is_echoed(openai_client: OpenAI):
    rid = f"client-check-{uuid.uuid4().hex}"
    raw = openai_client.chat.completions.with_raw_response.create(
        model=OPENAI_MODEL, messages=user(unique_prompt("Echo my id.")), extra_headers={"X-Request-Id": rid}
    )
    assert raw.headers["x-request-id"] == rid
    assert raw.parse()._request_id == rid


def test_cache_exact_hit_through_sdk(openai_client: OpenAI):
    messages = user(unique_prompt("What is the boiling point of water at sea level?"))
    first = openai_client.chat.completions.with_raw_response.create(model=OPENAI_MODEL, messages=messages)
    second = openai_client.chat.completions.with_raw_response.create(model=OPENAI_MODEL, messages=messages)
    assert first.headers["x-cache"] == "MISS"
    assert second.headers["x-cache"] == "HIT-EXACT"
    assert second.headers["x-cached"] == "true"
    a, b = first.parse(), second.parse()
    assert a.choices[0].message.content == b.choices[0].message.content
    assert a.id != b.id, "a cache hit must come back with a fresh id"
    assert_text_completion(b)
    gw = b.model_extra["x-gateway"]
    assert gw["cache_hit"] is True and gw["cache"] == "HIT-EXACT" and gw["cost_usd"] == 0


def test_cache_control_no_cache_bypasses_lookup(openai_client: OpenAI):
    messages = user(unique_prompt("List three prime numbers."))
    openai_client.chat.completions.create(model=OPENAI_MODEL, messages=messages)
    raw = openai_client.chat.completions.with_raw_response.create(
        model=OPENAI_MODEL, messages=messages, extra_headers={"Cache-Control": "no-cache"}
    )
    assert raw.headers["x-cache"] != "HIT-EXACT"
    assert raw.headers["x-cached"] == "false"
    assert_text_completion(raw.parse())


def session_system() -> dict:
    """A system prompt of its own: the cache namespace includes it, so earlier runs cannot interfere."""
    return {"role": "system", "content": f"Client check session {uuid.uuid4().hex}."}


def test_cache_semantic_hit_through_sdk(openai_client: OpenAI):
    system = session_system()
    first = openai_client.chat.completions.with_raw_response.create(
        model=OPENAI_MODEL, messages=[system, {"role": "user", "content": "What is a memory leak?"}]
    )
    second = openai_client.chat.completions.with_raw_response.create(
        model=OPENAI_MODEL, messages=[system, {"role": "user", "content": "Can you explain what a memory leak is?"}]
    )
    assert first.headers["x-cache"] == "MISS"
    assert second.headers["x-cache"] == "HIT-SEMANTIC"
    assert 0.95 <= float(second.headers["x-cache-similarity"]) <= 1.0
    a, b = first.parse(), second.parse()
    assert a.choices[0].message.content == b.choices[0].message.content
    assert b.model_extra["x-gateway"]["cache_hit"] is True


def test_cache_near_miss_is_not_served(openai_client: OpenAI):
    system = session_system()
    first = openai_client.chat.completions.create(
        model=OPENAI_MODEL, messages=[system, {"role": "user", "content": "Convert 10 inches to centimeters."}]
    )
    raw = openai_client.chat.completions.with_raw_response.create(
        model=OPENAI_MODEL, messages=[system, {"role": "user", "content": "Convert 10 centimeters to inches."}]
    )
    assert raw.headers["x-cache"] == "MISS"
    assert raw.parse().choices[0].message.content != first.choices[0].message.content


def test_idempotency_key_replays_first_response(openai_client: OpenAI):
    key = {"X-Idempotency-Key": f"client-check-{uuid.uuid4().hex}"}
    messages = user(unique_prompt("Place my order."))
    a = openai_client.chat.completions.with_raw_response.create(model=OPENAI_MODEL, messages=messages, extra_headers=key)
    b = openai_client.chat.completions.with_raw_response.create(model=OPENAI_MODEL, messages=messages, extra_headers=key)
    assert b.headers["x-idempotent-replay"] == "true"
    assert a.parse().id == b.parse().id


def test_n_choices(openai_client: OpenAI):
    reply = openai_client.chat.completions.create(
        model=OPENAI_MODEL, messages=user(unique_prompt("Give two answers.")), n=2
    )
    assert [c.index for c in reply.choices] == [0, 1]
    assert all(c.message.content and c.finish_reason == "stop" for c in reply.choices)


def test_stop_sequence(openai_client: OpenAI):
    prompt = unique_prompt("Say something.")
    full = openai_client.chat.completions.create(model=OPENAI_MODEL, messages=user(prompt))
    words = full.choices[0].message.content.split()
    stop = " " + words[3]
    cut = openai_client.chat.completions.create(model=OPENAI_MODEL, messages=user(prompt), stop=[stop])
    assert cut.choices[0].finish_reason == "stop"
    assert stop not in cut.choices[0].message.content
    assert full.choices[0].message.content.startswith(cut.choices[0].message.content)


def test_max_completion_tokens(openai_client: OpenAI):
    reply = openai_client.chat.completions.create(
        model=OPENAI_MODEL, messages=user(unique_prompt("Tell a long tale.")), max_completion_tokens=4
    )
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens == 4


@pytest.mark.parametrize("model", [OPENAI_MODEL, ANTHROPIC_MODEL, GEMINI_MODEL])
def test_content_parts_with_image(openai_client: OpenAI, model: str):
    png = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
    reply = openai_client.chat.completions.create(
        model=model,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": unique_prompt("Describe this picture.")},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
                ],
            }
        ],
    )
    assert_text_completion(reply, model=model)


def test_optional_parameters_accepted(openai_client: OpenAI):
    """Parameters SDK users commonly set are accepted (not refused as unknown)."""
    reply = openai_client.chat.completions.create(
        model=OPENAI_MODEL,
        messages=user(unique_prompt("Anything.")),
        seed=1,
        user="client-check",
        top_p=0.9,
        presence_penalty=0.1,
        frequency_penalty=0.1,
        logit_bias={"50256": -100},
        metadata={"suite": "client-check"},
        store=False,
        parallel_tool_calls=False,
        tools=[WEATHER_TOOL],
        tool_choice="auto",
    )
    assert reply.choices[0].finish_reason == "tool_calls"


def test_json_schema_response_format(openai_client: OpenAI):
    reply = openai_client.chat.completions.create(
        model=OPENAI_MODEL,
        messages=user(unique_prompt("Reply in JSON.")),
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "w", "schema": {"type": "object", "properties": {"city": {"type": "string"}}}},
        },
    )
    assert isinstance(json.loads(reply.choices[0].message.content), dict)


def test_stream_miss_then_json_hit(openai_client: OpenAI):
    messages = user(unique_prompt("Describe a lake."))
    text, _ = collect_stream(openai_client.chat.completions.create(model=OPENAI_MODEL, messages=messages, stream=True))
    raw = openai_client.chat.completions.with_raw_response.create(model=OPENAI_MODEL, messages=messages)
    assert raw.headers["x-cache"] == "HIT-EXACT", "a stream that ended cleanly is stored"
    assert raw.parse().choices[0].message.content == text


def test_virtual_model_auto(openai_client: OpenAI):
    raw = openai_client.chat.completions.with_raw_response.create(
        model="auto", messages=user(unique_prompt("Prove that the square root of 2 is irrational."))
    )
    assert raw.headers["x-virtual-model"] == "auto"
    assert raw.headers["x-routing-strategy"]
    reply = raw.parse()
    assert reply.model == raw.headers["x-model"], "the body names the model that answered"
    assert reply.choices[0].message.content
    decision = reply.model_extra["x-gateway"]["routing_decision"]
    assert decision["virtual_model"] == "auto" and decision["chosen"]


def test_json_mode(openai_client: OpenAI):
    reply = openai_client.chat.completions.create(
        model=OPENAI_MODEL,
        messages=user(unique_prompt("Reply with a JSON object describing a cat.")),
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(reply.choices[0].message.content), dict)


def test_max_tokens_cuts_answer(openai_client: OpenAI):
    reply = openai_client.chat.completions.create(
        model=OPENAI_MODEL, messages=user(unique_prompt("Tell a long story.")), max_tokens=3
    )
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens == 3
    assert reply.choices[0].message.content


@pytest.mark.parametrize("model", [ANTHROPIC_MODEL, GEMINI_MODEL])
def test_chat_translated_providers(openai_client: OpenAI, model: str):
    """Anthropic and Gemini models behind /v1: answers translated into the OpenAI shape."""
    raw = openai_client.chat.completions.with_raw_response.create(
        model=model, messages=user(unique_prompt("Say hi."))
    )
    assert raw.headers["x-model"] == model
    assert raw.headers["x-provider"]
    assert_text_completion(raw.parse(), model=model)


@pytest.mark.parametrize("model", [ANTHROPIC_MODEL, GEMINI_MODEL])
def test_stream_translated_providers(openai_client: OpenAI, model: str):
    chunks = list(
        openai_client.chat.completions.create(
            model=model,
            messages=user(unique_prompt("Count to three.")),
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    assert_usage(chunks[-1].usage)


# --- chat completions, streaming ----------------------------------------------------------------


def collect_stream(stream) -> tuple[str, list]:
    chunks = list(stream)
    text = "".join((c.choices[0].delta.content or "") for c in chunks if c.choices)
    return text, chunks


def test_stream_text_equals_json_answer(openai_client: OpenAI):
    messages = user(unique_prompt("Describe the sea."))
    reply = openai_client.chat.completions.create(model=OPENAI_MODEL, messages=messages)
    raw = openai_client.chat.completions.with_raw_response.create(
        model=OPENAI_MODEL, messages=messages, stream=True
    )
    assert raw.headers["content-type"].startswith("text/event-stream")
    assert raw.headers["x-cache"] == "HIT-EXACT", "a stream of a cached answer is a replay"
    text, chunks = collect_stream(raw.parse())
    assert text == reply.choices[0].message.content
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]


def test_stream_miss_with_usage_then_replay(openai_client: OpenAI):
    messages = user(unique_prompt("Describe a mountain."))
    kwargs = dict(model=OPENAI_MODEL, messages=messages, stream=True, stream_options={"include_usage": True})
    raw = openai_client.chat.completions.with_raw_response.create(**kwargs)
    assert raw.headers["x-cache"] == "MISS"
    assert raw.headers["x-request-id"]
    text, chunks = collect_stream(raw.parse())
    assert text.strip()
    ids = {c.id for c in chunks}
    assert len(ids) == 1 and ids.pop().startswith("chatcmpl-")
    last = chunks[-1]
    assert last.choices == [], "the usage chunk has no choices"
    assert_usage(last.usage)
    assert last.usage.completion_tokens == len([c for c in chunks if c.choices and c.choices[0].delta.content])

    replay = openai_client.chat.completions.with_raw_response.create(**kwargs)
    assert replay.headers["x-cache"] == "HIT-EXACT"
    text2, chunks2 = collect_stream(replay.parse())
    assert text2 == text
    assert_usage(chunks2[-1].usage)


@pytest.mark.parametrize("model", [OPENAI_MODEL, ANTHROPIC_MODEL, GEMINI_MODEL])
def test_stream_without_include_usage_has_no_usage_chunk(openai_client: OpenAI, model: str):
    """Clients that read chunk.choices[0] unguarded break on a choices-less usage chunk nobody asked for."""
    messages = user(unique_prompt("Describe a meadow."))
    for expected in ("MISS", "HIT-EXACT"):
        raw = openai_client.chat.completions.with_raw_response.create(model=model, messages=messages, stream=True)
        assert raw.headers["x-cache"] == expected
        chunks = list(raw.parse())
        assert chunks and all(c.choices for c in chunks)
        assert all(c.usage is None for c in chunks)
        assert chunks[0].choices[0].delta.role == "assistant"


def test_stream_helper_final_completion(openai_client: OpenAI):
    """The SDK's high-level streaming helper (chat.completions.stream) assembles the final answer."""
    with openai_client.chat.completions.stream(
        model=OPENAI_MODEL, messages=user(unique_prompt("Describe a river.")), stream_options={"include_usage": True}
    ) as stream:
        deltas = [e.delta for e in stream if e.type == "content.delta"]
        final = stream.get_final_completion()
    assert "".join(deltas) == final.choices[0].message.content
    assert final.choices[0].finish_reason == "stop"
    assert_usage(final.usage)


def test_stream_unknown_model_raises_before_streaming(openai_client: OpenAI):
    with pytest.raises(openai.NotFoundError):
        openai_client.chat.completions.create(model="no-such-model-for-client-check", messages=user("hi"), stream=True)


def test_stream_closed_early_then_next_request(openai_client: OpenAI):
    stream = openai_client.chat.completions.create(
        model=OPENAI_MODEL, messages=user(unique_prompt("A long answer to abandon.")), stream=True
    )
    first = next(iter(stream))
    assert first.choices[0].delta.role == "assistant"
    stream.close()
    reply = openai_client.chat.completions.create(model=OPENAI_MODEL, messages=user(unique_prompt("Still there?")))
    assert_text_completion(reply)


def test_with_streaming_response(openai_client: OpenAI):
    with openai_client.chat.completions.with_streaming_response.create(
        model=OPENAI_MODEL, messages=user(unique_prompt("Stream via context manager.")), stream=True
    ) as response:
        assert response.headers["x-cache"] == "MISS"
        assert response.headers["x-request-id"]
        text = "".join(c.choices[0].delta.content or "" for c in response.parse() if c.choices)
    assert text.strip()


# --- async ---------------------------------------------------------------------------------------


async def test_async_chat_json(async_openai_client):
    reply = await async_openai_client.chat.completions.create(
        model=OPENAI_MODEL, messages=user(unique_prompt("Say hello asynchronously."))
    )
    assert_text_completion(reply)


async def test_async_stream_equals_json(async_openai_client):
    messages = user(unique_prompt("Describe a forest."))
    reply = await async_openai_client.chat.completions.create(model=OPENAI_MODEL, messages=messages)
    stream = await async_openai_client.chat.completions.create(
        model=OPENAI_MODEL, messages=messages, stream=True, stream_options={"include_usage": True}
    )
    parts, usage = [], None
    async for chunk in stream:
        if chunk.choices:
            parts.append(chunk.choices[0].delta.content or "")
        if chunk.usage:
            usage = chunk.usage
    assert "".join(parts) == reply.choices[0].message.content
    assert_usage(usage)


async def test_async_concurrent_identical_requests(async_openai_client):
    """Identical requests in flight together (coalesced or cached) all get the same full answer."""
    messages = user(unique_prompt("Describe a desert."))
    replies = await asyncio.gather(
        *(async_openai_client.chat.completions.create(model=OPENAI_MODEL, messages=messages) for _ in range(6))
    )
    contents = {r.choices[0].message.content for r in replies}
    assert len(contents) == 1
    for r in replies:
        assert_text_completion(r)


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
async def test_coalesced_requests_get_their_own_ids(async_openai_client, stream: bool):
    # The simulator holds the upstream answer for 1 s, so all four requests join one in-flight call.
    messages = user(unique_prompt("Describe a glacier."))
    slow = {"x-sim-latency-ms": "1000"}

    async def one() -> tuple[str, set[str]]:
        if not stream:
            r = await async_openai_client.chat.completions.create(
                model=OPENAI_MODEL, messages=messages, extra_headers=slow
            )
            return r.choices[0].message.content, {r.id}
        text, ids = "", set()
        async for chunk in await async_openai_client.chat.completions.create(
            model=OPENAI_MODEL, messages=messages, stream=True, extra_headers=slow
        ):
            ids.add(chunk.id)
            text += (chunk.choices[0].delta.content or "") if chunk.choices else ""
        return text, ids

    results = await asyncio.gather(*(one() for _ in range(4)))
    assert len({text for text, _ in results}) == 1 and results[0][0]
    assert all(len(ids) == 1 for _, ids in results), "one id per response"
    all_ids = [next(iter(ids)) for _, ids in results]
    assert len(set(all_ids)) == len(all_ids), f"every response needs its own id, got {all_ids}"


# --- tools -----------------------------------------------------------------------------------------


def test_tool_call_json(openai_client: OpenAI):
    reply = openai_client.chat.completions.create(
        model=OPENAI_MODEL, messages=user(unique_prompt("What is the weather in Paris?")), tools=[WEATHER_TOOL]
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.type == "function"
    assert call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == WEATHER_ARGS
    assert_usage(reply.usage)


def test_tool_call_stream(openai_client: OpenAI):
    with openai_client.chat.completions.stream(
        model=OPENAI_MODEL, messages=user(unique_prompt("What is the weather in Rome?")), tools=[WEATHER_TOOL]
    ) as stream:
        events = [e.type for e in stream]
        final = stream.get_final_completion()
    assert "tool_calls.function.arguments.done" in events
    choice = final.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == WEATHER_ARGS


def test_tool_result_round_trip(openai_client: OpenAI):
    messages = user(unique_prompt("What is the weather in Oslo?"))
    first = openai_client.chat.completions.create(model=OPENAI_MODEL, messages=messages, tools=[WEATHER_TOOL])
    call = first.choices[0].message.tool_calls[0]
    messages += [
        first.choices[0].message.model_dump(exclude_none=True, exclude={"annotations", "refusal"}),
        {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temperature_c": 4})},
    ]
    second = openai_client.chat.completions.create(model=OPENAI_MODEL, messages=messages, tools=[WEATHER_TOOL])
    assert second.choices[0].message.tool_calls in (None, [])
    assert_text_completion(second)


@pytest.mark.parametrize("model", [ANTHROPIC_MODEL, GEMINI_MODEL])
def test_tool_calls_translated_providers(openai_client: OpenAI, model: str):
    """OpenAI tools in, Anthropic tool_use / Gemini functionCall upstream, OpenAI tool_calls out."""
    messages = user(unique_prompt("What is the weather in Paris?"))
    reply = openai_client.chat.completions.create(model=model, messages=messages, tools=[WEATHER_TOOL])
    assert reply.choices[0].finish_reason == "tool_calls"
    (call,) = reply.choices[0].message.tool_calls
    assert call.id and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == WEATHER_ARGS

    with openai_client.chat.completions.stream(
        model=model, messages=user(unique_prompt("What is the weather in Rome?")), tools=[WEATHER_TOOL]
    ) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].finish_reason == "tool_calls"
    (streamed,) = final.choices[0].message.tool_calls
    assert json.loads(streamed.function.arguments) == WEATHER_ARGS

    # the tool result goes back through the translation; the answer is text
    messages += [
        reply.choices[0].message.model_dump(exclude_none=True, exclude={"annotations", "refusal"}),
        {"role": "tool", "tool_call_id": call.id, "content": "4 C"},
    ]
    after = openai_client.chat.completions.create(model=model, messages=messages, tools=[WEATHER_TOOL])
    assert_text_completion(after, model=model)


def test_cached_tool_call_replays_as_stream(openai_client: OpenAI):
    messages = user(unique_prompt("What is the weather in Bern?"))
    first = openai_client.chat.completions.create(model=OPENAI_MODEL, messages=messages, tools=[WEATHER_TOOL])
    raw = openai_client.chat.completions.with_raw_response.create(
        model=OPENAI_MODEL, messages=messages, tools=[WEATHER_TOOL], stream=True
    )
    assert raw.headers["x-cache"] == "HIT-EXACT"
    chunks = list(raw.parse())
    deltas = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert deltas and deltas[0].function.name == "get_weather"
    args = "".join(d.function.arguments or "" for d in deltas)
    assert json.loads(args) == json.loads(first.choices[0].message.tool_calls[0].function.arguments)
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["tool_calls"]


def test_tool_choice_none_gives_text(openai_client: OpenAI):
    reply = openai_client.chat.completions.create(
        model=OPENAI_MODEL,
        messages=user(unique_prompt("What is the weather in Lima?")),
        tools=[WEATHER_TOOL],
        tool_choice="none",
    )
    assert_text_completion(reply)


# --- embeddings and models ----------------------------------------------------------------------


def cosine(a, b) -> float:
    return sum(x * y for x, y in zip(a, b)) / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_embeddings_default_encoding(openai_client: OpenAI):
    # Without encoding_format the SDK asks for base64 and decodes it itself.
    texts = ["The cat sits on the mat.", "A cat is sitting on a mat.", "Quarterly tax filing deadlines."]
    res = openai_client.embeddings.create(model=EMBEDDING_MODEL, input=texts)
    assert res.object == "list"
    assert res.model == EMBEDDING_MODEL
    assert [d.index for d in res.data] == [0, 1, 2]
    vectors = [d.embedding for d in res.data]
    assert all(len(v) == EMBEDDING_DIMS for v in vectors)
    assert all(abs(math.sqrt(sum(x * x for x in v)) - 1.0) < 1e-3 for v in vectors), "MiniLM vectors are unit norm"
    assert cosine(vectors[0], vectors[1]) > 0.8 > cosine(vectors[0], vectors[2])
    assert res.usage.prompt_tokens > 0 and res.usage.total_tokens == res.usage.prompt_tokens


def test_embeddings_float_matches_base64(openai_client: OpenAI):
    text = "Deja caches answers."
    f = openai_client.embeddings.create(model=EMBEDDING_MODEL, input=text, encoding_format="float").data[0].embedding
    b = openai_client.embeddings.create(model=EMBEDDING_MODEL, input=[text]).data[0].embedding
    assert len(f) == len(b) == EMBEDDING_DIMS
    assert max(abs(x - y) for x, y in zip(f, b)) < 1e-6


def test_embeddings_native_dimensions(openai_client: OpenAI):
    res = openai_client.embeddings.create(model=EMBEDDING_MODEL, input="hi", dimensions=EMBEDDING_DIMS)
    assert len(res.data[0].embedding) == EMBEDDING_DIMS


def test_embeddings_unsupported_dimensions_is_refused(openai_client: OpenAI):
    # all-MiniLM-L6-v2 cannot shorten its vectors: a typed 400 naming the parameter, not a silent 384.
    with pytest.raises(openai.BadRequestError) as exc:
        openai_client.embeddings.create(model=EMBEDDING_MODEL, input="hi", dimensions=128)
    assert exc.value.param == "dimensions"
    assert exc.value.code == "unsupported_dimensions"


def test_embeddings_local_model_refuses_token_arrays(openai_client: OpenAI):
    # The SDK (and LangChain's OpenAIEmbeddings by default) may send tiktoken token ids; the local
    # model cannot read them, and says so as a typed 400 instead of embedding garbage.
    with pytest.raises(openai.BadRequestError) as exc:
        openai_client.embeddings.create(model=EMBEDDING_MODEL, input=[[9906, 1917]])
    assert exc.value.param == "input"


def test_embeddings_provider_model(openai_client: OpenAI):
    """A non-local embedding model goes to its provider (the simulator in demo mode)."""
    res = openai_client.embeddings.create(model="text-embedding-3-small", input=["hello", "world"])
    assert [len(d.embedding) for d in res.data] == [1536, 1536]
    assert res.model == "text-embedding-3-small"


def test_models_list(openai_client: OpenAI):
    ids = [m.id for m in openai_client.models.list()]
    assert OPENAI_MODEL in ids
    assert {"auto", "cheap", "fast", "quality"} <= set(ids)
    assert len(ids) == len(set(ids))
    first = openai_client.models.list().data[0]
    assert first.object == "model" and first.owned_by


def test_models_retrieve(openai_client: OpenAI):
    model = openai_client.models.retrieve(OPENAI_MODEL)
    assert model.id == OPENAI_MODEL and model.object == "model"
    with pytest.raises(openai.NotFoundError):
        openai_client.models.retrieve("no-such-model-for-client-check")


# --- typed errors -----------------------------------------------------------------------------


def test_unknown_model_is_not_found_error(openai_client: OpenAI):
    with pytest.raises(openai.NotFoundError) as exc:
        openai_client.chat.completions.create(model="no-such-model-for-client-check", messages=user("hi"))
    e = exc.value
    assert e.status_code == 404
    assert e.code == "model_not_found"
    assert e.param == "model"
    assert e.type == "invalid_request_error"
    assert e.request_id and e.response.headers["x-request-id"] == e.request_id


@pytest.mark.parametrize(
    "body, param",
    [
        ({"model": OPENAI_MODEL}, "messages"),
        ({"model": OPENAI_MODEL, "messages": []}, "messages"),
        ({"model": OPENAI_MODEL, "messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role"),
        ({"model": OPENAI_MODEL, "messages": [{"role": "user"}]}, "messages[0].content"),
        ({"model": OPENAI_MODEL, "messages": [{"role": "user", "content": "x"}], "max_tokens": -1}, "max_tokens"),
        ({"model": OPENAI_MODEL, "messages": [{"role": "user", "content": "x"}], "stream": "yes"}, "stream"),
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
    ],
    ids=["no-messages", "empty-messages", "unknown-role", "no-content", "negative-max-tokens", "stream-not-bool", "no-model"],
)
def test_invalid_body_is_bad_request_error(openai_client: OpenAI, body: dict, param: str):
    # The SDK's own low-level call, so the body can be invalid on purpose.
    with pytest.raises(openai.BadRequestError) as exc:
        openai_client.post("/chat/completions", body=body, cast_to=ChatCompletion)
    assert exc.value.status_code == 400
    assert exc.value.param == param
    assert exc.value.type == "invalid_request_error"
    assert exc.value.message


def test_temperature_out_of_range_is_bad_request_error(openai_client: OpenAI):
    with pytest.raises(openai.BadRequestError) as exc:
        openai_client.chat.completions.create(model=OPENAI_MODEL, messages=user("hi"), temperature=5)
    assert exc.value.param == "temperature"
    assert exc.value.type == "invalid_request_error"
    assert "temperature" in exc.value.message


def test_unknown_route_is_not_found_error(openai_client: OpenAI):
    with pytest.raises(openai.NotFoundError) as exc:
        openai_client.get("/no-such-route", cast_to=object)
    assert exc.value.status_code == 404


@requires_auth
def test_wrong_key_is_authentication_error():
    client = OpenAI(base_url=f"{BASE_URL}/v1", api_key="wrong-client-key-000000", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as exc:
        client.chat.completions.create(model=OPENAI_MODEL, messages=user("hi"))
    assert exc.value.status_code == 401
    assert exc.value.code == "invalid_api_key"
    assert exc.value.type == "authentication_error"
    assert exc.value.response.headers["x-request-id"]
    # also on the other client routes
    with pytest.raises(openai.AuthenticationError):
        client.embeddings.create(model=EMBEDDING_MODEL, input="hi")
    with pytest.raises(openai.AuthenticationError):
        client.models.list()


@requires_ratelimit_gateway
def test_rate_limit_is_rate_limit_error():
    client = OpenAI(base_url=f"{RL_BASE_URL}/v1", api_key=API_KEY, max_retries=0)
    seen_limit_headers = False
    with pytest.raises(openai.RateLimitError) as exc:
        for _ in range(RL_MAX + 1):
            raw = client.chat.completions.with_raw_response.create(
                model=OPENAI_MODEL, messages=user(unique_prompt("Rate me."))
            )
            assert raw.headers["x-ratelimit-limit"] == str(RL_MAX)
            assert int(raw.headers["x-ratelimit-remaining"]) >= 0
            seen_limit_headers = True
    assert seen_limit_headers
    e = exc.value
    assert e.status_code == 429
    assert e.code == "rate_limit_exceeded"
    assert e.type == "rate_limit_error"
    assert int(e.response.headers["retry-after"]) >= 1
    assert e.response.headers["x-ratelimit-remaining"] == "0"
    assert e.response.headers["x-request-id"]


@requires_ratelimit_gateway
def test_rate_limit_sdk_retry_honours_retry_after():
    """With retries on, the SDK waits the gateway's Retry-After after a 429 and then succeeds."""
    import httpx

    strict = OpenAI(base_url=f"{RL_BASE_URL}/v1", api_key=API_KEY, max_retries=0)
    with pytest.raises(openai.RateLimitError):  # empty the bucket first
        for _ in range(RL_MAX + 1):
            strict.chat.completions.create(model=OPENAI_MODEL, messages=user(unique_prompt("Drain.")))

    statuses: list[int] = []
    http = httpx.Client(event_hooks={"response": [lambda r: statuses.append(r.status_code)]})
    client = OpenAI(base_url=f"{RL_BASE_URL}/v1", api_key=API_KEY, max_retries=4, http_client=http)
    raw = client.chat.completions.with_raw_response.create(
        model=OPENAI_MODEL, messages=user(unique_prompt("Retry me."))
    )
    assert raw.status_code == 200
    assert statuses[0] == 429 and statuses[-1] == 200, statuses
    assert_text_completion(raw.parse())


# --- the native pass-through ---------------------------------------------------------------------


def test_passthrough_openai_chat(api_key):
    client = OpenAI(base_url=f"{BASE_URL}/openai/v1", api_key=api_key, max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model=OPENAI_MODEL, messages=user(unique_prompt("Hi there.")))
    assert raw.headers["x-provider"]
    assert raw.headers["x-request-id"]
    reply = raw.parse()
    assert_text_completion(reply)
    assert "x-gateway" not in (reply.model_extra or {}), "pass-through bodies are untouched"
    text, chunks = collect_stream(
        client.chat.completions.create(model=OPENAI_MODEL, messages=user(unique_prompt("Hi again.")), stream=True)
    )
    assert text.strip()


def test_passthrough_openai_models_and_embeddings(api_key):
    client = OpenAI(base_url=f"{BASE_URL}/openai/v1", api_key=api_key, max_retries=0)
    assert OPENAI_MODEL in [m.id for m in client.models.list()]
    emb = client.embeddings.create(model="text-embedding-3-small", input="hello", encoding_format="float")
    assert len(emb.data[0].embedding) == 1536


def test_passthrough_outside_allow_list_is_permission_denied(api_key):
    client = OpenAI(base_url=f"{BASE_URL}/openai/v1", api_key=api_key, max_retries=0)
    with pytest.raises(openai.PermissionDeniedError) as exc:
        client.files.list()
    assert exc.value.status_code == 403
    assert exc.value.code == "passthrough_endpoint_not_allowed"
