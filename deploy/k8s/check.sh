#!/usr/bin/env bash
# Validates deploy/k8s offline: builds every overlay with kustomize, validates each object with
# kubeconform against Kubernetes' schemas (PyPI kubernetes-validate) and KEDA's CRD schemas (KEDA's Go
# module), then checks the kafka triggers' metadata keys against KEDA's scaler source. Tools come from
# the Go module proxy and PyPI, cached under ~/.cache/integrity-worker (outside the clone).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${IW_CACHE_DIR:-$HOME/.cache/integrity-worker}
export GOMODCACHE=$cache/go/mod GOBIN=$cache/go/bin GOFLAGS=-modcacherw GOTOOLCHAIN=local
KUBECONFORM_VERSION=v0.8.0 KUSTOMIZE_VERSION=v5.8.1 KEDA_VERSION=v2.21.0

[[ -x $GOBIN/kubeconform ]] || go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
[[ -x $GOBIN/kustomize ]] || go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
keda=$(go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[[ -d $keda/config/crd/bases ]] || { echo "KEDA module not found at '$keda'" >&2; exit 1; }
python=$(bash "$root/scripts/python-env.sh" "$here/requirements.txt")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" "$here/check_manifests.py" schemas "$work/schemas" "$keda"
for overlay in dev prod; do
  "$GOBIN/kustomize" build "$here/overlays/$overlay" > "$work/$overlay.yaml"
  echo "== overlay $overlay: $(grep -c '^kind:' "$work/$overlay.yaml") objects"
  "$GOBIN/kubeconform" -strict -summary -output text \
    -schema-location "$work/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$work/$overlay.yaml"
  "$python" "$here/check_manifests.py" keda "$keda" "$work/$overlay.yaml"
done

# The checks must be able to fail: every object of testdata/ is wrong in one way.
echo "== testdata (each object must be refused)"
if out=$("$GOBIN/kubeconform" -strict -summary -output text \
  -schema-location "$work/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$here/testdata/broken.yaml"); then
  echo "kubeconform accepted testdata/broken.yaml" >&2; exit 1
fi
grep -q 'Valid: 0, Invalid: 3' <<<"$out" || { echo "$out" >&2; echo "expected 3 invalid objects" >&2; exit 1; }
if "$python" "$here/check_manifests.py" keda "$keda" "$here/testdata/broken-triggers.yaml" 2>"$work/problems"; then
  echo "the trigger check accepted testdata/broken-triggers.yaml" >&2; exit 1
fi
[[ $(wc -l <"$work/problems") -eq 6 ]] || { cat "$work/problems" >&2; echo "expected 6 problems" >&2; exit 1; }
echo "testdata refused as expected (3 schema errors, 6 trigger problems)"
