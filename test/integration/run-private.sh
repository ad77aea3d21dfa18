#!/usr/bin/env bash
# Run the root integration tests inside a private mount namespace: their mounts vanish with it.
set -euo pipefail
cd "$(dirname "$0")/../.."
HANFS_HOST_MNT_NS=$(readlink /proc/self/ns/mnt) exec unshare --mount --propagation private -- \
  env HANFS_HOST_MNT_NS="$(readlink /proc/self/ns/mnt)" npx vitest run --config test/integration/vitest.config.mts "$@"
