import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CLI tests spawn worker threads; two files at a time fit 2 cores.
    maxWorkers: 2,
  },
});
