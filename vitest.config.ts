import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The real agents have their own run: npm run test:agents (vitest.agents.config.ts).
    exclude: ["test/agents/**", "**/node_modules/**"],
    // End-to-end tests start real tmux servers and agents; two cores, two workers.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
