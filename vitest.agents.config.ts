import { defineConfig } from "vitest/config";

// The real agents (npm run test:agents): one file at a time, since each starts real
// agents in tmux against the scripted model server, and generous timeouts, since a
// cold agent start on a busy machine takes seconds (OpenCode: up to a minute on 2 loaded cores).
export default defineConfig({
  test: {
    include: ["test/agents/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 360_000,
    hookTimeout: 180_000,
  },
});
