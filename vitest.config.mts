import { defineConfig } from "vitest/config";

// Unit tests: no root, no mounts. Root integration tests have their own config (test/integration).
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
    testTimeout: 20_000,
  },
});
