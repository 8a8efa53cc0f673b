#!/usr/bin/env bash
# Downloads the commerce-auth-mock release binary for this runner, checks it against the
# release's SHA256SUMS, and writes its path to $GITHUB_OUTPUT (binary=…).
#
# Environment (set by action.yml): VERSION (x.y.z, vx.y.z, or empty / "latest"), REPO
# (owner/name of the releases), ACTION_REF (the ref the action was used at), RUNNER_OS,
# RUNNER_ARCH, RUNNER_TEMP, GH_TOKEN.
set -euo pipefail

case "${RUNNER_OS}/${RUNNER_ARCH}" in
    Linux/X64) target=x86_64-unknown-linux-gnu ext=tar.gz exe=commerce-auth-mock ;;
    Linux/ARM64) target=aarch64-unknown-linux-gnu ext=tar.gz exe=commerce-auth-mock ;;
    macOS/X64) target=x86_64-apple-darwin ext=tar.gz exe=commerce-auth-mock ;;
    macOS/ARM64) target=aarch64-apple-darwin ext=tar.gz exe=commerce-auth-mock ;;
    Windows/X64) target=x86_64-pc-windows-msvc ext=zip exe=commerce-auth-mock.exe ;;
    *)
        echo "::error::commerce-auth-mock has no release binary for ${RUNNER_OS}/${RUNNER_ARCH}; build it (cargo install --path .) and pass its path as the binary input"
        exit 1
        ;;
esac

version="${VERSION:-}"
# Used at a release tag (owner/commerce-auth-mock@v1.2.3), the action runs that release's binary.
if [[ -z "$version" && "${ACTION_REF:-}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    version="$ACTION_REF"
fi
if [[ -z "$version" || "$version" == latest ]]; then
    tag="$(gh release view --repo "$REPO" --json tagName --jq .tagName)"
else
    tag="v${version#v}"
fi
asset="commerce-auth-mock-${tag}-${target}.${ext}"
dir="${RUNNER_TEMP}/commerce-auth-mock-${tag}"
mkdir -p "$dir"
gh release download "$tag" --repo "$REPO" --pattern "$asset" --pattern SHA256SUMS --dir "$dir" --clobber

expected="$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1 }' "$dir/SHA256SUMS")"
if command -v sha256sum >/dev/null; then
    actual="$(sha256sum "$dir/$asset" | cut -d' ' -f1)"
else
    actual="$(shasum -a 256 "$dir/$asset" | cut -d' ' -f1)"
fi
if [[ -z "$expected" || "$expected" != "$actual" ]]; then
    echo "::error::$asset does not match SHA256SUMS of $tag (expected ${expected:-nothing}, got $actual)"
    exit 1
fi

if [[ "$ext" == zip ]]; then
    7z x -y -o"$dir" "$dir/$asset" >/dev/null
else
    tar -xzf "$dir/$asset" -C "$dir"
fi
binary="$(find "$dir" -type f -name "$exe" | head -1)"
[[ -n "$binary" ]] || { echo "::error::no $exe in $asset"; exit 1; }
chmod +x "$binary"
"$binary" --version
echo "binary=$binary" >>"$GITHUB_OUTPUT"
