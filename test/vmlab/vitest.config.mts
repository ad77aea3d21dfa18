import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The VM lab boots QEMU guests (root; emulated, slow): one file at a time, in a forked process so
// that QEMU's pdeathsig ties each VM to a process, not to a worker thread. The first run on a
// machine builds the guest image (minutes); later runs reuse it from the cache.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/vmlab/**/*.test.ts"],
    globalSetup: ["test/lab/setup.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 45 * 60_000,
  },
});
