"""Shared set-up for the client-compatibility tests.

scripts/client-check.sh starts the gateways and sets these variables; to run the tests against a
gateway started by hand, set them yourself (defaults in brackets):

  DEJA_BASE_URL       the main gateway, without /v1                      [http://127.0.0.1:8080]
  DEJA_API_KEY        a valid client key of that gateway                 [unused-by-deja]
  DEJA_AUTH_REQUIRED  1 when that gateway requires client keys (tenants:) [0: auth tests skip]
  DEJA_RL_BASE_URL    a second gateway with a tiny per-address limit     [unset: rate-limit tests skip]
  DEJA_RL_MAX         that gateway's RATE_LIMIT_MAX                      [2]

Every test talks to the gateway through a real client library, never through raw HTTP, except
where a check is about the wire itself (and says so).
"""
from __future__ import annotations

import os
import uuid

import pytest

# LiteLLM fetches its model-price map from the network at import time unless told not to; this
# machine (and CI) has no network beyond the package registries.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# Loopback must never go through a proxy the environment may configure.
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var, ""), "127.0.0.1", "localhost"]))

BASE_URL = os.environ.get("DEJA_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
API_KEY = os.environ.get("DEJA_API_KEY", "unused-by-deja")
AUTH_REQUIRED = os.environ.get("DEJA_AUTH_REQUIRED", "0") == "1"
RL_BASE_URL = os.environ.get("DEJA_RL_BASE_URL", "").rstrip("/")
RL_MAX = int(os.environ.get("DEJA_RL_MAX", "2"))

# The models the demo simulator serves through /v1 (one per provider wire format).
OPENAI_MODEL = "gpt-4o-mini"
ANTHROPIC_MODEL = "claude-sonnet-4-5"
GEMINI_MODEL = "gemini-2.5-flash"
EMBEDDING_MODEL = "all-MiniLM-L6-v2"
EMBEDDING_DIMS = 384

# A tool every client offers the same way; the simulator fills each required string property with
# "sim-<name>" (docs/SIMULATOR.md, "Answers").
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
        },
    },
}
WEATHER_ARGS = {"city": "sim-city"}

# Headers every completion carries (README, Endpoints).
CACHE_STATES = {"MISS", "HIT-EXACT", "HIT-SEMANTIC", "BYPASS"}


def unique_prompt(topic: str) -> str:
    """A prompt no other test (or earlier run against the same gateway) has sent: a cache MISS."""
    return f"{topic} Reference code {uuid.uuid4().hex[:12]}."


@pytest.fixture(scope="session")
def base_url() -> str:
    return BASE_URL


@pytest.fixture(scope="session")
def v1_url() -> str:
    return f"{BASE_URL}/v1"


@pytest.fixture(scope="session")
def api_key() -> str:
    return API_KEY


@pytest.fixture
def openai_client():
    from openai import OpenAI

    client = OpenAI(base_url=f"{BASE_URL}/v1", api_key=API_KEY, max_retries=0, timeout=30)
    yield client
    client.close()


@pytest.fixture
async def async_openai_client():
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=f"{BASE_URL}/v1", api_key=API_KEY, max_retries=0, timeout=30)
    yield client
    await client.close()


@pytest.fixture
def anthropic_client():
    import anthropic

    client = anthropic.Anthropic(base_url=f"{BASE_URL}/anthropic", api_key=API_KEY, max_retries=0, timeout=30)
    yield client
    client.close()


@pytest.fixture
def genai_client():
    from google import genai
    from google.genai import types

    client = genai.Client(
        api_key=API_KEY,
        http_options=types.HttpOptions(base_url=f"{BASE_URL}/gemini", timeout=30_000),
    )
    yield client
    client.close()


requires_auth = pytest.mark.skipif(
    not AUTH_REQUIRED, reason="the gateway under test does not require client keys (DEJA_AUTH_REQUIRED!=1)"
)
requires_ratelimit_gateway = pytest.mark.skipif(
    not RL_BASE_URL, reason="no rate-limited gateway (DEJA_RL_BASE_URL unset)"
)
