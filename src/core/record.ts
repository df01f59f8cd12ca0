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
  /**
   * An operation under way, written before its first irreversible step (stopping
   * the agent, saving, removing the worktree) and removed by its last: after a
   * crash, running the operation again or `ao doctor --fix` finishes it, and
   * `ref` names where the work is (or is about to be) saved.
   */
  pending?: PendingOp;
  /** Set while paused with --release-worktree: the worktree is gone, the branch is free. */
  released?: { savedRef: string | null };
}

export interface PendingOp {
  op: "kill" | "cleanup" | "pause" | "resume" | "spawn";
  at: string;
  ref?: string;
  /** kill, cleanup: the status the session ends with, and why. */
  status?: "killed" | "done" | "exited";
  reason?: string;
  /** pause: whether the worktree is released too. */
  releaseWorktree?: boolean;
  /** resume: how far it got. */
  step?: "worktree" | "applied";
}

export interface SessionEvent {
  id: number;
  at: string;
  type: "spawned" | "message_sent" | "status_changed" | "killed" | "restored" | "work_saved" | "pr_changed" | "cleaned" | "updated" | "paused" | "resumed" | "replied" | "aborted";
  [key: string]: unknown;
}
