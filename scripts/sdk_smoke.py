"""Checks the official SDKs against a running gateway (not part of `make test`, which needs no
Python packages). Usage:

    pip install openai anthropic google-genai
    .build/release/deja serve --demo --port 8080 &
    python3 scripts/sdk_smoke.py http://127.0.0.1:8080

The automated and much broader check is `make clients-check` (clients/, scripts/client-check.sh).
"""
import sys

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"

from openai import OpenAI

client = OpenAI(base_url=f"{base}/v1", api_key="unused-by-deja")
reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}])
assert reply.choices[0].message.content, "empty completion"
text = "".join(
    (c.choices[0].delta.content or "")
    for c in client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}], stream=True)
    if c.choices
)
assert text == reply.choices[0].message.content, "stream and JSON answers differ"
for model in ("claude-sonnet-4-5", "gemini-2.5-flash"):
    r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hi"}])
    assert r.choices[0].message.content, model
assert len(client.embeddings.create(model="all-MiniLM-L6-v2", input=["hello"]).data[0].embedding) == 384
print("openai sdk: ok")

import anthropic

a = anthropic.Anthropic(base_url=f"{base}/anthropic", api_key="sk-ant-placeholder")
m = a.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": "Hello"}])
assert m.content[0].text and m.stop_reason
with a.messages.stream(model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": "Hello"}]) as s:
    assert "".join(s.text_stream)
print("anthropic sdk: ok")

from google import genai

g = genai.Client(api_key="AIza-placeholder", http_options={"base_url": f"{base}/gemini"})
assert g.models.generate_content(model="gemini-2.5-flash", contents="Hello").text
assert "".join(c.text or "" for c in g.models.generate_content_stream(model="gemini-2.5-flash", contents="Hello"))
print("google-genai sdk: ok")
