import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Root integration tests. test/run.sh starts them inside `unshare --mount --propagation private`,
// so every mount they make dies with the run; setup.ts refuses to run in the host's namespace.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/integration/**/*.test.ts"],
    globalSetup: ["test/integration/setup.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
