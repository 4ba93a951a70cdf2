#!/bin/sh
# Node 24 for Parasol where the machine's Node is older: installs the npm registry's node-<os>-<cpu>@24
# package (the official Node binary with its headers) into .tools/node24 once, then prints the lines that
# put it first on PATH. Used by the README's set-up and by .ci/run:  eval "$(scripts/node24.sh)"
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)

# A Node 24 or later already on PATH (nvm, fnm, volta, a system package) is used as it is.
if [ "${1:-}" != "--force" ] && node -e 'process.exit(+process.versions.node.split(".")[0] >= 24 ? 0 : 1)' 2>/dev/null; then
  echo "Node $(node --version) is already 24 or later: nothing to do." >&2
  exit 0
fi

case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os=unsupported ;; esac
case "$(uname -m)" in x86_64 | amd64) cpu=x64 ;; aarch64 | arm64) cpu=arm64 ;; *) cpu=unsupported ;; esac
name="node-$os-$cpu"
dir="$root/.tools/node24"
home="$dir/node_modules/$name"

if ! "$home/bin/node" -e 'process.exit(+process.versions.node.split(".")[0] === 24 ? 0 : 1)' 2>/dev/null; then
  echo "Installing Node 24 ($name@24) into .tools/node24 …" >&2
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$name@24" >&2
fi
echo "Using Node $("$home/bin/node" --version) from .tools/node24." >&2

# npm (the machine's) then runs on Node 24; native modules (better-sqlite3, scripts/build-sqlite.mjs) compile
# against this Node's own headers, so node-gyp downloads none.
printf "export PATH='%s':\"\$PATH\"\n" "$home/bin"
printf "export npm_config_nodedir='%s'\n" "$home"
