/**
 * Pure: whether a session has ended (SPEC §4 cleanup). Unknown is never "done":
 * a session whose fate depends on a GitHub answer that did not come is left alone.
 */
import type { SessionAnswer } from "../adapters/github.js";
import { formatDuration } from "./duration.js";
import type { SessionRecord } from "./record.js";

/** How the worktree's HEAD relates to a merged PR's head commit. */
export type Landed =
  | { kind: "landed" }
  | { kind: "ahead"; commits: number }
  /** HEAD is in the PR's history, but the session made no commits: someone else's PR on a same-named branch. */
  | { kind: "foreign" }
  | { kind: "unverifiable"; why: string };

export interface CleanupFacts {
  record: SessionRecord;
  runtimeAlive: boolean;
  /** undefined: the project has no GitHub repo; `failed`: GitHub could not be asked. */
  github?: { answer: SessionAnswer } | { failed: string };
  landed?: Landed;
  deadSince?: number;
  now: number;
  deadAfterMs: number;
}

export type CleanupDecision =
  | { action: "clean"; status: "done" | "exited"; reason: string }
  /** `notable`: the user should hear why (e.g. commits after a merge). */
  | { action: "keep"; reason: string; notable?: boolean }
  | { action: "unknown"; reason: string };

export function decideCleanup(f: CleanupFacts): CleanupDecision {
  const answer = f.github && "answer" in f.github ? f.github.answer : undefined;
  const pr = answer?.pr;
  if (pr?.merged) {
    if (f.landed?.kind === "landed") return { action: "clean", status: "done", reason: `PR #${pr.number} merged` };
    if (f.landed?.kind === "ahead") {
      const n = f.landed.commits;
      return { action: "keep", notable: true, reason: `PR #${pr.number} is merged, but the worktree has ${n} commit${n === 1 ? "" : "s"} after its head` };
    }
  }
  if (answer?.issueState === "CLOSED") return { action: "clean", status: "done", reason: `issue #${issueNumber(f.record.issue)} closed` };
  if (!f.runtimeAlive && f.deadSince !== undefined) {
    const deadFor = f.now - f.deadSince;
    if (deadFor >= f.deadAfterMs) return { action: "clean", status: "exited", reason: `runtime dead for ${formatDuration(deadFor, true)}` };
  }
  if (pr?.merged && f.landed?.kind === "foreign") return { action: "keep", notable: true, reason: `PR #${pr.number} is merged, but the session has no commits of its own in it` };
  if (pr?.merged && f.landed?.kind === "unverifiable") return { action: "keep", notable: true, reason: `PR #${pr.number} is merged, but ${f.landed.why}` };
  if (f.github && "failed" in f.github) return { action: "unknown", reason: f.github.failed };
  if (!f.runtimeAlive) return { action: "keep", reason: `runtime dead; cleaned once dead for ${formatDuration(f.deadAfterMs, true)}` };
  if (pr) return { action: "keep", reason: `PR #${pr.number} ${pr.state.toLowerCase()}` };
  return { action: "keep", reason: "still active" };
}

/** GitHub's GraphQL `Int` is 32-bit: a larger number is no GitHub issue, and asking would fail the whole request. */
const MAX_ISSUE = 2 ** 31 - 1;

/** A GitHub issue number from `123`, `#123` (stored as 123) or `gh-123`; other trackers' ids (and numbers no issue can have) give undefined. */
export function issueNumber(issue: string | null): number | undefined {
  const m = issue ? /^(?:gh-)?0*(\d{1,10})$/.exec(issue) : null;
  const n = m ? Number(m[1]) : 0;
  return n >= 1 && n <= MAX_ISSUE ? n : undefined;
}
