"""Offline checks of deploy/k8s, run by check.sh:

  python check_manifests.py schemas OUT_DIR KEDA_MODULE_DIR   write kubeconform-readable schemas
  python check_manifests.py keda KEDA_MODULE_DIR FILE...        KEDA-specific checks of built manifests

`schemas`: the Kubernetes JSON schemas of PyPI `kubernetes-validate` (strict flavour) refer to one
shared `_definitions.json` by absolute path, which kubeconform cannot follow; each schema is written
with the definitions it uses inlined under `$defs` and its references made local. KEDA's CRDs (from the
KEDA Go module) become schemas the same way kubeconform's own openapi2jsonschema does it, strict
(no unknown fields). File names follow kubeconform's default `{kind}-{group}-{version}.json`.

`keda`: KEDA checks a trigger's metadata only when it runs, so the keys of every kafka trigger are
checked here against the scaler's own declaration (`keda:"name=..."` tags of the metadata struct in
pkg/scalers/kafka_scaler.go of the same module): unknown keys, missing required ones, enum values;
credentials (authParams) must come from a TriggerAuthentication, never inline. maxReplicaCount must not
exceed the `integrity-worker/input-partitions` annotation.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import kubernetes_validate
import yaml

K8S_VERSION = "v1.34.0"
KINDS = ["deployment-apps-v1", "service-v1", "configmap-v1", "secret-v1", "poddisruptionbudget-policy-v1"]


def _refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and "#/$defs/" in ref:
            found.add(ref.split("#/$defs/", 1)[1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _localize(node):
    if isinstance(node, dict):
        return {k: ("#/$defs/" + v.split("#/$defs/", 1)[1] if k == "$ref" and isinstance(v, str) and "#/$defs/" in v else _localize(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_localize(v) for v in node]
    return node


def k8s_schemas(out: Path) -> None:
    root = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"{K8S_VERSION}-local-strict"
    definitions = json.loads((root / "_definitions.json").read_text())["$defs"]
    for kind in KINDS:
        schema = json.loads((root / f"{kind}.json").read_text())
        needed: set[str] = set()
        _refs(schema, needed)
        todo = list(needed)
        while todo:
            more: set[str] = set()
            _refs(definitions[todo.pop()], more)
            for name in more - needed:
                needed.add(name)
                todo.append(name)
        schema = _localize(schema)
        schema["$defs"] = {name: _localize(definitions[name]) for name in sorted(needed)}
        (out / f"{kind}.json").write_text(json.dumps(schema))


def _strict(node):
    if isinstance(node, dict):
        node = {k: _strict(v) for k, v in node.items()}
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


def keda_schemas(out: Path, module: Path) -> None:
    for name in ("keda.sh_scaledobjects.yaml", "keda.sh_triggerauthentications.yaml"):
        crd = yaml.safe_load((module / "config" / "crd" / "bases" / name).read_text())
        group = crd["spec"]["group"].split(".")[0]
        kind = crd["spec"]["names"]["kind"].lower()
        for version in crd["spec"]["versions"]:
            schema = _strict(version["schema"]["openAPIV3Schema"])
            (out / f"{kind}-{group}-{version['name']}.json").write_text(json.dumps(schema))


TAG = re.compile(r'`keda:"([^"]+)"`')


def kafka_trigger_keys(module: Path) -> dict[str, dict]:
    """name -> {order, optional, default, enum} from the kafka scaler's metadata struct."""
    source = (module / "pkg" / "scalers" / "kafka_scaler.go").read_text()
    body = source[source.index("type kafkaMetadata struct") :]
    body = body[: body.index("\n}\n")]
    keys = {}
    for tag in TAG.findall(body):
        fields = dict(part.split("=", 1) if "=" in part else (part, "") for part in tag.split(","))
        keys[fields["name"]] = {
            "order": fields.get("order", "").split(";"),
            "optional": "optional" in fields or "default" in fields,
            "enum": fields["enum"].split(";") if "enum" in fields else None,
        }
    if "bootstrapServers" not in keys or "lagThreshold" not in keys:
        raise SystemExit(f"cannot read the kafka scaler's metadata keys from {module}")
    return keys


def check_keda(module: Path, files: list[str]) -> list[str]:
    keys = kafka_trigger_keys(module)
    problems = []
    checked = 0
    for file in files:
        for doc in yaml.safe_load_all(Path(file).read_text()):
            if not doc or doc.get("kind") != "ScaledObject":
                continue
            name = f"{file}: ScaledObject {doc['metadata']['name']}"
            spec = doc["spec"]
            partitions = doc["metadata"].get("annotations", {}).get("integrity-worker/input-partitions")
            if partitions is None:
                problems.append(f"{name}: no integrity-worker/input-partitions annotation")
            elif spec.get("maxReplicaCount", 100) > int(partitions):
                problems.append(f"{name}: maxReplicaCount {spec.get('maxReplicaCount')} > {partitions} partitions")
            for i, trigger in enumerate(spec["triggers"]):
                if trigger["type"] != "kafka":
                    continue
                checked += 1
                metadata = trigger.get("metadata", {})
                where = f"{name}: triggers[{i}]"
                allowed = {}
                for key, info in keys.items():
                    if "triggerMetadata" in info["order"] or "resolvedEnv" in info["order"]:
                        allowed[key] = info
                        if "resolvedEnv" in info["order"]:
                            allowed[key + "FromEnv"] = info
                for key, value in metadata.items():
                    if key not in allowed:
                        inline_secret = key in keys and "authParams" in keys[key]["order"]
                        problems.append(f"{where}: {key} " + ("belongs in a TriggerAuthentication" if inline_secret else "is not a kafka trigger key"))
                    elif allowed[key]["enum"] and value not in allowed[key]["enum"]:
                        problems.append(f"{where}: {key}={value} not in {allowed[key]['enum']}")
                    if not isinstance(value, str):
                        problems.append(f"{where}: {key} must be a string")
                for key, info in keys.items():
                    if not info["optional"] and "triggerMetadata" in info["order"]:
                        if key not in metadata and key + "FromEnv" not in metadata:
                            problems.append(f"{where}: required key {key} missing")
    if checked == 0:
        problems.append("no kafka trigger found")
    return problems


def main(argv: list[str]) -> int:
    if argv[0] == "schemas":
        out, module = Path(argv[1]), Path(argv[2])
        out.mkdir(parents=True, exist_ok=True)
        k8s_schemas(out)
        keda_schemas(out, module)
        return 0
    if argv[0] == "keda":
        problems = check_keda(Path(argv[1]), argv[2:])
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"kafka triggers: {'ok' if not problems else f'{len(problems)} problems'}")
        return 1 if problems else 0
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
