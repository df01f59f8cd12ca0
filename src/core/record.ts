/** The persisted session record (schemaVersion 1) and its statuses (SPEC §3). */
import type { IssueState, PullRequestInfo } from "../adapters/github.js";

export type { IssueState, PullRequestInfo };
export const SCHEMA_VERSION = 1;

export const STORED_STATUSES = ["spawning", "working", "paused", "killed", "done", "exited"] as const;
export type StoredStatus = (typeof STORED_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<StoredStatus> = new Set(["killed", "done", "exited"]);

/**
 * A session's key across projects: records of an older config may hold the same
 * name in two projects, so answers, observations and watch memory are keyed by
 * project AND name.
 */
export const sessionKey = (r: Pick<SessionRecord, "project" | "name">): string => `${r.project}/${r.name}`;

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
  /**
   * The absolute path of the config file that created the session. Inside its
   * worktree ao uses this file instead of walking up (SPEC §1 "Trust"): the agent
   * can write into the worktree, never into the record. Absent in older records.
   */
  configPath?: string;
  tmuxSession: string;
  /**
   * The socket path of the tmux server the session was started on; every command
   * uses it (core/runtime.ts). Absent in records from before it was kept.
   */
  tmuxSocket?: string;
  /**
   * The worktree's git directory (`<repo>/.git/worktrees/<name>`), read from its
   * `.git` file when ao made the worktree, before any agent ran in it: `ls` reads
   * the live branch from `<gitDir>/HEAD` (one file, not two, per session).
   * Absent in older records; ignored unless absolute.
   */
  gitDir?: string;
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
  type: "spawned" | "message_sent" | "status_changed" | "killed" | "restored" | "work_saved" | "pr_changed" | "cleaned" | "updated" | "paused" | "resumed" | "replied" | "aborted" | WatchEventType;
  [key: string]: unknown;
}

/**
 * What `ao watch` logs in a session's history, each with `cause` (the key that
 * makes it happen once) and a human-readable `text` (ao dash shows it).
 */
export type WatchEventType = "watch_detected" | "watch_queued" | "watch_sent" | "watch_notified" | "watch_dropped" | "watch_acted";

/** A full commit id, as GitHub's headRefOid must be. */
export const COMMIT_OID_RE = /^[0-9a-f]{40}$/;

/** An https URL of printable ASCII only: nothing in it can steer a terminal. */
export function isHttpsUrl(value: unknown): value is string {
  if (typeof value !== "string" || value.length > 2048 || !/^https:\/\/[\x21-\x7e]+$/.test(value)) return false;
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
}

const PR_STATES: ReadonlySet<unknown> = new Set(["OPEN", "CLOSED", "MERGED"]);
const ISSUE_STATES: ReadonlySet<unknown> = new Set(["OPEN", "CLOSED", null]);

/**
 * Whether a cached PR has the shape ao writes. Records written before answers
 * were validated may hold anything; `ls` must show them, not crash on them.
 * Hand-written rather than zod: this runs on every `ls`, which never loads zod.
 */
export function isCachedPr(pr: unknown): pr is PullRequestInfo {
  if (typeof pr !== "object" || pr === null) return false;
  const p = pr as Record<string, unknown>;
  return Number.isInteger(p.number) && isHttpsUrl(p.url) && PR_STATES.has(p.state) && typeof p.merged === "boolean" && (p.mergedAt === null || typeof p.mergedAt === "string") && typeof p.headRefOid === "string" && COMMIT_OID_RE.test(p.headRefOid) && typeof p.isDraft === "boolean" && (p.checksState === undefined || CHECKS.has(p.checksState)) && (p.reviewState === undefined || REVIEWS.has(p.reviewState));
}
const CHECKS: ReadonlySet<unknown> = new Set(["passing", "failing", "pending"]);
const REVIEWS: ReadonlySet<unknown> = new Set(["approved", "changes_requested", "review_required"]);

/** The record with any malformed cached GitHub state dropped (it is fetched again). */
export function withSaneCache(r: SessionRecord): SessionRecord {
  const pr = r.pr === undefined || r.pr === null || isCachedPr(r.pr) ? r.pr : undefined;
  const issueState = r.issueState === undefined || ISSUE_STATES.has(r.issueState) ? r.issueState : undefined;
  const prUrl = r.prUrl === null || isHttpsUrl(r.prUrl) ? r.prUrl : null;
  const gitDir = r.gitDir === undefined || (typeof r.gitDir === "string" && r.gitDir.startsWith("/")) ? r.gitDir : undefined;
  if (pr === r.pr && issueState === r.issueState && prUrl === r.prUrl && gitDir === r.gitDir) return r;
  const clean: SessionRecord = { ...r, pr, issueState, prUrl, gitDir };
  if (gitDir === undefined) delete clean.gitDir;
  if (pr === undefined) delete clean.pr;
  if (issueState === undefined) delete clean.issueState;
  if (clean.pr === undefined && clean.issueState === undefined) delete clean.checkedAt; // asked again on the next refresh
  return clean;
}
