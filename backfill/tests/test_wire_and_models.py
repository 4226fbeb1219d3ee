import io
import json
import struct
from pathlib import Path

import fastavro
import numpy as np
import pytest

from iw_backfill import wire
from iw_backfill.errors import BackfillError
from iw_backfill.models import load_model
from iw_backfill.text import featurizer_for, has_text, pack_text_batch, pin_text

REPO = Path(__file__).resolve().parents[2]
PIN_SCHEMA = wire.load_schema_file(REPO / "schemas" / "pin_created.avsc")


class FakeRegistry:
    """Answers one schema id; the real registry is exercised by the stack test."""

    def __init__(self, schema):
        self.schema = schema

    def schema_by_id(self, schema_id):
        if schema_id != 7:
            raise BackfillError("IW_SCHEMA_UNKNOWN_ID", str(schema_id))
        return self.schema


PIN = {
    "eventId": "0b4f4d5e-8c59-4f63-9a25-1d9c1f0a1111",
    "pinId": "p1",
    "userId": "u1",
    "createdAt": 1764072000123,
    "title": "Vase",
    "description": None,
    "link": None,
    "image": None,
    "locale": None,
}


def test_a_frame_round_trips():
    frame = wire.encode(7, PIN_SCHEMA, PIN)
    assert frame[:5] == struct.pack(">bI", 0, 7)
    record = wire.decode(FakeRegistry(PIN_SCHEMA), PIN_SCHEMA, frame)
    assert record["pinId"] == "p1" and record["title"] == "Vase"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (None, "IW_WIRE_TOO_SHORT"),
        (b"\x00\x00\x00", "IW_WIRE_TOO_SHORT"),
        (b"\x01\x00\x00\x00\x07abc", "IW_WIRE_BAD_MAGIC"),
        (b"\x00\x00\x00\x00\x09abc", "IW_SCHEMA_UNKNOWN_ID"),
        (b"\x00\x00\x00\x00\x07\x02", "IW_AVRO_BODY_MISMATCH"),
    ],
)
def test_bad_frames_get_the_worker_codes(frame, code):
    with pytest.raises(BackfillError) as caught:
        wire.decode(FakeRegistry(PIN_SCHEMA), PIN_SCHEMA, frame)
    assert caught.value.code == code


def test_trailing_bytes_are_a_body_mismatch():
    frame = wire.encode(7, PIN_SCHEMA, PIN) + b"\x00"
    with pytest.raises(BackfillError) as caught:
        wire.decode(FakeRegistry(PIN_SCHEMA), PIN_SCHEMA, frame)
    assert caught.value.code == "IW_AVRO_BODY_MISMATCH"


def test_models_are_loaded_from_their_manifests_and_checksums():
    text = load_model(REPO / "models", "text-spam@1")
    assert (text.kind, text.classes) == ("text", ["ham", "spam"])
    image = load_model(REPO / "models", "image-safety@2")
    assert image.kind == "image" and image.classes[2] == "Neutral"
    with pytest.raises(BackfillError) as caught:
        load_model(REPO / "models", "text-spam@99")
    assert caught.value.code == "IW_MODEL_MANIFEST"


def test_a_changed_model_file_is_refused(tmp_path):
    folder = tmp_path / "text-spam" / "1"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text((REPO / "models/text-spam/1/manifest.json").read_text())
    (folder / "model.onnx").write_bytes((REPO / "models/text-spam/1/model.onnx").read_bytes() + b"\x00")
    with pytest.raises(BackfillError) as caught:
        load_model(tmp_path, "text-spam@1")
    assert caught.value.code == "IW_MODEL_CHECKSUM"


def test_text_scores_equal_the_training_vectors():
    """test/fixtures/text-spam/feature-vectors.json: the vectors the worker's featurizer is held to."""
    model = load_model(REPO / "models", "text-spam@1")
    featurize = featurizer_for(model.manifest["preprocess"])
    vectors = json.loads((REPO / "test/fixtures/text-spam/feature-vectors.json").read_text())
    cases = vectors["vectors"]
    assert len(cases) > 10
    for case in cases:
        indices, values = featurize(case["text"])
        assert indices.tolist() == case["indices"]
    indices, values = pack_text_batch([featurize(c["text"]) for c in cases])
    probabilities = model.run({"indices": indices, "values": values})
    assert probabilities.shape == (len(cases), 2)
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-6)


def test_pin_text_and_presence_follow_the_worker():
    assert pin_text({"title": "a", "description": None, "link": "l"}) == "a\n\nl"
    assert not has_text({"title": " \u00a0\ufeff", "description": None, "link": "\n"})
    # U+001C is whitespace to Python but not to JavaScript's trim(): the worker scores it.
    assert has_text({"title": "\x1c", "description": None, "link": None})


def test_text_spam_2_scores_equal_its_parity_fixtures():
    """test/fixtures/text-spam-2/vectors.json: p(spam) of the served model (the worker is held to it)."""
    model = load_model(REPO / "models", "text-spam@2")
    fixture = json.loads((REPO / "test/fixtures/text-spam-2/vectors.json").read_text())
    assert fixture["model_sha256"] == model.manifest["sha256"]
    featurize = featurizer_for(model.manifest["preprocess"])
    cases = fixture["vectors"]
    assert len(cases) > 10
    indices, values = pack_text_batch([featurize(c["text"]) for c in cases])
    probabilities = model.run({"indices": indices, "values": values})
    spam = model.classes.index("spam")
    worst = max(abs(float(row[spam]) - c["p_spam"]) for row, c in zip(probabilities, cases))
    assert worst <= 1e-6
