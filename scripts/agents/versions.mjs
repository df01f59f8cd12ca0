// The agent versions the real-agent suite is tested with (npm run test:agents).
// To update one: change its version here, run `npm run test:agents`, and re-capture
// the screens in test/fixtures/screens (see the README there).
import { homedir } from "node:os";
import { join } from "node:path";

export const AGENTS = {
  "claude-code": { pkg: "@anthropic-ai/claude-code", version: "2.1.197", bin: "claude" },
  codex: { pkg: "@openai/codex", version: "0.169.0", bin: "codex" },
  opencode: { pkg: "opencode-ai", version: "1.18.33", bin: "opencode" },
};

/** ${AO_AGENTS_CACHE:-${XDG_CACHE_HOME:-~/.cache}/ao-test-agents}: outside the repository, kept between runs. */
export function agentsCache(env = process.env) {
  if (env.AO_AGENTS_CACHE) return env.AO_AGENTS_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "ao-test-agents");
}

/** The installed binary of one agent. */
export function binPath(cache, agent, prefix = join(cache, `${agent.pkg.replace("/", "+")}@${agent.version}`)) {
  return join(prefix, "node_modules", ".bin", agent.bin);
}
