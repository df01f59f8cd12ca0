import { describe, expect, it } from "vitest";
import { renderSessionList } from "../../src/cli/render/sessions.js";
import { loadStyle, noStyle, colorWanted } from "../../src/cli/render/style.js";
import { githubRepoFromUrl } from "../../src/core/init.js";
import type { SessionView } from "../../src/core/plan.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const view = (name: string, project: string, ageMs: number, branch: string, status: SessionView["status"], prUrl: string | null = null) =>
  ({ name, project, branch, status, prUrl, lastActivityAt: new Date(NOW - ageMs).toISOString() }) as SessionView;

describe("ls rendering (SPEC §4, exact)", () => {
  it("groups by project with two-space separators", () => {
    const text = renderSessionList(
      [
        view("ao-int-1234", "agent-orchestrator", 120_000, "int-1234-fix-errors", "working", "https://github.com/owner/repo/pull/156"),
        view("ao-int-1235", "agent-orchestrator", 900_000, "int-1235-add-tests", "idle"),
        view("ma-int-456", "my-app", 300_000, "int-456-ui-update", "working"),
      ],
      NOW,
      noStyle,
    );
    expect(text).toBe(
      [
        "agent-orchestrator:",
        "  ao-int-1234  (2m)  int-1234-fix-errors  [working]  https://github.com/owner/repo/pull/156",
        "  ao-int-1235  (15m)  int-1235-add-tests  [idle]",
        "",
        "my-app:",
        "  ma-int-456  (5m)  int-456-ui-update  [working]",
      ].join("\n"),
    );
  });

  it("on a terminal, lines the columns up across projects (padding outside the colour codes)", async () => {
    const sessions = [
      view("ao-int-1234", "agent-orchestrator", 120_000, "int-1234-fix-errors", "working", "https://github.com/owner/repo/pull/156"),
      view("ao-int-1235", "agent-orchestrator", 900_000, "int-1235-add-tests", "idle"),
      view("ma-1", "my-app", 3_600_000 * 30, "b", "dead", "https://github.com/owner/app/pull/2"),
    ];
    expect(renderSessionList(sessions, NOW, noStyle, { align: true })).toBe(
      [
        "agent-orchestrator:",
        "  ao-int-1234  (2m)   int-1234-fix-errors  [working]  https://github.com/owner/repo/pull/156",
        "  ao-int-1235  (15m)  int-1235-add-tests   [idle]",
        "",
        "my-app:",
        "  ma-1         (1d)   b                    [dead]     https://github.com/owner/app/pull/2",
      ].join("\n"),
    );
    const coloured = renderSessionList(sessions, NOW, await loadStyle(true), { align: true });
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, "")).toBe(renderSessionList(sessions, NOW, noStyle, { align: true }));
  });

  it("colours only when wanted", async () => {
    expect(colorWanted({}, { isTTY: true }, {})).toBe(true);
    expect(colorWanted({}, { isTTY: false }, {})).toBe(false);
    expect(colorWanted({}, { isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colorWanted({}, { isTTY: true }, { NO_COLOR: "" })).toBe(true); // no-color.org: only a non-empty value counts
    expect(colorWanted({ color: false }, { isTTY: true }, {})).toBe(false);
    const style = await loadStyle(true);
    expect(style.green("x")).toBe("\u001b[32mx\u001b[39m");
  });

  it("makes a session that waits for an answer stand out in colour", async () => {
    const style = await loadStyle(true);
    const text = renderSessionList([view("ma-1", "my-app", 1_000, "b", "waiting"), view("ma-2", "my-app", 1_000, "b", "idle"), view("ma-3", "my-app", 1_000, "b", "dead")], NOW, style);
    expect(text).toContain("\u001b[33m[waiting]\u001b[39m");
    expect(text).toContain("\u001b[2m[idle]\u001b[22m");
    expect(text).toContain("\u001b[31m[dead]\u001b[39m");
  });
});

describe("GitHub remotes", () => {
  it.each([
    ["git@github.com:owner/repo.git", "owner/repo"],
    ["https://github.com/owner/repo", "owner/repo"],
    ["https://token@github.com/owner/my.repo.git", "owner/my.repo"],
    ["ssh://git@github.com/owner/repo.git", "owner/repo"],
    ["https://gitlab.com/owner/repo.git", undefined],
    ["/tmp/origin.git", undefined],
  ])("%s → %s", (url, repo) => expect(githubRepoFromUrl(url)).toBe(repo));
});
