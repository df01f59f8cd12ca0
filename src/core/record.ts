/** The persisted session record (schemaVersion 1) and its statuses (SPEC §3). */
import type { IssueState, PullRequestInfo } from "../adapters/github.js";

export type { IssueState, PullRequestInfo };
export const SCHEMA_VERSION = 1;

export const STORED_STATUSES = ["spawning", "working", "paused", "killed", "done", "exited"] as const;
export type StoredStatus = (typeof STORED_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<StoredStatus> = new Set(["killed", "done", "exited"]);

export interface SessionRecord {
  schemaVersion: typeof SCHEMA_VERSION;
  name: string;
  project: string;
  issue: string | null;
  title: string | null;
  /** The branch the session was created on; `ls` shows the live one. */
  branch: string;
  /** What the branch was created from, or null when an existing branch was checked out. */
  baseRef: string | null;
  agent: string;
  workspacePath: string;
  tmuxSession: string;
  /**
   * The socket path of the tmux server the session was started on; every command
   * uses it (core/runtime.ts). Absent in records from before it was kept.
   */
  tmuxSocket?: string;
  status: StoredStatus;
  prUrl: string | null;
  createdAt: string;
  updatedAt: string;
  lastActivityAt: string;
  /** While `spawning`: the pid of the ao process doing it. */
  spawnPid?: number;
  /** Refs where work was saved before a worktree was removed. */
  savedRefs?: string[];
  /** GitHub state cached by the last check (shown by ls; never acted on). */
  pr?: PullRequestInfo | null;
  issueState?: IssueState | null;
  checkedAt?: string;
  /** When a cleanup first saw the runtime gone; the grace period counts from here. */
  deadSince?: string;
  /** Why the session ended (done / exited). */
  endedReason?: string;
  /** Set while paused with --release-worktree: the worktree is gone, the branch is free. */
  released?: { savedRef: string | null };
}

export interface SessionEvent {
  id: number;
  at: string;
  type: "spawned" | "message_sent" | "status_changed" | "killed" | "restored" | "work_saved" | "pr_changed" | "cleaned" | "updated" | "paused" | "resumed" | "replied" | "aborted";
  [key: string]: unknown;
}
