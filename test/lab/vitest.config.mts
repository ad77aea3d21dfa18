import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The lab boots real clusters (root, namespaces, loop devices): one file at a time, in a forked
// process so the nodes' pdeathsig ties them to a process, not to a worker thread.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/lab/**/*.test.ts"],
    globalSetup: ["test/lab/setup.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
