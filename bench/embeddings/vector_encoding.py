"""The Python half of bench/embeddings/vector-encoding.ts: ContentEmbedding with `vector` as bytes of
little-endian float32 vs an Avro array of floats, encoded size and decode cost with fastavro
(schemaless, as consumers of the Confluent wire format do), decoding into a float32 numpy array.
  "$(bash scripts/python-env.sh bench/embeddings/requirements.txt)" bench/embeddings/vector_encoding.py
"""
import copy
import io
import json
import math
import pathlib
import time

import fastavro
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "content_embedding.avsc").read_text())


def variant(as_array):
    schema = copy.deepcopy(SCHEMA)
    if as_array:
        for field in schema["fields"]:
            if field["name"] == "vector":
                field["type"] = {"type": "array", "items": "float"}
    return fastavro.parse_schema(schema)


def record(vector, dimension):
    return {
        "pinId": "pin-0123456789",
        "sourceEventId": "6f1c2e9a-4b1d-4a53-9a57-0d5b7e1c2f3a",
        "contentKey": "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "kind": "IMAGE",
        "signal": "image.embedding",
        "model": {"name": "image-safety", "version": "1"},
        "output": "embedding",
        "dimension": dimension,
        "vector": vector,
        "normalized": True,
        "embeddedAt": 1795000000000,
        "source": {"topic": "pins.created.v1", "partition": 3, "offset": 123456},
        "traceId": "4bf92f3535f14ce8a0b3f2b5c8d1e6a7",
        "workerVersion": "0.1.0",
    }


def time_us(fn, rounds):
    for _ in range(min(rounds, 500)):
        fn()
    start = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - start) / rounds * 1e6


def encode(schema, rec):
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, rec)
    return out.getvalue()


for dimension in (1280, 384):
    v = np.array([math.sin(i * 0.37) for i in range(dimension)], dtype="<f4")
    v /= np.linalg.norm(v)
    as_bytes, as_array = variant(False), variant(True)
    b = encode(as_bytes, record(v.tobytes(), dimension))
    a = encode(as_array, record(v.tolist(), dimension))

    def decode_bytes():
        r = fastavro.schemaless_reader(io.BytesIO(b), as_bytes, None)
        return np.frombuffer(r["vector"], dtype="<f4")

    def decode_array():
        r = fastavro.schemaless_reader(io.BytesIO(a), as_array, None)
        return np.asarray(r["vector"], dtype="<f4")

    assert np.array_equal(decode_bytes(), decode_array())
    rounds = 5000
    print(json.dumps({
        "lang": f"python fastavro {fastavro.__version__}",
        "dimension": dimension,
        "bytes": {"size": len(b), "encodeUs": time_us(lambda: encode(as_bytes, record(v.tobytes(), dimension)), rounds), "decodeUs": time_us(decode_bytes, rounds)},
        "array": {"size": len(a), "encodeUs": time_us(lambda: encode(as_array, record(v.tolist(), dimension)), rounds), "decodeUs": time_us(decode_array, rounds)},
    }))
