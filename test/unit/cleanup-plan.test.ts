import { describe, expect, it } from "vitest";
import { decideCleanup, issueNumber, type CleanupFacts } from "../../src/core/cleanup-plan.js";
import { formatDuration } from "../../src/core/duration.js";
import type { SessionRecord } from "../../src/core/record.js";
import { renderCleanup } from "../../src/cli/commands/cleanup.js";

const NOW = Date.parse("2026-03-01T00:00:00Z");
const H = 3_600_000;
const record = (over: Partial<SessionRecord> = {}) => ({ name: "ma-1", issue: null, status: "working", ...over }) as SessionRecord;
const pr = (state: "OPEN" | "CLOSED" | "MERGED") => ({ number: 5, url: "u", state, merged: state === "MERGED", mergedAt: null, headRefOid: "a".repeat(40), isDraft: false });
const facts = (over: Partial<CleanupFacts>): CleanupFacts => ({ record: record(), runtimeAlive: true, now: NOW, deadAfterMs: 24 * H, ...over });

describe("decideCleanup", () => {
  it("cleans a merged PR only when the worktree's work landed", () => {
    const github = { answer: { pr: pr("MERGED"), issueState: null } };
    expect(decideCleanup(facts({ github, landed: { kind: "landed" } }))).toEqual({ action: "clean", status: "done", reason: "PR #5 merged" });
    expect(decideCleanup(facts({ github, landed: { kind: "ahead", commits: 2 } }))).toEqual({ action: "keep", notable: true, reason: "PR #5 is merged, but the worktree has 2 commits after its head" });
    expect(decideCleanup(facts({ github, landed: { kind: "unverifiable", why: "x" } }))).toMatchObject({ action: "keep", notable: true });
  });

  it("keeps open and closed-unmerged PRs", () => {
    expect(decideCleanup(facts({ github: { answer: { pr: pr("OPEN"), issueState: null } } }))).toEqual({ action: "keep", reason: "PR #5 open" });
    expect(decideCleanup(facts({ github: { answer: { pr: pr("CLOSED"), issueState: null } } }))).toEqual({ action: "keep", reason: "PR #5 closed" });
  });

  it("cleans a closed issue", () => {
    expect(decideCleanup(facts({ record: record({ issue: "gh-12" }), github: { answer: { pr: null, issueState: "CLOSED" } } }))).toEqual({ action: "clean", status: "done", reason: "issue #12 closed" });
  });

  it("cleans a dead runtime only after the grace period", () => {
    expect(decideCleanup(facts({ runtimeAlive: false, deadSince: NOW - 2 * H }))).toMatchObject({ action: "keep" });
    expect(decideCleanup(facts({ runtimeAlive: false, deadSince: NOW - 25 * H }))).toEqual({ action: "clean", status: "exited", reason: "runtime dead for 1d 1h" });
    expect(decideCleanup(facts({ runtimeAlive: false, deadSince: NOW, deadAfterMs: 0 }))).toMatchObject({ action: "clean", status: "exited" });
  });

  it("never treats unknown as done", () => {
    expect(decideCleanup(facts({ github: { failed: "GitHub answered HTTP 502" } }))).toEqual({ action: "unknown", reason: "GitHub answered HTTP 502" });
    // A runtime dead past its grace period ends the session whatever GitHub says.
    expect(decideCleanup(facts({ github: { failed: "down" }, runtimeAlive: false, deadSince: NOW - 48 * H }))).toMatchObject({ action: "clean", status: "exited" });
  });

  it("reads GitHub issue numbers only", () => {
    expect([issueNumber("123"), issueNumber("gh-123"), issueNumber("int-123"), issueNumber(null)]).toEqual([123, 123, undefined, undefined]);
    // GitHub's Int is 32-bit: a larger number is no issue of GitHub's, and asking for it would fail the whole request.
    expect([issueNumber("2147483647"), issueNumber("2147483648"), issueNumber("12345678901234567"), issueNumber("0")]).toEqual([2147483647, undefined, undefined, undefined]);
  });

  it("formats durations", () => {
    expect([45_000, 90_000, 3 * H + 60_000, 25 * H, 48 * H].map((ms) => formatDuration(ms, true))).toEqual(["45s", "1m", "3h 1m", "1d 1h", "2d"]);
    expect(formatDuration(25 * H)).toBe("1d");
  });
});

describe("cleanup output (SPEC §4, exact)", () => {
  const item = (name: string, over: object = {}) => ({ name, project: "p", decision: "clean" as const, reason: "r", status: "done" as const, ...over });
  it("dry run", () => {
    expect(renderCleanup({ dryRun: true, items: [item("ao-int-1234"), item("ao-int-1235")], warnings: [] })).toBe(
      "Checking for completed sessions...\n\n  Would kill ao-int-1234\n  Would kill ao-int-1235\n\nDry run complete. 2 sessions would be cleaned.",
    );
  });
  it("a run with an error: the others go on, singular count", () => {
    expect(renderCleanup({ dryRun: false, items: [item("ao-int-1234", { cleaned: true }), item("ao-int-1235", { error: "Worktree not found" })], warnings: [] })).toBe(
      "Checking for completed sessions...\n\n  Cleaned: ao-int-1234\n  Error cleaning ao-int-1235: Worktree not found\n\nCleanup complete. 1 session cleaned.",
    );
  });
  it("nothing to do", () => {
    expect(renderCleanup({ dryRun: false, items: [item("a", { decision: "keep" })], warnings: [] })).toBe("Checking for completed sessions...\n\nNothing to clean.");
  });
});
