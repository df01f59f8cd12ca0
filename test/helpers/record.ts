import type { SessionRecord } from "../../src/core/record.js";

/** A plausible session record (ma-1 of my-app, working), with `over` on top. */
export const sessionRecord = (over: Partial<SessionRecord> = {}): SessionRecord => ({
  schemaVersion: 1, name: "ma-1", project: "my-app", issue: null, title: null, branch: "ao/ma-1", baseRef: "origin/main",
  agent: "demo", workspacePath: "/w", tmuxSession: "ma-1", status: "working", prUrl: null,
  createdAt: "2026-01-01T11:00:00Z", updatedAt: "2026-01-01T11:00:00Z", lastActivityAt: "2026-01-01T11:00:00Z", ...over,
});
