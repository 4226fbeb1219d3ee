"""iw-minilm-v1 preprocessing: the committed tokenizer, truncation and padding (the TS twin is checked
on the fixtures these produce)."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from text_spam import embed

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "test" / "fixtures" / "text-spam-2"


@pytest.fixture(scope="module")
def wp():
    spec = json.loads((FIXTURES / "tokens.json").read_text())["spec"]
    tok_bytes = (FIXTURES / "tokenizer.json").read_bytes()
    assert hashlib.sha256(tok_bytes).hexdigest() == spec["tokenizer_sha256"]
    from tokenizers import Tokenizer

    w = embed.WordPiece.__new__(embed.WordPiece)
    w.tok = Tokenizer.from_str(tok_bytes.decode())
    w.tok.no_padding()
    w.tok.no_truncation()
    return w


def test_ids_start_with_cls_end_with_sep_and_truncate(wp):
    assert wp.ids("\n\n") == [embed.CLS, embed.SEP]
    long = wp.ids("word " * 500)
    assert len(long) == embed.MAX_TOKENS and long[0] == embed.CLS and long[-1] == embed.SEP
    assert wp.ids("Fall outfit inspiration") == [101, 2991, 11018, 7780, 102]


def test_code_point_cut_happens_before_tokenizing(wp):
    text = "😀" * (embed.MAX_CODE_POINTS + 10) + " tail"
    assert wp.ids(text) == wp.ids("😀" * embed.MAX_CODE_POINTS)


def test_pack_pads_right_with_zero_and_masks():
    ids, mask = embed.pack([[101, 5, 102], [101, 102]])
    assert ids.tolist() == [[101, 5, 102], [101, 102, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 1, 0]]
    assert ids.dtype == np.int64 and mask.dtype == np.int64
