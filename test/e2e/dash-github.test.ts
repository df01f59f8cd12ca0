import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keys, order, rowOf, shows, startDash } from "../helpers/dash.js";
import { useGitHubSandbox, withRepo } from "../helpers/github-sandbox.js";
import { baseConfig } from "../helpers/sandbox.js";

const TOKEN = "ghp_dash_test_token_1234567890";
// A short cache, so the dash asks GitHub at once although ls asked a moment before.
const { s, gh } = useGitHubSandbox(TOKEN, (p) => withRepo(baseConfig(p, "github:\n  cacheTtl: 1s\n")));

async function spawn(issue: string): Promise<void> {
  const r = await s.ao(["spawn", "my-app", issue]);
  expect(r.code, r.stderr).toBe(0);
}

describe("ao dash with GitHub", () => {
  it("shows PRs with checks and review state, failing CI and requested changes first, and draws before GitHub answers", async () => {
    for (const n of ["1", "2", "3"]) await spawn(n);
    expect((await s.ao(["session", "ls"])).code).toBe(0); // the server's first GraphQL answer (schema loading) is slow
    await new Promise((r) => setTimeout(r, 1_100)); // past the cache TTL
    const repo = gh.repos.get("acme/app")!;
    repo.pulls.push(
      { number: 12, headRefName: "2", headRefOid: "b".repeat(40), state: "OPEN", checks: "FAILURE" },
      { number: 13, headRefName: "3", headRefOid: "c".repeat(40), state: "OPEN", checks: "SUCCESS", reviewDecision: "CHANGES_REQUESTED" },
    );
    gh.state.delayMs = 1_500; // a slow GitHub: the dash must not wait for it
    await startDash(s);
    let text = await shows(s, /> ma-1\s+\S+/);
    expect(text).not.toContain("#12");
    await keys(s, "j"); // keys work while GitHub has not answered
    text = await shows(s, /> ma-2\s/);
    expect(text).not.toContain("#12");
    text = await shows(s, "#12", 15_000);
    expect(order(text)).toEqual(["ma-2", "ma-3", "ma-1"]);
    expect(rowOf(text, "ma-2")).toMatch(/ma-2\s+\S+\s+\d+s\s+2\s+#12\s+FAIL\s+-/);
    expect(rowOf(text, "ma-3")).toMatch(/ma-3\s+\S+\s+\d+s\s+3\s+#13\s+pass\s+changes/);
    expect(rowOf(text, "ma-1")).toMatch(/ma-1\s+\S+\s+\d+s\s+1\s+-\s+-\s+-/);
    expect(text).toContain("my-app (3, 2 need you)");
    if (process.env.AO_DASH_CAPTURE) writeFileSync(process.env.AO_DASH_CAPTURE, text); // the README's picture
    await keys(s, "q");
    await shows(s, "dash exited 0");
  });
});

describe("ao dash with many sessions", () => {
  it("scrolls through 200 sessions", async () => {
    // 200 paused sessions written as records: what the dash reads, without 200 agents.
    const now = new Date().toISOString();
    const dir = s.sessionsDir;
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    for (let i = 1; i <= 200; i++) {
      const name = `ma-${i}`;
      writeFileSync(join(dir, `${name}.json`), JSON.stringify({ schemaVersion: 1, name, project: "my-app", issue: String(i), title: `Task ${i}`, branch: `b-${i}`, baseRef: "origin/main", agent: "demo", workspacePath: join(s.worktreeDir, `my-app-${i}`), tmuxSession: name, status: "paused", prUrl: null, createdAt: now, updatedAt: now, lastActivityAt: now }), { mode: 0o600 });
    }
    await startDash(s, { cols: 80, rows: 24 });
    let text = await shows(s, /> ma-1\s+paused/);
    expect(text).toMatch(/200 sessions {2}1-\d+ of 201/);
    expect(order(text)[0]).toBe("ma-1");
    await keys(s, "G");
    text = await shows(s, /> ma-200\s+paused/);
    expect(text).not.toMatch(/^[> ] ma-1 /m);
    expect(text).toMatch(/\d+-201 of 201/);
    await keys(s, "PageUp");
    text = await shows(s, (t) => !/> ma-200/.test(t) && /^> ma-\d+/m.test(t));
    await keys(s, "g");
    await shows(s, /> ma-1\s+paused/);
    await keys(s, "q");
    await shows(s, "dash exited 0");
  });
});
