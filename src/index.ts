/**
 * The library API: what the CLI does, for scripts.
 *
 *   import { openOrchestrator } from "agent-orchestrator";
 *   const ao = await openOrchestrator();
 *   const { session } = await ao.spawn({ project: "my-app", issue: "INT-1", prompt: "Fix it" });
 *   await ao.send(session.name, "Also add a test");
 */
import { run, runInherited } from "./adapters/exec.js";
import { nodeFiles } from "./adapters/files.js";
import { Git, HeadCache, readHeadBranch, worktreeGitDir } from "./adapters/git.js";
import { pidAlive } from "./adapters/lock.js";
import { Store } from "./adapters/store.js";
import { Tmux } from "./adapters/tmux.js";
import { parseDuration } from "./config/duration.js";
import { applyEnv, loadConfig, loadLocated, withoutConfig, type LoadOptions } from "./config/load.js";
import { userConfigPath } from "./config/locate.js";
import type { Config } from "./config/types.js";
import type { Context } from "./core/context.js";
import type { ViewMemo } from "./core/plan.js";
import { CommandError, ConfigError, NoConfigError } from "./core/errors.js";
import { Orchestrator } from "./core/orchestrator.js";

export { Orchestrator, type ListResult, type KillResult } from "./core/orchestrator.js";
export { MAX_MESSAGE_BYTES, checkMessage } from "./core/message.js";
export type { SpawnOptions, SpawnResult } from "./core/spawn.js";
export type { CleanupReport, CleanupItem } from "./core/cleanup.js";
export type { Finding } from "./core/doctor.js";
export type { Resumed } from "./core/pause.js";
export { SessionHandle } from "./core/handle.js";
export type { TurnResult } from "./core/wait.js";
export type { WatchEvent, WatchOptions } from "./core/watch.js";
export type { PullRequestInfo, IssueState } from "./adapters/github.js";
export type { SessionView, ObservedStatus, ListFilter } from "./core/plan.js";
export { canonicalStatus, IDLE_AFTER_MS } from "./core/plan.js";
export { classifyScreen, type ScreenStatus, type StatusPatterns } from "./core/screen.js";
export type { SessionRecord, SessionEvent, StoredStatus } from "./core/record.js";
export type { Reporter } from "./core/context.js";
export type { Config, ProjectConfig } from "./config/types.js";
export type { AgentSpec, PresetName } from "./config/presets.js";
export { PRESETS } from "./config/presets.js";
export { AoError, UsageError, ConfigError, CommandError, UnsavedWorkError } from "./core/errors.js";
export { attentionOf, dashGroups, type AttentionReason, type DashGroup } from "./core/attention.js";
export type { WatchNote } from "./core/watch-feed.js";
export { loadConfig, findConfigPath } from "./config/load.js";

export interface OpenOptions extends LoadOptions {}

/**
 * Finds and loads the config (SPEC §1) and returns an orchestrator over it. When
 * no config is found but the default dataDir holds sessions, the orchestrator acts
 * on those sessions alone, each with the config recorded by its session
 * ("From anywhere": cron's $HOME); spawning still needs a config.
 */
export async function openOrchestrator(opts: OpenOptions = {}): Promise<Orchestrator> {
  const env = opts.env ?? process.env;
  let config: Config;
  try {
    config = await loadConfig({ ...opts, env });
  } catch (err) {
    if (!(err instanceof NoConfigError)) throw err;
    config = await withoutConfig(env, err);
    if (!new Store(config.dataDir).hasSessions()) throw err;
  }
  return new Orchestrator(makeContext(config, env, new Map()));
}

/**
 * The adapters over one config. Contexts opened for the configs that sessions
 * recorded share `servers` (one Tmux per socket path, so one `list-panes` per
 * server however many configs) and the dataDir the records were found in.
 */
function makeContext(config: Config, env: NodeJS.ProcessEnv, servers: Map<string, Tmux>): Context {
  const server = (socket: string | undefined, path = new Tmux(socket, env).socketPath) => {
    let tmux = servers.get(path);
    if (!tmux) servers.set(path, (tmux = new Tmux(socket, env)));
    return tmux;
  };
  const tmux = server(config.tmuxSocket);
  const owners = new Map<string, Promise<Context>>();
  let heads: HeadCache | undefined;
  let views: ViewMemo | undefined;
  const store = new Store(config.dataDir);
  const ctx: Context = {
    config,
    env,
    store,
    tmux,
    tmuxFor: (socket) => server(socket, socket),
    contextOf: (configPath) => {
      let owner = owners.get(configPath);
      if (!owner) {
        owner = loadLocated({ path: configPath, source: configPath === userConfigPath(env) ? "user" : "session" }, env).then((c) =>
          makeContext({ ...applyEnv(c, env), dataDir: config.dataDir }, env, servers),
        );
        owners.set(configPath, owner);
      }
      return owner;
    },
    git: new Git(env),
    files: nodeFiles,
    shell: async (script, cwd, extra) => {
      await run("/bin/sh", ["-c", script], { cwd, env: { ...env, ...extra } });
    },
    runAttached: (argv, cwd, extra) => runInherited(argv, { cwd, env: { ...env, ...extra } }),
    runCaptured: async ([file, ...args], cwd, extra) => {
      try {
        return await run(file!, args, { cwd, env: { ...env, ...extra } });
      } catch (err) {
        if (err instanceof CommandError && err.spawnErrorCode === undefined && err.exitCode !== null) return { exitCode: err.exitCode, stdout: err.stdout, stderr: err.stderr };
        throw err;
      }
    },
    readHeadBranch: (worktree, gitDir) => (heads ? heads.read(worktree, gitDir) : readHeadBranch(worktree, gitDir)),
    worktreeGitDir,
    viewMemo: () => views,
    headsGeneration: () => heads?.generation(),
    keepWarm: (on) => {
      if (!on) heads?.close();
      heads = on ? (heads ?? new HeadCache()) : undefined;
      views = on ? (views ?? new WeakMap()) : undefined;
      store.cacheRecords(on);
      for (const server of servers.values()) server.keepListing(on);
    },
    now: () => Date.now(),
    processAlive: pidAlive,
    crashPoint: (name) => {
      if (env.AO_CRASH_AT === name) process.kill(process.pid, "SIGKILL");
    },
    github: async ({ purpose }) => {
      const { GitHubClient, resolveToken } = await import("./adapters/github.js");
      const token = await resolveToken(env);
      const timeoutMs = env.AO_GITHUB_TIMEOUT ? envDuration("AO_GITHUB_TIMEOUT", env.AO_GITHUB_TIMEOUT) : purpose === "list" ? 3_000 : purpose === "watch" ? 10_000 : 15_000;
      const client = new GitHubClient({
        apiUrl: config.githubApiUrl,
        token,
        timeoutMs,
        totalMs: purpose === "cleanup" ? Math.max(60_000, timeoutMs * 4) : timeoutMs,
        retries: purpose === "cleanup" ? 4 : 0,
      });
      return {
        tokenSource: token?.source,
        sessions: (repo, queries) => client.sessions(repo, queries),
        issueTitle: (repo, n) => client.issueTitle(repo, n),
        watch: (repo, queries) => client.watch(repo, queries),
        jobLog: (repo, id) => client.jobLog(repo, id),
      };
    },
  };
  return ctx;
}

function envDuration(name: string, value: string): number {
  if (!/^(0|\d+[smhd])$/.test(value)) throw new ConfigError(`${name}=${value} is not a duration like 5s, 2m or 1h`);
  return parseDuration(value);
}
