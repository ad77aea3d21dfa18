import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The Debian package test (root): a cached Debian 12 root entered in private namespaces
// (test/pkg/run-in.sh). Slow by nature: building the root the first time takes minutes.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/pkg/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 3_600_000,
  },
});
