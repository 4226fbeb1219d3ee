"""Avro in the Confluent wire format (magic 0, 4-byte big-endian schema id, Avro body) with fastavro.

Writer schemas come from the registry by the id in each frame; records are resolved into our own
schemas from `schemas/` (Avro evolution), like the worker's `AvroCodec.decodeAs`. Outputs are written
with the schema registered under `<topic>-value` (the backfill never registers schemas itself).
"""

from __future__ import annotations

import io
import json
import struct
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import fastavro

from .errors import BackfillError

HEADER = struct.Struct(">bI")


def load_schema_file(path: Path) -> dict:
    return fastavro.parse_schema(json.loads(path.read_text()))


class Registry:
    """A minimal Confluent-API client (GET only), caching ids and schemas per process."""

    def __init__(self, base_url: str, timeout_s: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._by_id: dict[int, dict] = {}
        self._latest: dict[str, tuple[int, dict]] = {}

    def _get(self, path: str) -> dict:
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=self.timeout_s) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                raise BackfillError("IW_SCHEMA_UNKNOWN_ID", f"registry has no {path}") from error
            retriable = error.code >= 500 or error.code in (408, 429)
            code = "IW_REGISTRY_UNREACHABLE" if retriable else "IW_REGISTRY_REJECTED"
            raise BackfillError(code, f"registry answered {error.code} for {path}", retriable) from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise BackfillError("IW_REGISTRY_UNREACHABLE", f"registry: {error}", True) from error

    def schema_by_id(self, schema_id: int) -> dict:
        if schema_id not in self._by_id:
            answer = self._get(f"/schemas/ids/{schema_id}")
            if answer.get("schemaType", "AVRO") != "AVRO":
                raise BackfillError("IW_SCHEMA_UNKNOWN_ID", f"schema {schema_id} is not Avro")
            self._by_id[schema_id] = fastavro.parse_schema(json.loads(answer["schema"]))
        return self._by_id[schema_id]

    def latest(self, subject: str) -> tuple[int, dict]:
        if subject not in self._latest:
            try:
                answer = self._get(f"/subjects/{urllib.parse.quote(subject, safe='')}/versions/latest")
            except BackfillError as error:
                if error.code == "IW_SCHEMA_UNKNOWN_ID":
                    raise BackfillError("IW_SCHEMA_NOT_REGISTERED", f"no schema under {subject}") from error
                raise
            self._latest[subject] = (int(answer["id"]), fastavro.parse_schema(json.loads(answer["schema"])))
        return self._latest[subject]


def split_frame(frame: bytes | None) -> tuple[int, bytes]:
    if frame is None or len(frame) < 5:
        raise BackfillError("IW_WIRE_TOO_SHORT", f"{0 if frame is None else len(frame)} bytes")
    magic, schema_id = HEADER.unpack_from(frame)
    if magic != 0:
        raise BackfillError("IW_WIRE_BAD_MAGIC", f"magic byte {magic}")
    return schema_id, frame[5:]


def decode(registry: Registry, reader_schema: dict, frame: bytes | None) -> dict:
    """Frame -> record resolved into `reader_schema`. Raises BackfillError with the worker's codes."""
    schema_id, body = split_frame(frame)
    writer = registry.schema_by_id(schema_id)
    stream = io.BytesIO(body)
    try:
        record = fastavro.schemaless_reader(stream, writer, reader_schema)
    except fastavro.read.SchemaResolutionError as error:
        raise BackfillError("IW_SCHEMA_INCOMPATIBLE", str(error)) from error
    except Exception as error:  # fastavro raises EOFError, ValueError, IndexError... on a bad body
        raise BackfillError("IW_AVRO_BODY_MISMATCH", f"{type(error).__name__}: {error}") from error
    if stream.tell() != len(body):
        raise BackfillError("IW_AVRO_BODY_MISMATCH", f"{len(body) - stream.tell()} trailing bytes")
    return record


def encode(schema_id: int, schema: dict, record: dict) -> bytes:
    body = io.BytesIO()
    body.write(HEADER.pack(0, schema_id))
    fastavro.schemaless_writer(body, schema, record)
    return body.getvalue()
