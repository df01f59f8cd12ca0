/**
 * A throw-away world for one test: a git repository with a bare origin, a private
 * tmux server, a config using the demo agent, and `ao` run as the built binary.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { gitRepo } from "./git.js";
import { runProc, waitFor, type Result } from "./proc.js";
import { tmuxServer } from "./tmux.js";
import { demoAgentYaml } from "../../scripts/demo-config.mjs";

export const ROOT = resolve(import.meta.dirname, "../..");
export const AO_BIN = join(ROOT, "bin", "ao.js");
export const DEMO_AGENT = join(ROOT, "scripts", "demo-agent.mjs");

export interface Sandbox {
  root: string;
  repo: string;
  origin: string;
  dataDir: string;
  /** Where my-app's records live: <dataDir>/projects/my-app/sessions. */
  sessionsDir: string;
  worktreeDir: string;
  configPath: string;
  agentLog: string;
  env: NodeJS.ProcessEnv;
  tmux: ReturnType<typeof tmuxServer>;
  ao(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<Result>;
  /** Messages the demo agent received, in order. */
  received(session?: string): { session: string | null; kind: string; text: string }[];
  writeConfig(yaml: string): void;
  cleanup(): Promise<void>;
}

export function baseConfig(s: { dataDir: string; worktreeDir: string; repo: string }, extra = ""): string {
  return `dataDir: ${s.dataDir}
worktreeDir: ${s.worktreeDir}
defaults:
  agent: demo
agents:
${demoAgentYaml("demo", DEMO_AGENT, { full: false })}${demoAgentYaml("demo-paste", DEMO_AGENT, { prompt: "paste", full: false })}${demoAgentYaml("demo-status", DEMO_AGENT)}projects:
  my-app:
    path: ${s.repo}
    sessionPrefix: ma
${extra}`;
}

export async function sandbox(opts: { config?: (s: { dataDir: string; worktreeDir: string; repo: string }) => string } = {}): Promise<Sandbox> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "ao-test-")));
  const { repo, origin } = await gitRepo(root);
  const dataDir = join(root, "data");
  const worktreeDir = join(root, "worktrees");
  const configPath = join(root, "agent-orchestrator.yaml");
  const agentLog = join(root, "agent.log");
  const tmux = tmuxServer();
  const paths = { dataDir, worktreeDir, repo };
  writeFileSync(configPath, (opts.config ?? baseConfig)(paths));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    XDG_CONFIG_HOME: join(root, ".config"),
    XDG_CACHE_HOME: join(root, ".cache"),
    AO_CONFIG: configPath,
    AO_TMUX_SOCKET: tmux.socket,
    DEMO_AGENT_LOG: agentLog,
    TERM: "xterm-256color",
    GIT_AUTHOR_NAME: "Test",
    GIT_AUTHOR_EMAIL: "test@example.com",
    GIT_COMMITTER_NAME: "Test",
    GIT_COMMITTER_EMAIL: "test@example.com",
  };
  return {
    root, repo, origin, dataDir, sessionsDir: join(dataDir, "projects", "my-app", "sessions"), worktreeDir, configPath, agentLog, env, tmux,
    ao: (args, o = {}) => runProc(process.execPath, [AO_BIN, ...args], { cwd: o.cwd ?? root, env: { ...env, ...o.env }, input: o.input }),
    received(session) {
      if (!existsSync(agentLog)) return [];
      return readFileSync(agentLog, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).filter((e) => !session || e.session === session);
    },
    writeConfig(yaml) {
      writeFileSync(configPath, yaml);
    },
    async cleanup() {
      await tmux.kill();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Waits until the demo agent in `session` shows its prompt. */
export async function agentReady(s: Sandbox, session: string): Promise<void> {
  await waitFor(async () => (await s.tmux.capture(session)).includes("> "), `agent prompt in ${session}`);
}

/** Starts `ao` in the background (for --follow modes): its output so far, and its exit. */
export function startAo(s: Sandbox, args: string[]) {
  const child = spawn(process.execPath, [AO_BIN, ...args], { env: s.env });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("close", r));
  return { pid: child.pid!, output: () => out, exited, signal: (sig: NodeJS.Signals) => child.kill(sig) };
}

/**
 * A fresh sandbox for every test of the file (made before each, cleaned after):
 * the returned object stands for the current test's sandbox.
 */
export function useSandbox(opts: Parameters<typeof sandbox>[0] = {}, setup?: (s: Sandbox) => Promise<void>): Sandbox {
  let current: Sandbox | undefined;
  beforeEach(async () => {
    current = await sandbox(opts);
    await setup?.(current);
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return new Proxy({} as Sandbox, {
    get(_target, key) {
      if (!current) throw new Error("the sandbox exists only inside a test");
      const value = current[key as keyof Sandbox];
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
}
