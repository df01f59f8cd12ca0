/** ao watch's GitHub query and job logs against the local GitHub server (every query checked against GitHub's schema). */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubClient } from "../../src/adapters/github.js";
import { githubServer, type GitHubServer } from "../helpers/github-server.js";

let gh: GitHubServer;
beforeEach(async () => {
  gh = await githubServer();
});
afterEach(async () => {
  expect(gh.invalidQueries).toEqual([]);
  await gh.close();
});

const client = (over: Partial<ConstructorParameters<typeof GitHubClient>[0]> = {}) =>
  new GitHubClient({ apiUrl: gh.url, token: { value: "t0ken", source: "GITHUB_TOKEN" }, timeoutMs: 10_000, totalMs: 10_000, retries: 0, ...over });
const A = "a".repeat(40);

describe("GitHubClient.watch", () => {
  it("answers checks, reviews with comments, reviewDecision, mergeable and the base commit in one request for every session", async () => {
    gh.addRepo("acme/app", {
      issues: { 5: "CLOSED" },
      pulls: [
        {
          number: 4, headRefName: "feat", headRefOid: A, state: "OPEN", baseRefOid: "b".repeat(40), mergeable: "CONFLICTING", reviewDecision: "CHANGES_REQUESTED",
          checks: [
            { kind: "run", name: "build", conclusion: "FAILURE", detailsUrl: "https://github.com/acme/app/actions/runs/1/job/77", databaseId: 77 },
            { kind: "run", name: "external", conclusion: "TIMED_OUT", detailsUrl: null, databaseId: 5, app: "circleci" },
            { kind: "run", name: "slow", status: "IN_PROGRESS" },
            { kind: "status", context: "ci/legacy", state: "ERROR", targetUrl: "https://ci.example.com/1" },
            { kind: "status", context: "ci/ok", state: "SUCCESS" },
          ],
          reviews: [
            { id: "R2", state: "CHANGES_REQUESTED", body: "Second", submittedAt: "2026-01-05T00:00:00Z", comments: [{ path: "b.ts", line: null, body: "outdated" }] },
            { id: "R1", state: "CHANGES_REQUESTED", body: "First", author: "alice", submittedAt: "2026-01-04T00:00:00Z", comments: [{ path: "a.ts", line: 3, body: "rename" }] },
            { id: "R0", state: "APPROVED", body: "ok" },
          ],
        },
      ],
    });
    const answers = await client().watch("acme/app", [{ key: "x", branch: "feat", issueNumber: 5 }, { key: "y", branch: "none" }]);
    expect(gh.graphqlRequests()).toBe(1);
    const x = answers.get("x") as any;
    if ("failed" in x) throw new Error(x.failed);
    expect(x.issueState).toBe("CLOSED");
    expect(x.pr).toMatchObject({ number: 4, headRefOid: A, baseRefOid: "b".repeat(40), baseRefName: "main", mergeable: "CONFLICTING", reviewDecision: "CHANGES_REQUESTED" });
    expect(x.pr.checks).toEqual([
      { name: "build", outcome: "failure", url: "https://github.com/acme/app/actions/runs/1/job/77", jobId: 77 },
      { name: "external", outcome: "failure", url: null },
      { name: "slow", outcome: "pending", url: null },
      { name: "ci/legacy", outcome: "failure", url: "https://ci.example.com/1" },
      { name: "ci/ok", outcome: "success", url: null },
    ]);
    expect(x.pr.reviews.map((r: any) => [r.id, r.author, r.comments])).toEqual([
      ["R1", "alice", [{ path: "a.ts", line: 3, body: "rename" }]],
      ["R2", "reviewer", [{ path: "b.ts", line: null, body: "outdated" }]],
    ]);
    expect(answers.get("y")).toEqual({ pr: null, issueState: null });
  });

  it("refuses an answer with a hostile URL, for that session only", async () => {
    gh.addRepo("acme/app", { pulls: [{ number: 4, headRefName: "feat", headRefOid: A, state: "OPEN", checks: [{ kind: "run", name: "b", conclusion: "FAILURE", detailsUrl: "https://x/\u001b]0;pwned\u0007" }] }] });
    const answers = await client().watch("acme/app", [{ key: "x", branch: "feat" }]);
    expect(answers.get("x")).toEqual({ failed: expect.stringContaining("malformed") });
  });

  it("needs a token", async () => {
    gh.addRepo("acme/app");
    await expect(client({ token: undefined }).watch("acme/app", [{ key: "x", branch: "feat" }])).rejects.toThrow("needs a token");
  });

  it("fetches a job's log through GitHub's redirect", async () => {
    gh.addRepo("acme/app", { jobLogs: { 77: "2026-01-01T00:00:00.0000000Z step 1\nerror: boom\n" } });
    expect(await client().jobLog("acme/app", 77)).toBe("2026-01-01T00:00:00.0000000Z step 1\nerror: boom\n");
    await expect(client().jobLog("acme/app", 78)).rejects.toThrow();
  });
});
