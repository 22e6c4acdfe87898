#!/usr/bin/env python3
"""Writes llama3-reference.json: reference inverse frequencies of RoPE with HF rope_scaling type "llama3".

Independent of the Java code: evaluates the published formula (transformers, modeling_rope_utils,
_compute_llama3_parameters; Meta's llama-models apply_scaling) with mpmath at 50 significant digits,
starting from the exact default frequencies theta^(-2i/D), and prints each value to 17 significant digits.

    inv_freq_i = theta^(-2i/D),  wavelen_i = 2*pi / inv_freq_i
    high_freq_wavelen = original_max_position_embeddings / high_freq_factor
    low_freq_wavelen  = original_max_position_embeddings / low_freq_factor
    wavelen < high_freq_wavelen  -> inv_freq                               ("keep")
    wavelen > low_freq_wavelen   -> inv_freq / factor                      ("divide")
    otherwise                    -> (1 - s) * inv_freq / factor + s * inv_freq,
                                    s = (original_max_position_embeddings / wavelen - low_freq_factor)
                                        / (high_freq_factor - low_freq_factor)   ("smooth")

Run: python3 make_llama3_reference.py > llama3-reference.json   (needs mpmath)
"""
import json

from mpmath import mp, mpf, pi

mp.dps = 50

CASES = [
    # name, head_dim, rope_theta, factor, low_freq_factor, high_freq_factor, original_max_position_embeddings
    ("llama-3.1-8b", 128, 500000.0, 8.0, 1.0, 4.0, 8192),
    ("llama-3.2-1b", 64, 500000.0, 32.0, 1.0, 4.0, 8192),
    ("tiny-fixture", 16, 10000.0, 4.0, 1.0, 4.0, 64),
    ("uneven", 32, 10000.0, 16.0, 2.0, 8.0, 128),
]


def llama3(head_dim, theta, factor, low, high, old_ctx):
    theta, factor, low, high, old_ctx = mpf(theta), mpf(factor), mpf(low), mpf(high), mpf(old_ctx)
    high_wavelen = old_ctx / high
    low_wavelen = old_ctx / low
    out, branches = [], []
    for i in range(head_dim // 2):
        inv = theta ** (-mpf(2 * i) / head_dim)
        wavelen = 2 * pi / inv
        if wavelen < high_wavelen:
            value, branch = inv, "keep"
        elif wavelen > low_wavelen:
            value, branch = inv / factor, "divide"
        else:
            s = (old_ctx / wavelen - low) / (high - low)
            value, branch = (1 - s) * inv / factor + s * inv, "smooth"
        out.append(float(mp.nstr(value, 17, strip_zeros=False)))
        branches.append(branch)
    return out, branches


cases = []
for name, d, theta, factor, low, high, old in CASES:
    inv, branches = llama3(d, theta, factor, low, high, old)
    cases.append({
        "name": name,
        "head_dim": d,
        "rope_theta": theta,
        "rope_scaling": {"rope_type": "llama3", "factor": factor, "low_freq_factor": low,
                         "high_freq_factor": high, "original_max_position_embeddings": old},
        "branch": branches,
        "inv_freq": inv,
    })
print(json.dumps({"generator": "make_llama3_reference.py (mpmath, 50 digits)", "cases": cases}, indent=1))
