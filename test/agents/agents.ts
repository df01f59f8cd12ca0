/**
 * The first-run configuration each real agent needs to talk to the scripted model
 * server and to ask before it runs a tool, kept in the suite: files written into the
 * sandbox's home and the environment ao (and so the tmux server) runs with.
 * What a user has to do once per agent is in the README ("The real agents").
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AGENTS, agentsCache, binPath } from "../../scripts/agents/versions.mjs";

export type AgentId = keyof typeof AGENTS;

/** The installed binary (scripts/agents/install.mjs puts it there). */
export function agentBin(id: AgentId): string {
  const bin = binPath(agentsCache(), AGENTS[id]);
  if (!existsSync(bin)) throw new Error(`${AGENTS[id].pkg}@${AGENTS[id].version} is not installed: run node scripts/agents/install.mjs`);
  return bin;
}

export interface AgentSetup {
  /** Added to the sandbox's environment. */
  env: Record<string, string>;
  /** Marks a worktree path as trusted, so the agent starts without its first-run screens (Claude Code: also the API key's). */
  trust(path: string): void;
  /** YAML under `agents:` that runs the installed binary, keeping the preset's patterns and keys. */
  yaml: string;
}

const API_KEY = "sk-ant-api03-fake-key-for-the-scripted-model-0000000000AA";

/**
 * `home` is the sandbox's HOME; `modelUrl` the scripted model server.
 * `trustApiKey: false` leaves Claude Code's "use this API key?" question to be answered.
 */
export function setupAgent(id: AgentId, home: string, modelUrl: string, opts: { trustApiKey?: boolean } = {}): AgentSetup {
  const bin = agentBin(id);
  const trusted: string[] = [];
  const entry = (resume: string) => `  ${id}:\n    command: ${JSON.stringify(bin)}\n    resumeCommand: ${JSON.stringify(`${bin} ${resume}`)}\n`;
  if (id === "claude-code") {
    const dir = join(home, "claude-config");
    const file = join(dir, ".claude.json");
    mkdirSync(dir, { recursive: true });
    let approveKey = opts.trustApiKey !== false;
    // Claude Code keeps its own state in this file too (the answers given on its screens): merge, never replace.
    const write = () => {
      const state = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
      state.hasCompletedOnboarding = true;
      state.lastOnboardingVersion = AGENTS["claude-code"].version;
      state.theme ??= "dark";
      // Claude Code asks once whether to use a key found in ANTHROPIC_API_KEY; the answer is kept by the key's last 20 characters.
      state.customApiKeyResponses ??= { approved: [], rejected: [] };
      if (approveKey && !state.customApiKeyResponses.approved.includes(API_KEY.slice(-20))) state.customApiKeyResponses.approved.push(API_KEY.slice(-20));
      state.projects ??= {};
      for (const p of trusted) state.projects[p] = { ...state.projects[p], hasTrustDialogAccepted: true };
      writeFileSync(file, JSON.stringify(state, null, 2));
    };
    write();
    return {
      env: {
        CLAUDE_CONFIG_DIR: dir,
        ANTHROPIC_BASE_URL: modelUrl,
        ANTHROPIC_API_KEY: API_KEY,
        DISABLE_AUTOUPDATER: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_TELEMETRY: "1",
      },
      trust(path) {
        trusted.push(path);
        approveKey = true;
        write();
      },
      yaml: entry("--continue"),
    };
  }
  if (id === "codex") {
    const dir = join(home, "codex-home");
    mkdirSync(dir, { recursive: true });
    const write = () =>
      writeFileSync(
        join(dir, "config.toml"),
        [
          'model = "fake-model"',
          'model_provider = "fake"',
          // on-request: Codex asks before a command that leaves its sandbox (the model server asks for that).
          'approval_policy = "on-request"',
          'sandbox_mode = "workspace-write"',
          "check_for_update_on_startup = false",
          "",
          "[model_providers.fake]",
          'name = "Fake"',
          `base_url = "${modelUrl}/v1"`,
          'wire_api = "responses"',
          'env_key = "FAKE_API_KEY"',
          "request_max_retries = 0",
          "stream_max_retries = 0",
          "",
          ...trusted.flatMap((p) => [`[projects.${JSON.stringify(p)}]`, 'trust_level = "trusted"', ""]),
        ].join("\n"),
      );
    write();
    return {
      env: { CODEX_HOME: dir, FAKE_API_KEY: "x" },
      trust(path) {
        trusted.push(path);
        write();
      },
      yaml: entry("resume --last"),
    };
  }
  // OpenCode has no folder-trust screen.
  const dir = join(home, ".config", "opencode");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "opencode.json"),
    JSON.stringify({
      $schema: "https://opencode.ai/config.json",
      autoupdate: false,
      share: "disabled",
      model: "fake/fake-model",
      small_model: "fake/fake-model",
      provider: { fake: { npm: "@ai-sdk/openai-compatible", name: "Fake", options: { baseURL: `${modelUrl}/v1`, apiKey: "x" }, models: { "fake-model": { name: "Fake Model" } } } },
      // Ask before running a command or editing a file (OpenCode's default allows both).
      permission: { bash: "ask", edit: "ask" },
    }),
  );
  return {
    env: {
      OPENCODE_DISABLE_AUTOUPDATE: "1",
      // Without a network OpenCode waits for models.dev (6 s at each start and again in a turn); the provider above is all it needs.
      OPENCODE_DISABLE_MODELS_FETCH: "1",
      OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
      OPENCODE_DISABLE_SHARE: "1",
      OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
      // Not the Claude Code files of the machine (CLAUDE.md, skills): the test sees only its own sandbox.
      OPENCODE_DISABLE_CLAUDE_CODE: "1",
    },
    trust() {},
    yaml: entry("--continue"),
  };
}

/**
 * Processes an agent left running after its tmux session is gone, found by their
 * command line naming the sandbox (Codex starts an app-server daemon from its
 * CODEX_HOME that outlives the TUI). Killed so that runs do not pile them up.
 */
export function killLeftovers(root: string): number {
  let killed = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    if (Number(pid) === process.pid || !cmdline.includes(`${root}/`)) continue;
    try {
      process.kill(Number(pid), "SIGKILL");
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}
