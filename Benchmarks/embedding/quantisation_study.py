#!/usr/bin/env python3
"""How far all-MiniLM-L6-v2's embeddings move under each way of quantising its projections.

Usage: python3 Benchmarks/embedding/quantisation_study.py [MODEL_DIR]   (numpy and scipy only)

A float64/float32 numpy forward pass of the model (checked against the fixture embeddings),
with the four projections of every layer replaced by simulated quantised products, on the 64
texts of Tests/Fixtures/minilm-reference.json. Prints, per scheme, the cosine of each text's
embedding to the unquantised one (min, p1, median): the same measure `deja bench embed` reports
for the shipped kernels, so the first line should match its int8 figures. Weights are always
int8 per output channel (as packed by CEncoderKernels); activations are quantised per row:

- q14: symmetric, 8,191 levels (what the kernels ship: `vpmaddwd` / `vpdpwssd` on 16-bit lanes);
- q8: symmetric, 127 levels (8-bit activations as `vpdpbusd` would need);
- u8: asymmetric, 255 levels with a zero point per row (`vpdpbusd` multiplies unsigned bytes);
- smoothed: per input channel, activations divided and weight rows multiplied by
  s = max|A|^alpha / max|W|^(1 - alpha) (SmoothQuant), with max|A| calibrated on one half of the
  texts and the cosines measured on the other half (both ways), so the figure is held out.
"""
import json
import os
import struct
import sys

import numpy as np
from scipy.special import erf

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MODEL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".models", "all-MiniLM-L6-v2")
FIXTURE = json.load(open(os.path.join(ROOT, "Tests", "Fixtures", "minilm-reference.json")))
CASES = [(np.array(c["token_ids"]), np.array(c["embedding"], dtype=np.float32)) for c in FIXTURE["cases"]]
LAYERS, HEADS, HEAD = 6, 12, 32
PROJECTIONS = ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
               "intermediate.dense", "output.dense"]


def load_weights():
    raw = open(os.path.join(MODEL, "model.safetensors"), "rb").read()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    types = {"F32": np.float32, "I64": np.int64}
    weights = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        data = np.frombuffer(raw[8 + size + start:8 + size + end], dtype=types[entry["dtype"]])
        weights[name.replace("bert.", "")] = data.reshape(entry["shape"])
    return weights


W = load_weights()


def layer_norm(x, gamma, beta):
    mean = x.mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + 1e-12) * gamma + beta


def quantise_weights(w):
    """int8 per output channel; `w` is [out, in] as stored."""
    scale = np.abs(w).max(1, keepdims=True) / 127
    scale[scale == 0] = 1
    return np.clip(np.rint(w / scale), -127, 127) * scale


def quantise_rows(x, scheme):
    if scheme == "u8":
        low, high = x.min(1, keepdims=True), x.max(1, keepdims=True)
        scale = (high - low) / 255
        scale[scale == 0] = 1
        zero = np.rint(-low / scale)
        return (np.clip(np.rint(x / scale) + zero, 0, 255) - zero) * scale
    levels = {"q14": 8191, "q8": 127}[scheme]
    scale = np.abs(x).max(1, keepdims=True) / levels
    scale[scale == 0] = 1
    return np.rint(x / scale) * scale


def linear(scheme, smoothing=None):
    def apply(x, name):
        w, b = W[name + ".weight"], W[name + ".bias"]
        if scheme is None:
            return x @ w.T + b
        if smoothing is not None:
            x, w = x / smoothing[name], w * smoothing[name]
        return quantise_rows(x, scheme) @ quantise_weights(w).T + b
    return apply


def forward(ids, project, maxima=None):
    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:len(ids)]
    x = layer_norm(x + W["embeddings.token_type_embeddings.weight"][0], W["embeddings.LayerNorm.weight"],
                   W["embeddings.LayerNorm.bias"])
    tokens = len(ids)
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."

        def run(inputs, name):
            if maxima is not None:
                maxima[p + name] = np.maximum(maxima.get(p + name, 0), np.abs(inputs).max(0))
            return project(inputs, p + name)

        q, k, v = (run(x, name).reshape(tokens, HEADS, HEAD).transpose(1, 0, 2) for name in PROJECTIONS[:3])
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(HEAD)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = ((scores / scores.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(tokens, HEADS * HEAD)
        x = layer_norm(run(context, PROJECTIONS[3]) + x, W[p + "attention.output.LayerNorm.weight"],
                       W[p + "attention.output.LayerNorm.bias"])
        hidden = run(x, PROJECTIONS[4])
        hidden = 0.5 * hidden * (1 + erf(hidden / np.sqrt(2)))
        x = layer_norm(run(hidden, PROJECTIONS[5]) + x, W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"])
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def smoothing_for(calibration, alpha):
    """Per input channel factors; query, key and value share theirs, as the encoder runs them as
    one fused 384 × 1152 product on one quantised input."""
    maxima = {}
    for i in calibration:
        forward(CASES[i][0], linear(None), maxima)
    factors = {}
    for name, a in maxima.items():
        layer, projection = name.split("encoder.layer.")[1].split(".", 1)
        group = PROJECTIONS[:3] if projection in PROJECTIONS[:3] else [projection]
        w = np.max([np.abs(W[f"encoder.layer.{layer}.{x}.weight"]).max(0) for x in group], axis=0)
        factors[name] = np.maximum(a, 1e-5) ** alpha / np.maximum(w, 1e-5) ** (1 - alpha)
    return factors


def main():
    reference = [forward(ids, linear(None)) for ids, _ in CASES]
    drift = min(float(e @ f / np.linalg.norm(f)) for e, (_, f) in zip(reference, CASES))
    print(f"numpy fp32 against the fixture embeddings: min cosine {drift:.6f}")

    def report(label, project, indices):
        cosines = np.array([float(forward(CASES[i][0], project) @ reference[i]) for i in indices])
        print(f"{label:44s} min {cosines.min():.5f}  p1 {np.percentile(cosines, 1):.5f}  "
              f"median {np.median(cosines):.5f}  ({len(indices)} texts)")

    everything = list(range(len(CASES)))
    for scheme in ("q14", "q8", "u8"):
        report(f"{scheme}, per row", linear(scheme), everything)
    halves = (everything[0::2], everything[1::2])
    for scheme in ("q8", "u8"):
        for alpha in (0.5, 0.65):
            for name, (calibration, held_out) in (("even", halves), ("odd", halves[::-1])):
                report(f"{scheme} smoothed a={alpha} (calibrated on {name})", linear(scheme, smoothing_for(calibration, alpha)),
                       held_out)


if __name__ == "__main__":
    main()
