"""The model repository the worker serves (`models/<name>/<version>/manifest.json` + ONNX file).

A model is named `name@version`; its manifest says what it reads (`preprocess.kind`: image or text,
and how to prepare it), its inputs, its output classes and the file's sha256, which is checked before
the session is built. A new model version is therefore a new argument to the job, not new code, as
long as its preprocessing is one this package implements (else IW_MODEL_MANIFEST).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import BackfillError


@dataclass
class Model:
    name: str
    version: str
    manifest: dict
    path: Path
    classes: list[str]
    kind: str
    _session: object = field(default=None, repr=False)

    @property
    def ref(self) -> dict:
        return {"name": self.name, "version": self.version}

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"

    def session(self):
        """The onnxruntime session, built on first use (in the executor, never shipped from the driver)."""
        if self._session is None:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = 1  # one Spark task per core already
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        return self._session

    def run(self, feeds: dict) -> np.ndarray:
        output = self.manifest["outputs"][0]["name"]
        return self.session().run([output], feeds)[0]

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_session"] = None
        return state


def parse_model_id(text: str) -> tuple[str, str]:
    name, sep, version = text.partition("@")
    if not sep or not name or not version:
        raise BackfillError("IW_MODEL_MANIFEST", f"model {text!r} is not name@version")
    return name, version


def load_model(models_dir: str | Path, model_id: str) -> Model:
    name, version = parse_model_id(model_id)
    folder = Path(models_dir) / name / version
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        raise BackfillError("IW_MODEL_MANIFEST", f"{folder}/manifest.json: cannot read") from error
    if manifest.get("name") != name or str(manifest.get("version")) != version:
        raise BackfillError("IW_MODEL_MANIFEST", f"{folder}: manifest names {manifest.get('name')}@{manifest.get('version')}")
    path = folder / manifest["file"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != manifest["sha256"]:
        raise BackfillError("IW_MODEL_CHECKSUM", f"{path}: sha256 {digest} != manifest {manifest['sha256']}")
    kind = manifest.get("preprocess", {}).get("kind")
    if kind not in ("image", "text"):
        raise BackfillError("IW_MODEL_MANIFEST", f"{model_id}: preprocess.kind {kind!r} is not image or text")
    classes = list(manifest["outputs"][0]["classes"])
    return Model(name, version, manifest, path, classes, kind)
