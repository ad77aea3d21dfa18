#!/usr/bin/env bash
# The whole suite (README: `npm test`): types, fresh meta-data, unit tests, root integration tests
# in a private mount namespace, then the cluster lab and the VM lab. Every suite runs; the exit code says if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=.test-results
rm -rf "$out" && mkdir -p "$out"
fail=0
step() {
  echo "== $1"
  shift
  "$@" || { echo "!! failed: $*"; fail=1; }
}
json() { echo "--reporter=default --reporter=json --outputFile=$out/$1.json"; }

step "build" node build/ensure-built.mjs
step "typecheck" npx tsc --noEmit
step "meta-data is generated and committed" npx tsx build/metadata.ts --check
# shellcheck disable=SC2046
step "unit tests" npx vitest run $(json unit)
if [ "$(id -u)" = 0 ]; then
  # shellcheck disable=SC2046
  step "integration tests (root, private mount namespace)" bash test/integration/run-private.sh $(json integration)
  step "Debian package (dpkg-deb, lintian)" npx tsx build/package.ts
  # shellcheck disable=SC2046
  step "package test (root, cached Debian 12 root in private namespaces)" npx vitest run --config test/pkg/vitest.config.mts $(json pkg)
  # shellcheck disable=SC2046
  step "cluster lab (root, namespaces)" npx vitest run --config test/lab/vitest.config.mts $(json lab)
  # QEMU guests with Debian's kernel (real DRBD, kernel nfsd); the first run builds the guest image
  # shellcheck disable=SC2046
  # HANFS_VM_LOCK=FILE: wait for FILE's flock first (developers sharing a machine run one VM suite at a time)
  vmlock=()
  [ -n "${HANFS_VM_LOCK:-}" ] && vmlock=(flock "$HANFS_VM_LOCK")
  HANFS_VMLAB_LOGS="$out/vmlab-logs" step "VM lab (root, QEMU)" "${vmlock[@]}" npx vitest run --config test/vmlab/vitest.config.mts $(json vmlab)
else
  echo "!! not root: integration and lab tests need root"; fail=1
fi
node -e '
  const fs = require("fs"); let p = 0, f = 0;
  for (const n of fs.readdirSync(process.argv[1]).filter((f) => f.endsWith(".json"))) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${n}`, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests + (r.success ? 0 : (r.numFailedTests ? 0 : 1));
  }
  console.log(`${p} passed, ${f} failed`);
' "$out"
exit $fail
