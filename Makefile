# 履职通 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
PORT ?= 8000
DEMO_PASSWORD ?= Lvzhi@2026demo

.PHONY: setup run test lint bench worker clean

setup: $(VENV)/.setup-done

$(VENV)/.setup-done: pyproject.toml uv.lock scripts/setup.sh
	bash scripts/setup.sh
	touch $@

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --password '$(DEMO_PASSWORD)'
	@echo ""
	@echo "履职通已启动： http://127.0.0.1:$(PORT)/"
	@echo "演示账号（密码均为 $(DEMO_PASSWORD)）："
	@echo "  admin  系统管理员      staff  县人大代表工委工作人员   town  城关镇人大工作人员"
	@echo "  leader 常委会领导      deputy 代表（县、镇两级）        unit  承办单位经办人"
	@echo ""
	@# The worker runs background jobs (roster validation, reminders) beside the web server.
	$(PY) manage.py db_worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: setup
	bash scripts/test.sh

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) bench/run.py

worker: setup
	$(PY) manage.py db_worker

clean:
	rm -rf $(VENV) staticfiles db.sqlite3*
