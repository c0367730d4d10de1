"""The official Anthropic Python SDK against Deja's native pass-through, /anthropic/v1/*."""
from __future__ import annotations

import anthropic
import pytest

from conftest import ANTHROPIC_MODEL, API_KEY, BASE_URL, WEATHER_ARGS, WEATHER_TOOL, requires_auth, unique_prompt

TOOL = {
    "name": WEATHER_TOOL["function"]["name"],
    "description": WEATHER_TOOL["function"]["description"],
    "input_schema": WEATHER_TOOL["function"]["parameters"],
}


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def assert_text_message(m, stop_reason: str = "end_turn") -> str:
    assert m.type == "message"
    assert m.role == "assistant"
    assert m.id.startswith("msg_")
    assert m.model == ANTHROPIC_MODEL
    assert m.stop_reason == stop_reason
    assert [b.type for b in m.content] == ["text"]
    assert m.content[0].text.strip()
    assert m.usage.input_tokens > 0 and m.usage.output_tokens > 0
    return m.content[0].text


def test_messages_create(anthropic_client):
    raw = anthropic_client.messages.with_raw_response.create(
        model=ANTHROPIC_MODEL, max_tokens=256, messages=user(unique_prompt("Say hello."))
    )
    assert raw.status_code == 200
    assert raw.headers["x-request-id"], "the gateway's request id"
    assert raw.headers["x-provider"]
    assert raw.headers["request-id"].startswith("req_"), "the provider's request id is relayed"
    m = raw.parse()
    assert_text_message(m)
    assert m._request_id == raw.headers["request-id"]


def test_messages_create_with_system_and_max_tokens(anthropic_client):
    m = anthropic_client.messages.create(
        model=ANTHROPIC_MODEL,
        max_tokens=3,
        system="You are terse.",
        messages=user(unique_prompt("Tell a long story.")),
    )
    assert_text_message(m, stop_reason="max_tokens")
    assert m.usage.output_tokens == 3


def test_messages_stream(anthropic_client):
    prompt = unique_prompt("Describe the sea.")
    with anthropic_client.messages.stream(model=ANTHROPIC_MODEL, max_tokens=256, messages=user(prompt)) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text.strip()
    assert assert_text_message(final) == text
    # the same prompt without streaming gives the same answer (the simulator is deterministic)
    again = anthropic_client.messages.create(model=ANTHROPIC_MODEL, max_tokens=256, messages=user(prompt))
    assert again.content[0].text == text
    assert again.usage.output_tokens == final.usage.output_tokens


def test_messages_raw_event_stream(anthropic_client):
    events = list(
        anthropic_client.messages.create(
            model=ANTHROPIC_MODEL, max_tokens=256, messages=user(unique_prompt("Count to five.")), stream=True
        )
    )
    types = [e.type for e in events]
    assert types[0] == "message_start" and types[-1] == "message_stop"
    assert "content_block_start" in types and "content_block_stop" in types
    assert types.count("message_delta") == 1
    delta = next(e for e in events if e.type == "message_delta")
    assert delta.delta.stop_reason == "end_turn"
    assert delta.usage.output_tokens > 0
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta")
    assert text.strip()


def test_tool_use(anthropic_client):
    m = anthropic_client.messages.create(
        model=ANTHROPIC_MODEL, max_tokens=256, messages=user(unique_prompt("Weather in Paris?")), tools=[TOOL]
    )
    assert m.stop_reason == "tool_use"
    (block,) = [b for b in m.content if b.type == "tool_use"]
    assert block.id.startswith("toolu_")
    assert block.name == "get_weather"
    assert block.input == WEATHER_ARGS

    # the tool result goes back; the answer is text
    follow = anthropic_client.messages.create(
        model=ANTHROPIC_MODEL,
        max_tokens=256,
        tools=[TOOL],
        messages=user("Weather in Paris?")
        + [
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in m.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block.id, "content": "4 C"}]},
        ],
    )
    assert_text_message(follow)


def test_tool_use_stream(anthropic_client):
    with anthropic_client.messages.stream(
        model=ANTHROPIC_MODEL, max_tokens=256, messages=user(unique_prompt("Weather in Rome?")), tools=[TOOL]
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    (block,) = [b for b in final.content if b.type == "tool_use"]
    assert block.name == "get_weather" and block.input == WEATHER_ARGS


async def test_async_messages_create_and_stream():
    client = anthropic.AsyncAnthropic(base_url=f"{BASE_URL}/anthropic", api_key=API_KEY, max_retries=0)
    try:
        prompt = unique_prompt("Describe a forest.")
        m = await client.messages.create(model=ANTHROPIC_MODEL, max_tokens=256, messages=user(prompt))
        text = assert_text_message(m)
        async with client.messages.stream(model=ANTHROPIC_MODEL, max_tokens=256, messages=user(prompt)) as stream:
            streamed = "".join([t async for t in stream.text_stream])
        assert streamed == text
    finally:
        await client.close()


@requires_auth
def test_wrong_key_is_authentication_error():
    client = anthropic.Anthropic(base_url=f"{BASE_URL}/anthropic", api_key="wrong-client-key-000000", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as exc:
        client.messages.create(model=ANTHROPIC_MODEL, max_tokens=16, messages=user("hi"))
    assert exc.value.status_code == 401
    assert exc.value.response.headers["x-request-id"]
