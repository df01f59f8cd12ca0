/** What the core receives from the outside world. Nothing in core/ imports fs, child_process or octokit. */
import type { Files } from "../adapters/files.js";
import type { SessionFailure, SessionQuery, SessionResult } from "../adapters/github.js";
import type { WatchFacts, WatchQuery } from "./watch-facts.js";
import type { Git } from "../adapters/git.js";
import type { Store } from "../adapters/store.js";
import type { Tmux } from "../adapters/tmux.js";
import type { Config } from "../config/types.js";
import type { ViewMemo } from "./plan.js";

export interface Adapters {
  store: Store;
  /** The configured tmux server: where new sessions start. */
  tmux: Tmux;
  /** A tmux server by socket path (the one a record names; see core/runtime.ts). */
  tmuxFor(socket: string): Tmux;
  /**
   * The context of another config that a session recorded (SPEC §1 "From
   * anywhere"), over this context's dataDir and tmux servers. Its trust is
   * checked as for a config found from a session's worktree.
   */
  contextOf(configPath: string): Promise<Context>;
  git: Git;
  files: Files;
  /** Runs a config-authored command through /bin/sh in `cwd`. */
  shell(script: string, cwd: string, env: Record<string, string>): Promise<void>;
  /** Runs argv in `cwd` attached to this terminal (no shell); resolves to its exit code. */
  runAttached(argv: readonly string[], cwd: string, env: Record<string, string>): Promise<number>;
  /** Runs argv in `cwd` (no shell), capturing its output; a non-zero exit is a result, not an error. */
  runCaptured(argv: readonly string[], cwd: string, env: Record<string, string>): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** The live branch of a worktree from its HEAD file; `gitDir`: the one ao recorded (adapters/git.ts). */
  readHeadBranch(worktree: string, gitDir?: string): string | undefined;
  /** A linked worktree's git directory, from its `.git` file. */
  worktreeGitDir(worktree: string): string | undefined;
  /**
   * For a long-running reader that lists every second (the dash): records and
   * worktree HEADs are read again only when their files changed (stat), and
   * tmux is asked through a resident shell (Tmux.keepListing). The listing is
   * the same; `false` turns it off.
   */
  keepWarm(on: boolean): void;
  /** While keepWarm is on: the views made of cached records (core/plan.ts ViewMemo). */
  viewMemo?(): ViewMemo | undefined;
  /** While keepWarm is on: a value that changes whenever readHeadBranch may answer otherwise (HeadCache.generation). */
  headsGeneration?(): string | undefined;
  now(): number;
  /** Whether a process (a lock holder, a spawning ao) still exists. */
  processAlive(pid: number): boolean;
  /**
   * Fault injection for the crash tests: SIGKILLs this process when
   * AO_CRASH_AT names the point. Does nothing otherwise.
   */
  crashPoint(name: string): void;
  /** A GitHub client (loaded on first use: octokit is heavy). */
  github(opts: GitHubCallOptions): Promise<GitHubPort>;
}

export interface GitHubCallOptions {
  /** list: one quick attempt; cleanup: retries within a bounded total time; watch: one attempt (the next pass asks again). */
  purpose: "list" | "cleanup" | "watch";
}

export interface GitHubPort {
  /** Where the token came from, or undefined when asking anonymously. */
  tokenSource?: string;
  /** By query key; a session GitHub could not answer usably is a SessionFailure. */
  sessions(repo: string, queries: readonly SessionQuery[]): Promise<Map<string, SessionResult>>;
  /** null when the number is no issue of the repository. */
  issueTitle(repo: string, issueNumber: number): Promise<string | null>;
  /** ao watch: every session's PR facts in one request per repository (by query key). */
  watch(repo: string, queries: readonly WatchQuery[]): Promise<Map<string, WatchFacts | SessionFailure>>;
  /** ao watch: a failing GitHub Actions job's log. */
  jobLog(repo: string, jobId: number): Promise<string>;
}

export interface Context extends Adapters {
  config: Config;
  env: NodeJS.ProcessEnv;
}

/** Progress and warnings from long operations; the CLI decides how to show them. */
export interface Reporter {
  warn?(message: string): void;
  /** Information that is not a problem (e.g. asking GitHub without a token). */
  note?(message: string): void;
  step?(message: string): void;
}
