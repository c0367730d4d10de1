"""LangChain's ChatOpenAI and OpenAIEmbeddings (langchain-openai) against Deja's /v1."""
from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from pydantic import BaseModel, Field, ValidationError

from conftest import API_KEY, BASE_URL, EMBEDDING_DIMS, EMBEDDING_MODEL, OPENAI_MODEL, WEATHER_ARGS, unique_prompt


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"4 C in {city}"


class Weather(BaseModel):
    """The weather asked about."""

    city: str = Field(description="City name")


def chat(**kwargs) -> ChatOpenAI:
    return ChatOpenAI(
        model=OPENAI_MODEL, base_url=f"{BASE_URL}/v1", api_key=API_KEY, max_retries=0, timeout=30, **kwargs
    )


def assert_ai_message(m: AIMessage) -> str:
    assert isinstance(m, AIMessage)
    assert isinstance(m.content, str) and m.content.strip()
    assert m.response_metadata["finish_reason"] == "stop"
    assert m.response_metadata["model_name"] == OPENAI_MODEL
    u = m.usage_metadata
    assert u["input_tokens"] > 0 and u["output_tokens"] > 0
    assert u["total_tokens"] == u["input_tokens"] + u["output_tokens"]
    assert m.id
    return m.content


def test_invoke():
    m = chat().invoke([SystemMessage("Be brief."), HumanMessage(unique_prompt("Say hello."))])
    assert_ai_message(m)


def test_invoke_raw_headers():
    """include_response_headers puts the gateway's headers into response_metadata."""
    m = chat(include_response_headers=True).invoke(unique_prompt("Name a colour."))
    headers = {k.lower(): v for k, v in m.response_metadata["headers"].items()}
    assert headers["x-cache"] == "MISS"
    assert headers["x-request-id"]
    assert headers["x-model"] == OPENAI_MODEL


def test_stream_equals_invoke():
    llm = chat(stream_usage=True)
    prompt = unique_prompt("Describe the sea.")
    whole = llm.invoke(prompt)
    chunks = list(llm.stream(prompt))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    merged = chunks[0]
    for c in chunks[1:]:
        merged = merged + c
    assert merged.content == whole.content
    assert merged.usage_metadata["output_tokens"] == whole.usage_metadata["output_tokens"]
    assert merged.response_metadata.get("finish_reason") == "stop"


async def test_ainvoke_and_astream():
    llm = chat(stream_usage=True)
    prompt = unique_prompt("Describe a forest.")
    whole = await llm.ainvoke(prompt)
    text = assert_ai_message(whole)
    parts = [c.content async for c in llm.astream(prompt)]
    assert "".join(parts) == text


def test_batch():
    replies = chat().batch([unique_prompt("One."), unique_prompt("Two."), unique_prompt("Three.")])
    assert len(replies) == 3
    for r in replies:
        assert_ai_message(r)


def test_bind_tools():
    llm = chat().bind_tools([get_weather])
    prompt = HumanMessage(unique_prompt("Weather in Paris?"))
    m = llm.invoke([prompt])
    assert m.response_metadata["finish_reason"] == "tool_calls"
    (call,) = m.tool_calls
    assert call["name"] == "get_weather"
    assert call["args"] == WEATHER_ARGS
    assert call["id"].startswith("call_")

    # run the tool and send the result back: the answer is text
    result = get_weather.invoke(call)
    assert isinstance(result, ToolMessage)
    final = llm.invoke([prompt, m, result])
    assert not final.tool_calls
    assert_ai_message(final)


def test_bind_tools_stream():
    llm = chat().bind_tools([get_weather])
    merged = None
    for chunk in llm.stream(unique_prompt("Weather in Rome?")):
        merged = chunk if merged is None else merged + chunk
    assert merged.tool_call_chunks, "tool-call fragments arrive as tool_call_chunks"
    (call,) = merged.tool_calls
    assert call["name"] == "get_weather" and call["args"] == WEATHER_ARGS


def test_structured_output_function_calling():
    structured = chat().with_structured_output(Weather, method="function_calling")
    out = structured.invoke(unique_prompt("Weather in Lima?"))
    assert out == Weather(**WEATHER_ARGS)


@pytest.mark.xfail(
    strict=True,
    raises=ValidationError,
    reason="demo simulator gap (not the gateway): for response_format json_schema deja-sim answers "
    "{\"answer\": \"...\"}, not an object of the requested schema, so LangChain's default structured output "
    "(method json_schema) fails validation",
)
def test_structured_output_json_schema():
    out = chat().with_structured_output(Weather).invoke(unique_prompt("Weather in Quito?"))
    assert isinstance(out, Weather) and out.city


def test_openai_embeddings():
    emb = OpenAIEmbeddings(
        model=EMBEDDING_MODEL,
        base_url=f"{BASE_URL}/v1",
        api_key=API_KEY,
        check_embedding_ctx_length=False,  # else it tokenises with tiktoken's (downloaded) OpenAI encodings
        max_retries=0,
    )
    q = emb.embed_query("The cat sits on the mat.")
    docs = emb.embed_documents(["A cat is sitting on a mat.", "Quarterly tax filing deadlines."])
    assert len(q) == EMBEDDING_DIMS and all(len(d) == EMBEDDING_DIMS for d in docs)
    dot = lambda a, b: sum(x * y for x, y in zip(a, b))  # noqa: E731 (unit vectors: dot = cosine)
    assert dot(q, docs[0]) > dot(q, docs[1])
