#!/usr/bin/env bash
# Packs the npm packages this machine can build into OUTDIR: the platform package of every binary
# at hand, and the main package `commerce-auth-mock`. Checks first that every version in npm/
# equals Cargo.toml's.
#
#   npm/pack.sh OUTDIR
#       this machine's platform, with the binary of `cargo build --release` (build it first)
#   COMMERCE_AUTH_MOCK_BINARY=path npm/pack.sh OUTDIR
#       this machine's platform, with that binary
#   BINARIES=dir npm/pack.sh OUTDIR
#       every platform with a binary at dir/<platform>/commerce-auth-mock[.exe], e.g.
#       dir/linux-arm64/commerce-auth-mock (the release workflow)
#
# GITHUB_REPOSITORY=owner/name, when set (GitHub Actions sets it), is written into every
# package.json as its repository, which npm's provenance check needs.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: npm/pack.sh OUTDIR" >&2
    exit 2
fi
NPM_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$NPM_DIR/.." && pwd)"
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
PLATFORMS=(linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64)

# ---- versions -----------------------------------------------------------------------------------
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/Cargo.toml" | head -1)"
[[ -n "$VERSION" ]] || { echo "pack.sh: no version in $ROOT/Cargo.toml" >&2; exit 1; }
# Every package's version, and every optionalDependencies pin, must be Cargo.toml's: the launcher
# refuses a platform package of another version, so a mismatch would ship a broken install.
node - "$NPM_DIR" "$VERSION" "${PLATFORMS[@]}" <<'EOF'
const [dir, version, ...platforms] = process.argv.slice(2);
const path = require('node:path');
const problems = [];
const main = require(path.join(dir, 'commerce-auth-mock', 'package.json'));
if (main.version !== version) problems.push(`npm/commerce-auth-mock/package.json: version ${main.version}`);
const pins = main.optionalDependencies || {};
for (const p of platforms) {
  const name = `@commerce-auth-mock/${p}`;
  const pkg = require(path.join(dir, 'platforms', p, 'package.json'));
  if (pkg.name !== name) problems.push(`npm/platforms/${p}/package.json: name ${pkg.name}, expected ${name}`);
  if (pkg.version !== version) problems.push(`npm/platforms/${p}/package.json: version ${pkg.version}`);
  if (pins[name] !== version) problems.push(`npm/commerce-auth-mock/package.json: optionalDependencies["${name}"] is ${pins[name]}`);
}
const extra = Object.keys(pins).filter((n) => !platforms.includes(n.replace('@commerce-auth-mock/', '')));
for (const n of extra) problems.push(`npm/commerce-auth-mock/package.json: optionalDependencies has unknown ${n}`);
if (problems.length) {
  console.error(`pack.sh: the npm packages must all be version ${version} (Cargo.toml):`);
  for (const p of problems) console.error(`  ${p}`);
  console.error('Set every version (and optionalDependencies pin) in npm/ to Cargo.toml\'s version.');
  process.exit(1);
}
EOF

# ---- which binaries -------------------------------------------------------------------------------
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
declare -A BINARY=()
exe_name() { [[ "$1" == win32-* ]] && echo commerce-auth-mock.exe || echo commerce-auth-mock; }
if [[ -n "${BINARIES:-}" ]]; then
    for p in "${PLATFORMS[@]}"; do
        f="$BINARIES/$p/$(exe_name "$p")"
        [[ -f "$f" ]] && BINARY[$p]="$f"
    done
else
    here="$(node -p 'process.platform + "-" + process.arch')"
    if [[ -n "${COMMERCE_AUTH_MOCK_BINARY:-}" ]]; then
        f="$COMMERCE_AUTH_MOCK_BINARY"
    else
        tuple="$(rustc -vV | sed -n 's/^host: //p')"
        f="${CARGO_TARGET_DIR:-$ROOT/target}/$tuple/release/$(exe_name "$here")"
    fi
    [[ -f "$f" ]] || { echo "pack.sh: no binary at $f: run \`cargo build --release\` first (or set COMMERCE_AUTH_MOCK_BINARY)" >&2; exit 1; }
    [[ " ${PLATFORMS[*]} " == *" $here "* ]] || { echo "pack.sh: no npm package for this platform ($here)" >&2; exit 1; }
    BINARY[$here]="$f"
fi
[[ ${#BINARY[@]} -gt 0 ]] || { echo "pack.sh: no binaries under $BINARIES" >&2; exit 1; }

# ---- stage and pack -------------------------------------------------------------------------------
# Packs a copy, so no binary is ever left in the source tree.
set_repository() {
    [[ -n "${GITHUB_REPOSITORY:-}" ]] || return 0
    node - "$1/package.json" "$GITHUB_REPOSITORY" <<'EOF'
const fs = require('node:fs');
const [file, repo] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
pkg.repository = { type: 'git', url: `git+https://github.com/${repo}.git` };
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
EOF
}
pack() { (cd "$1" && npm pack --silent --pack-destination "$OUT" >/dev/null); }

for p in "${!BINARY[@]}"; do
    f="${BINARY[$p]}"
    # The linux packages promise glibc and musl alike (their libc field): only a static binary keeps it.
    if [[ "$p" == linux-* ]] && command -v file >/dev/null && file -b "$f" | grep -q 'dynamically linked'; then
        echo "pack.sh: $f is dynamically linked; the $p package needs the static build (.cargo/config.toml)" >&2
        exit 1
    fi
    dir="$STAGE/$p"
    cp -R "$NPM_DIR/platforms/$p" "$dir"
    mkdir -p "$dir/bin"
    cp "$f" "$dir/bin/$(exe_name "$p")"
    chmod 755 "$dir/bin/$(exe_name "$p")"
    set_repository "$dir"
    pack "$dir"
    echo "packed @commerce-auth-mock/$p $VERSION ($f)"
done
cp -R "$NPM_DIR/commerce-auth-mock" "$STAGE/main"
set_repository "$STAGE/main"
pack "$STAGE/main"
echo "packed commerce-auth-mock $VERSION"
