import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keys, order, rowOf, shows, startDash } from "../helpers/dash.js";
import { useGitHubSandbox, withRepo } from "../helpers/github-sandbox.js";
import { baseConfig } from "../helpers/sandbox.js";

const TOKEN = "ghp_dash_test_token_1234567890";
// A short cache, so the dash asks GitHub at once although ls asked a moment before.
const { s, gh } = useGitHubSandbox(TOKEN, (p) => withRepo(baseConfig(p, "github:\n  cacheTtl: 1s\n")));

async function spawn(issue: string, title: string): Promise<void> {
  const r = await s.ao(["spawn", "my-app", issue, "--agent", "demo-status", "--title", title]);
  expect(r.code, r.stderr).toBe(0);
}

describe("ao dash with GitHub", () => {
  it("shows PRs with checks and review state, failing CI and requested changes first, and draws before GitHub answers", async () => {
    await spawn("1", "Add rate limiting to the API");
    await spawn("2", "Fix the login redirect loop");
    await spawn("3", "Document the config file");
    await spawn("4", "Upgrade the test runner");
    expect((await s.ao(["send", "ma-1", "/ask run npm install"])).code).toBe(0);
    expect((await s.ao(["session", "ls"])).code).toBe(0); // the server's first GraphQL answer (schema loading) is slow
    await new Promise((r) => setTimeout(r, 1_100)); // past the cache TTL
    gh.repos.get("acme/app")!.pulls.push(
      { number: 12, headRefName: "2-fix-the-login-redirect-loop", headRefOid: "b".repeat(40), state: "OPEN", checks: [{ kind: "run", name: "test", conclusion: "FAILURE" }] },
      { number: 13, headRefName: "3-document-the-config-file", headRefOid: "c".repeat(40), state: "OPEN", checks: [{ kind: "run", name: "test" }], reviewDecision: "CHANGES_REQUESTED" },
      { number: 14, headRefName: "4-upgrade-the-test-runner", headRefOid: "d".repeat(40), state: "OPEN", isDraft: true, checks: [{ kind: "status", context: "ci/build", state: "PENDING" }], reviewDecision: "REVIEW_REQUIRED" },
    );
    gh.state.delayMs = 2_500; // a slow GitHub: the dash must not wait for it
    await startDash(s, { env: { AO_GITHUB_TIMEOUT: "20s" } }); // slow, not failing, on a loaded machine
    let text = await shows(s, /> ma-1\s+waiting/);
    expect(text).not.toContain("#12");
    expect(order(text)).toEqual(["ma-1", "ma-2", "ma-3", "ma-4"]);
    await keys(s, "j"); // keys work while GitHub has not answered
    text = await shows(s, /> ma-2\s/);
    expect(text).not.toContain("#12");
    await keys(s, "k");
    text = await shows(s, (t) => t.includes("#14") && t.includes("Permission needed: run npm install"), 15_000);
    expect(order(text)).toEqual(["ma-1", "ma-2", "ma-3", "ma-4"]);
    expect(rowOf(text, "ma-2")).toMatch(/ma-2\s+\S+\s+\d+s\s+2-fix-the-login-redirect\S*\s+#12\s+FAIL\s+-\s+Fix the login/);
    expect(rowOf(text, "ma-3")).toMatch(/ma-3\s+\S+\s+\d+s\s+3-document-the-config\S*\s+#13\s+pass\s+changes\s+Document/);
    expect(rowOf(text, "ma-4")).toMatch(/ma-4\s+\S+\s+\d+s\s+4-upgrade-the-test\S*\s+#14d\s+pend\s+review\s+Upgrade/);
    expect(text).toContain("my-app (4, 3 need you)");
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
