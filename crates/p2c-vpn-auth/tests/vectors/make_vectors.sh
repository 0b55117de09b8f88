#!/usr/bin/env bash
# Regenerate signer_vectors.json from Huawei's official Python SDK signer.
# Needs Python 3 and access to PyPI; CI never runs this (the JSON is committed).
#   usage: tests/vectors/make_vectors.sh [SDK_VERSION]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
spec="huaweicloudsdkcore${1:+==$1}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "$spec"
"$venv/bin/python" "$here/make_vectors.py" > "$here/signer_vectors.json.tmp"
mv "$here/signer_vectors.json.tmp" "$here/signer_vectors.json"
echo "wrote $here/signer_vectors.json ($("$venv/bin/python" -c 'from importlib.metadata import version; print("huaweicloudsdkcore", version("huaweicloudsdkcore"))'))"
