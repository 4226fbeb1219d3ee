"""Pins -> integrity labels, the worker's path without the cache: decode, plan, fetch, preprocess,
infer (batched), policy, encode. One `PinScorer` per executor process; Spark calls `score_partition`
with a partition's Kafka rows and gets output rows (topic, key, value) back.

Bad records become DeadLetter records (original key, value and headers, the worker's code) on the
dead-letter topic; an image that cannot be fetched or decoded is an UNSCORED signal with its code.
Equal content inside a partition is scored once (`cached` is true for the pins that reused it).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import VERSION, wire
from .errors import BackfillError
from .fetch import FetchOptions, fetch_image
from .image import decode_image, image_tensor
from .models import Model, load_model
from .policy import Policy, load_policy
from .text import featurizer_for, has_text, pack_text_batch, pin_text, text_content_key

WORKER_VERSION = f"iw-backfill/{VERSION}"


@dataclass(frozen=True)
class JobSettings:
    """Everything an executor needs, small and picklable (paths, not loaded objects)."""

    models_dir: str
    model_ids: tuple[str, ...]
    policy_file: str
    schemas_dir: str
    registry_url: str
    label_topic: str
    dead_letter_topic: str
    fetch: FetchOptions = field(default_factory=FetchOptions)
    max_pixels: int = 50_000_000
    chunk: int = 64
    image_batch: int = 8
    text_batch: int = 16
    fetch_threads: int = 8
    memo_entries: int = 100_000


class BoundedMemo(OrderedDict):
    """Scores of recent content keys, least recently used evicted: re-pins reuse a score."""

    def __init__(self, max_entries: int):
        super().__init__()
        self.max_entries = max_entries

    def get(self, key, default=None):
        if key in self:
            self.move_to_end(key)
            return self[key]
        return default

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.max_entries:
            self.popitem(last=False)


class PinScorer:
    def __init__(self, settings: JobSettings):
        self.s = settings
        self.policy: Policy = load_policy(settings.policy_file)
        self.models: dict[str, Model] = {}  # signal -> model
        for model_id in settings.model_ids:
            model = load_model(settings.models_dir, model_id)
            signal = self.policy.rule_for_model(model.id)
            self.policy.check_classes(signal, model.classes)
            self.models[signal] = model
        self.image_signal = next((s for s, m in self.models.items() if m.kind == "image"), None)
        self.text_signal = next((s for s, m in self.models.items() if m.kind == "text"), None)
        if self.text_signal:
            self.featurize = featurizer_for(self.models[self.text_signal].manifest["preprocess"])
        schemas = Path(settings.schemas_dir)
        self.pin_schema = wire.load_schema_file(schemas / "pin_created.avsc")
        self.registry = wire.Registry(settings.registry_url)
        self.memo = BoundedMemo(settings.memo_entries)
        self.pool = ThreadPoolExecutor(settings.fetch_threads)

    # -- one partition ---------------------------------------------------------------------------
    def score_partition(self, rows):
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= self.s.chunk:
                yield from self._chunk(chunk)
                chunk = []
        if chunk:
            yield from self._chunk(chunk)

    def _chunk(self, rows):
        decoded = []
        for row in rows:
            try:
                pin = wire.decode(self.registry, self.pin_schema, row["value"])
                if not has_text(pin) and pin.get("image") is None:
                    raise BackfillError("IW_INPUT_INVALID", "the pin has neither an image nor any text")
                decoded.append((row, pin))
            except BackfillError as error:
                if error.retriable:
                    raise  # the registry is down: fail the task (Spark retries it), never dead-letter good pins
                yield self._dead_letter(row, error)
        results = {id(pin): {} for _row, pin in decoded}
        if self.text_signal:
            self._text([pin for _row, pin in decoded], results)
        if self.image_signal:
            self._images([pin for _row, pin in decoded], results)
        for row, pin in decoded:
            yield self._label(row, pin, results[id(pin)])

    # -- signals ---------------------------------------------------------------------------------
    def _result(self, signal, scores=None, content_key=None, cached=False, reason=None):
        return {"scores": scores, "contentKey": content_key, "cached": cached, "reasonCode": reason, "signal": signal}

    def _text(self, pins, results):
        signal, model = self.text_signal, self.models[self.text_signal]
        todo: dict[str, list] = {}
        for pin in pins:
            if not has_text(pin):
                results[id(pin)][signal] = self._result(signal, reason="IW_CONTENT_ABSENT")
                continue
            text = pin_text(pin)
            key = text_content_key(text)
            hit = self.memo.get((signal, key))
            if hit is not None:
                results[id(pin)][signal] = self._result(signal, hit, key, cached=True)
            else:
                todo.setdefault(key, [text, []])[1].append(pin)
        items = list(todo.items())
        for start in range(0, len(items), self.s.text_batch):
            batch = items[start : start + self.s.text_batch]
            indices, values = pack_text_batch([self.featurize(text) for _key, (text, _p) in batch])
            probabilities = model.run({"indices": indices, "values": values})
            for (key, (_text, waiting)), row in zip(batch, probabilities):
                scores = {c: float(p) for c, p in zip(model.classes, row)}
                self.memo[(signal, key)] = scores
                for i, pin in enumerate(waiting):
                    results[id(pin)][signal] = self._result(signal, scores, key, cached=i > 0)

    def _fetch_and_decode(self, url: str):
        data = fetch_image(url, self.s.fetch)
        key = "sha256:" + hashlib.sha256(data).hexdigest()
        if (self.image_signal, key) in self.memo:
            return key, None
        pixels, _w, _h = decode_image(data, self.s.max_pixels)
        return key, image_tensor(pixels, self.models[self.image_signal].manifest["preprocess"])

    def _images(self, pins, results):
        signal, model = self.image_signal, self.models[self.image_signal]
        by_url: dict[str, list] = {}
        for pin in pins:
            image = pin.get("image")
            if image is None:
                results[id(pin)][signal] = self._result(signal, reason="IW_CONTENT_ABSENT")
                continue
            sig = image.get("signature")
            sig_key = f"sig:{sig}" if sig else None
            hit = self.memo.get((signal, sig_key)) if sig_key else None
            if hit is not None:
                results[id(pin)][signal] = self._result(signal, hit, sig_key, cached=True)
                continue
            by_url.setdefault(image["url"], []).append((pin, sig_key))
        futures = {url: self.pool.submit(self._fetch_and_decode, url) for url in by_url}
        tensors: dict[str, np.ndarray] = {}
        keyed: list[tuple[str, list]] = []
        for url, waiting in by_url.items():
            try:
                key, tensor = futures[url].result()
            except BackfillError as error:
                for pin, sig_key in waiting:
                    results[id(pin)][signal] = self._result(signal, content_key=sig_key, reason=error.code)
                continue
            if tensor is not None and key not in tensors:
                tensors[key] = tensor
            keyed.append((key, waiting))
        keys = list(tensors)
        for start in range(0, len(keys), self.s.image_batch):
            batch = keys[start : start + self.s.image_batch]
            probabilities = model.run({model.manifest["inputs"][0]["name"]: np.stack([tensors[k] for k in batch])})
            for key, row in zip(batch, probabilities):
                self.memo[(signal, key)] = {c: float(p) for c, p in zip(model.classes, row)}
        scored: set[str] = set()
        for key, waiting in keyed:
            scores = self.memo[(signal, key)]
            for pin, sig_key in waiting:
                cached = key not in tensors or key in scored
                scored.add(key)
                if sig_key:
                    self.memo[(signal, sig_key)] = scores
                results[id(pin)][signal] = self._result(signal, scores, sig_key or key, cached=cached)

    # -- outputs ---------------------------------------------------------------------------------
    def _label(self, row, pin, results):
        signals = []
        for signal in ("image.safety", "text.spam"):
            if signal not in self.models:
                continue
            r = results[signal]
            model = self.models[signal]
            decision, rule = self.policy.decide_signal(signal, r["scores"], r["reasonCode"])
            signals.append(
                {
                    "signal": signal,
                    "model": model.ref,
                    "scores": r["scores"] or {},
                    "decision": decision,
                    "reasonCode": r["reasonCode"],
                    "policyVersion": self.policy.version,
                    "contentKey": r["contentKey"],
                    "cached": r["cached"],
                    "rule": rule,
                }
            )
        label = {
            "pinId": pin["pinId"],
            "sourceEventId": str(pin["eventId"]),
            "labeledAt": int(time.time() * 1000),
            "decision": self.policy.overall([s["decision"] for s in signals]),
            "signals": signals,
            "source": {"topic": row["topic"], "partition": row["partition"], "offset": row["offset"]},
            "traceId": None,
            "workerVersion": WORKER_VERSION,
            # A first scan, final: the job schedules no rescan (see policy.py).
            "attempt": 0,
            "rescanNotBefore": None,
        }
        schema_id, schema = self.registry.latest(f"{self.s.label_topic}-value")
        value = wire.encode(schema_id, schema, label)
        outcome = label["decision"]
        return {"topic": self.s.label_topic, "key": pin["pinId"].encode(), "value": value, "pinId": pin["pinId"], "outcome": outcome, "labelJson": json.dumps(label), "unscored": ",".join(sorted(f"{s['signal']}:{s['reasonCode']}" for s in signals if s["reasonCode"]))}

    def _dead_letter(self, row, error: BackfillError):
        now = int(time.time() * 1000)
        record = {
            "source": {"topic": row["topic"], "partition": row["partition"], "offset": row["offset"]},
            "key": row["key"],
            "value": row["value"],
            "headers": [{"key": h["key"], "value": h["value"]} for h in (row.get("headers") or [])],
            "errorCode": error.code,
            "errorMessage": str(error),
            "stage": "decode",
            "attempts": 1,
            "firstSeenAt": now,
            "deadLetteredAt": now,
            "traceId": None,
            "workerVersion": WORKER_VERSION,
        }
        schema_id, schema = self.registry.latest(f"{self.s.dead_letter_topic}-value")
        value = wire.encode(schema_id, schema, record)
        return {"topic": self.s.dead_letter_topic, "key": row["key"], "value": value, "pinId": None, "outcome": error.code, "labelJson": None, "unscored": ""}


_SCORERS: dict[JobSettings, PinScorer] = {}


def scorer_for(settings: JobSettings) -> PinScorer:
    """One scorer (models, sessions, registry cache) per executor process and settings."""
    if settings not in _SCORERS:
        _SCORERS[settings] = PinScorer(settings)
    return _SCORERS[settings]
