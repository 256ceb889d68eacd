#!/usr/bin/env bash
# Build a separate Python 3.12 virtualenv with Hummingbot from PyPI, used only by the
# peer column of bench/level2_pipeline.py (run through $HUMMINGBOT_PYTHON or the default path).
#
#   bash bench/setup_hummingbot.sh [TARGET_DIR]     # default: .bench-venvs/hummingbot
#
# Hummingbot needs Python >= 3.12 and pins packages that conflict with this project's
# environment, hence its own venv. The build takes ~10 minutes on a 2-core machine.
# orjson is installed beside it for the "Hummingbot given orjson" column (Hummingbot's own
# WSConnection decodes with aiohttp's msg.json(), i.e. stdlib json).
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:-$repo_dir/.bench-venvs/hummingbot}"

find_python312() {
    if [[ -n "${PYTHON312:-}" ]]; then echo "$PYTHON312"; return; fi
    if python3.12 -V >/dev/null 2>&1; then command -v python3.12; return; fi
    for candidate in "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12; do
        if [[ -x "$candidate" ]]; then echo "$candidate"; return; fi
    done
    echo "no python3.12 found: set PYTHON312=/path/to/python3.12" >&2
    exit 2
}

py="$(find_python312)"
echo "using $py ($("$py" -V)) -> $target"
"$py" -m venv "$target"
"$target/bin/python" -m pip install --upgrade pip wheel
"$target/bin/python" -m pip install hummingbot
"$target/bin/python" -m pip install orjson
"$target/bin/python" -c "import hummingbot.core.data_type.order_book as m; print('hummingbot OK', m.__file__)"
"$target/bin/python" -c "import orjson; print('orjson OK', orjson.__version__)"
echo "export HUMMINGBOT_PYTHON=$target/bin/python"
