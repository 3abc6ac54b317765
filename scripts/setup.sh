#!/usr/bin/env bash
# Idempotent setup: Debian packages (as root, when missing), the virtualenv from uv.lock, translations.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 poppler-utils chromium gettext)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "安装系统软件包：${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "缺少系统软件包：${missing[*]}；请以 root 运行 make setup，或手工安装后重试。" >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
  "$PYTHON" -m pip install --quiet --disable-pip-version-check uv
fi
export UV_PYTHON_DOWNLOADS=never
"$PYTHON" -m uv sync --frozen --python "$PYTHON"

if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then
  .venv/bin/python manage.py compilemessages --ignore=.venv >/dev/null
fi
echo "环境就绪。"
