#!/usr/bin/env bash
# pre-commit hook: `faultline validate` on every topology file passed, reporting all
# of them before failing. Needs `faultline` on PATH (`cargo install --path planner`).
status=0
for f in "$@"; do
  faultline validate "$f" || status=2
done
exit "$status"
