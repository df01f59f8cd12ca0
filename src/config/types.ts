import type { AgentSpec } from "./presets.js";

export interface ProjectConfig {
  id: string;
  /** Absolute path of the main checkout. */
  path: string;
  repo?: string;
  defaultBranch: string;
  sessionPrefix: string;
  agent?: string;
  postCreate: string[];
  symlinks: string[];
}

/** The validated config with defaults filled in, `~` expanded and env overrides applied. */
export interface Config {
  /** The file it was read from. */
  path: string;
  dataDir: string;
  worktreeDir: string;
  defaultAgent: string;
  /** Presets merged with the `agents:` section. */
  agents: Record<string, AgentSpec>;
  projects: Record<string, ProjectConfig>;
  githubApiUrl: string;
  /** ls/status refresh the cached GitHub state when older than this. */
  githubCacheTtlMs: number;
  /** A tmux -L name, or a socket path when it contains a slash. */
  tmuxSocket?: string;
  runtimeDeadAfterMs: number;
  /**
   * Set when no config was found: ao acts on recorded sessions with their own
   * configs (SPEC §1 "From anywhere"), and anything needing this config's projects
   * fails with "No agent-orchestrator.yaml found" and this hint. `path` is "".
   */
  missing?: { hint: string };
  /** A transcript part is rotated past this size (one previous part kept). */
  transcriptMaxBytes: number;
  /** `ao watch` (SPEC §4): intervals and reactions with defaults filled in. */
  watch: WatchConfig;
}

export type SendReaction = "send" | "notify" | "off";

export interface WatchConfig {
  intervalMs: number;
  githubIntervalMs: number;
  reactions: {
    "ci-failed": SendReaction;
    "changes-requested": SendReaction;
    conflict: SendReaction;
    waiting: "notify" | "off";
    dead: "notify" | "restore" | "off";
    ready: "notify" | "off";
    merged: "notify" | "cleanup" | "off";
    maxSends: number;
  };
  notify: NotifyTarget[];
}

export type NotifyTarget = { webhook: string } | { command: string[] } | { desktop: boolean };
