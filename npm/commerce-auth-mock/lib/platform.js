'use strict';
// Finds the native binary. Each platform's binary is its own package, listed in this package's
// optionalDependencies with `os`/`cpu` (and `libc`) fields, so the package manager installs only
// the one that fits this machine; here we ask Node's resolver where it was put (which works with
// npm, pnpm and yarn layouts alike, hoisted or not).

const path = require('node:path');

/** npm's `${process.platform}-${process.arch}` → the package carrying that platform's binary. */
const PLATFORM_PACKAGES = {
  'linux-x64': '@commerce-auth-mock/linux-x64',
  'linux-arm64': '@commerce-auth-mock/linux-arm64',
  'darwin-x64': '@commerce-auth-mock/darwin-x64',
  'darwin-arm64': '@commerce-auth-mock/darwin-arm64',
  'win32-x64': '@commerce-auth-mock/win32-x64',
};

const OVERRIDE_ENV = 'COMMERCE_AUTH_MOCK_BINARY';

function ownPackage() {
  return require('../package.json');
}

function fromSourceHint() {
  const repo = ownPackage().repository;
  const url = typeof repo === 'string' ? repo : repo && repo.url;
  const where = url ? ` (${url.replace(/^git\+/, '').replace(/\.git$/, '')})` : '';
  return (
    `Build it from source instead: install Rust (https://rustup.rs), clone the repository${where}, ` +
    `run \`cargo install --path .\` in it, and point ${OVERRIDE_ENV} at the installed binary ` +
    '(e.g. ~/.cargo/bin/commerce-auth-mock).'
  );
}

/**
 * Where the binary for `platform`/`arch` is, or an Error saying why there is none and what to do.
 * `resolve` is `require.resolve` (a parameter so the choice can be tested for other platforms).
 */
function locateBinary({ platform, arch, env, resolve }) {
  const override = env[OVERRIDE_ENV];
  if (override) {
    return { path: override };
  }
  const key = `${platform}-${arch}`;
  const pkg = PLATFORM_PACKAGES[key];
  const version = ownPackage().version;
  if (!pkg) {
    return {
      error: new Error(
        `commerce-auth-mock ${version} has no prebuilt binary for this platform (${key}); ` +
          `prebuilt: ${Object.keys(PLATFORM_PACKAGES).join(', ')}. ${fromSourceHint()}`,
      ),
    };
  }
  const file = platform === 'win32' ? 'commerce-auth-mock.exe' : 'commerce-auth-mock';
  let manifest;
  try {
    manifest = resolve(`${pkg}/package.json`);
  } catch {
    return {
      error: new Error(
        `The package ${pkg}, which carries the ${key} binary of commerce-auth-mock, is not installed. ` +
          'It is an optional dependency: install without --no-optional / --omit=optional ' +
          `(or add it yourself: npm install ${pkg}@${version}). ${fromSourceHint()}`,
      ),
    };
  }
  const installed = require(manifest).version;
  if (installed !== version) {
    return {
      error: new Error(
        `${pkg} is version ${installed} but commerce-auth-mock is ${version}; ` +
          `install matching versions (npm install commerce-auth-mock@${version} ${pkg}@${version}).`,
      ),
    };
  }
  return { path: path.join(path.dirname(manifest), 'bin', file) };
}

/** The path of the native binary for this machine; throws with what to do when there is none. */
function binaryPath() {
  const found = locateBinary({
    platform: process.platform,
    arch: process.arch,
    env: process.env,
    resolve: require.resolve,
  });
  if (found.error) {
    throw found.error;
  }
  return found.path;
}

module.exports = { PLATFORM_PACKAGES, OVERRIDE_ENV, locateBinary, binaryPath };
