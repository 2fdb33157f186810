#!/usr/bin/env bash
# The GitHub Action's script (action.yml runs it; .ci/run runs it on an example):
# runs `faultline check` once, writing the SARIF log and the Markdown comment beside
# the GitHub annotations, appends the comment to the job summary, and records where
# everything is in $GITHUB_OUTPUT. It exits 0 whatever the verdict, so the SARIF upload
# step after it still runs; the verdict is the `status` output (0 pass, 1 violations,
# 2 bad input), which the action's last step turns into the job's result.
#
# Inputs, as environment variables (the action maps its inputs to these):
#   FL_TOPOLOGY (required), FL_POLICY (required), FL_PLAN, FL_BASELINE,
#   FL_BASELINE_FINDINGS, FL_FAIL_ON, FL_TODAY, FL_CATALOG,
#   FL_OUT_DIR (default: faultline-results), FL_BIN (default: faultline)
set -uo pipefail

: "${FL_TOPOLOGY:?FL_TOPOLOGY must name the topology file}"
: "${FL_POLICY:?FL_POLICY must name the policy file}"
bin="${FL_BIN:-faultline}"
out="${FL_OUT_DIR:-faultline-results}"
mkdir -p "$out"

args=(check "$FL_TOPOLOGY" --policy "$FL_POLICY" --format github
  --report "sarif=$out/faultline.sarif"
  --report "markdown=$out/comment.md"
  --report "json=$out/check.json")
[ -n "${FL_PLAN:-}" ] && args+=(--plan "$FL_PLAN")
[ -n "${FL_BASELINE:-}" ] && args+=(--baseline "$FL_BASELINE")
[ -n "${FL_BASELINE_FINDINGS:-}" ] && args+=(--baseline-findings "$FL_BASELINE_FINDINGS")
[ -n "${FL_FAIL_ON:-}" ] && args+=(--fail-on "$FL_FAIL_ON")
[ -n "${FL_TODAY:-}" ] && args+=(--today "$FL_TODAY")
[ -n "${FL_CATALOG:-}" ] && args=(--catalog "$FL_CATALOG" "${args[@]}")

"$bin" "${args[@]}"
status=$?

if [ -f "$out/comment.md" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$out/comment.md" >> "$GITHUB_STEP_SUMMARY"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "status=$status"
    if [ "$status" -eq 0 ]; then echo "passed=true"; else echo "passed=false"; fi
    echo "sarif=$out/faultline.sarif"
    echo "comment=$out/comment.md"
    echo "json=$out/check.json"
  } >> "$GITHUB_OUTPUT"
fi
if [ "$status" -eq 2 ]; then
  echo "::error title=faultline check::the input was invalid (exit status 2); see the messages above"
fi
exit 0
