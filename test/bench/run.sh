#!/usr/bin/env bash
# npm run bench: needs root (loop devices, mounts); runs in a private mount namespace.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec unshare --mount --propagation private -- npx tsx test/bench/main.ts "$@"
