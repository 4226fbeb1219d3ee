"""Confluent wire format with fastavro, the other Avro implementation of the interop tests.

  python fastavro_wire.py encode <registry-url>   stdin: [{"subject": s, "record": r}, ...]
  python fastavro_wire.py decode <registry-url>   stdin: ["<base64 frame>", ...]
  python fastavro_wire.py vectors <registry-url>  stdin: ContentEmbedding frames; out: their floats

Writer schemas come from the registry (latest version of the subject to encode, the id in the frame
to decode), so this side shares nothing with ours but the registry. JSON stands in for Avro values:
bytes are {"$bytes": "<base64>"}, timestamp-millis are integers, uuids are strings.
"""
import base64
import datetime
import io
import json
import struct
import sys
import urllib.parse
import urllib.request
import uuid

import fastavro

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def from_json(value):
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return base64.b64decode(value["$bytes"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def to_json(value):
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, datetime.datetime):
        return (value - EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def encode(registry, items):
    frames = []
    for item in items:
        subject = urllib.parse.quote(item["subject"], safe="")
        latest = get(f"{registry}/subjects/{subject}/versions/latest")
        schema = fastavro.parse_schema(json.loads(latest["schema"]))
        body = io.BytesIO()
        fastavro.schemaless_writer(body, schema, from_json(item["record"]))
        frame = b"\x00" + struct.pack(">i", latest["id"]) + body.getvalue()
        frames.append(base64.b64encode(frame).decode())
    return frames


def decode(registry, frames):
    records = []
    for text in frames:
        frame = base64.b64decode(text)
        magic, schema_id = struct.unpack(">bi", frame[:5])
        assert magic == 0, f"bad magic byte {magic}"
        schema = fastavro.parse_schema(json.loads(get(f"{registry}/schemas/ids/{schema_id}")["schema"]))
        body = io.BytesIO(frame[5:])
        record = fastavro.schemaless_reader(body, schema, None)
        assert body.read() == b"", "trailing bytes after the Avro body"
        records.append({"schemaId": schema_id, "record": to_json(record)})
    return records


def vectors(registry, frames):
    """ContentEmbedding.vector as a Python consumer reads it: dimension little-endian float32s."""
    out = []
    for item in decode(registry, frames):
        record = item["record"]
        raw = base64.b64decode(record["vector"]["$bytes"])
        assert len(raw) == 4 * record["dimension"], "vector length is not 4 * dimension"
        out.append({"dimension": record["dimension"], "values": list(struct.unpack(f"<{record['dimension']}f", raw))})
    return out


COMMANDS = {"encode": encode, "decode": decode, "vectors": vectors}

if __name__ == "__main__":
    command, registry_url = sys.argv[1], sys.argv[2].rstrip("/")
    payload = json.load(sys.stdin)
    result = COMMANDS[command](registry_url, payload)
    json.dump({"fastavro": fastavro.__version__, "result": result}, sys.stdout)
