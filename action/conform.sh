#!/usr/bin/env bash
# Runs `commerce-auth-mock conform` with the action's inputs, then writes exit-code=… and
# junit=… to $GITHUB_OUTPUT and exits with conform's status.
#
# Inputs arrive as INPUT_* environment variables (action.yml maps them), never spliced into the
# script, so no input can inject shell. Secrets go to conform through its own CONFORM_*
# variables, so they never appear in a process listing.
set -uo pipefail

binary="${COMMERCE_AUTH_MOCK_BINARY:?the binary to run}"
args=(conform)
export_if_set() { # NAME VALUE: conform reads NAME itself
    if [[ -n "$2" ]]; then export "$1=$2"; else unset "$1"; fi
}
export_if_set CONFORM_TARGET "${INPUT_TARGET:-}"
export_if_set CONFORM_PROFILE "${INPUT_PROFILE:-}"
export_if_set CONFORM_ADMIN_TOKEN "${INPUT_ADMIN_TOKEN:-}"
export_if_set CONFORM_ADMIN_USERNAME "${INPUT_ADMIN_USERNAME:-}"
export_if_set CONFORM_ADMIN_PASSWORD "${INPUT_ADMIN_PASSWORD:-}"
export_if_set CONFORM_MAILBOX "${INPUT_MAILBOX:-}"
export_if_set CONFORM_JUNIT "${INPUT_JUNIT:-}"
export_if_set CONFORM_JSON "${INPUT_JSON:-}"
export_if_set CONFORM_FILTER "${INPUT_FILTER:-}"
if [[ -z "${CONFORM_TARGET:-}" ]]; then
    echo "::error::the target input is required (the GraphQL endpoint, e.g. https://staging.example/graphql)"
    exit 2
fi
if [[ "${INPUT_FAIL_ON_SKIP:-false}" == true ]]; then
    args+=(--fail-on-skip)
fi
if [[ -n "${INPUT_REQUIRE:-}" ]]; then
    args+=(--require "$INPUT_REQUIRE")
fi
# Extra options, split on whitespace (no quoting): e.g. "--slow --rate 5".
if [[ -n "${INPUT_ARGS:-}" ]]; then
    read -r -a extra <<<"$INPUT_ARGS"
    # The +-guard: an empty array under set -u is an error in macOS's bash 3.2.
    args+=(${extra[@]+"${extra[@]}"})
fi
# Plain lines in a CI log, not a progress bar.
export CONFORM_NO_PROGRESS=true

"$binary" "${args[@]}"
status=$?
{
    echo "exit-code=$status"
    echo "junit=${CONFORM_JUNIT:-}"
} >>"${GITHUB_OUTPUT:-/dev/null}"
exit "$status"
