/** The GitHub adapter against the local GitHub server (real HTTP on 127.0.0.1). */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildQuery, GitHubClient, GitHubError, type SessionQuery } from "../../src/adapters/github.js";
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
  new GitHubClient({ apiUrl: gh.url, token: { value: "t0ken", source: "GITHUB_TOKEN" }, timeoutMs: 2_000, totalMs: 10_000, retries: 2, ...over });

describe("GitHubClient", () => {
  it("reads an issue's title, with or without a token; a pull request or a missing number has none", async () => {
    gh.addRepo("acme/app", { pulls: [{ number: 3, headRefName: "feat", headRefOid: "c".repeat(40), state: "OPEN" }], issues: { 7: "OPEN" }, issueTitles: { 7: "Fix the login" } });
    expect(await client().issueTitle("acme/app", 7)).toBe("Fix the login");
    expect(await client({ token: undefined }).issueTitle("acme/app", 7)).toBe("Fix the login");
    expect(await client().issueTitle("acme/app", 3)).toBeNull();
    expect(await client().issueTitle("acme/app", 99)).toBeNull();
    gh.failures.push({ status: 500 }, { status: 500 }); // both attempts
    await expect(client({ retries: 1 }).issueTitle("acme/app", 7)).rejects.toThrow("GitHub answered HTTP 500");
  });

  it("answers every session's PR and issue in one GraphQL request", async () => {
    gh.addRepo("acme/app", {
      pulls: [
        { number: 1, headRefName: "int-1", headRefOid: "a".repeat(40), state: "MERGED" },
        { number: 2, headRefName: "int-1", headRefOid: "b".repeat(40), state: "OPEN", createdAt: "2026-02-01T00:00:00Z", headRepo: "fork/app" },
        { number: 3, headRefName: "feat", headRefOid: "c".repeat(40), state: "CLOSED" },
      ],
      issues: { 7: "CLOSED", 8: "OPEN" },
    });
    const answers = await client().sessions("acme/app", [
      { key: "a", branch: "int-1" },
      { key: "b", branch: "feat", issueNumber: 7 },
      { key: "c", branch: "none", issueNumber: 8 },
      { key: "d", branch: "none", issueNumber: 3 },
    ]);
    expect(gh.graphqlRequests()).toBe(1);
    expect(answers.get("a")).toEqual({ pr: { number: 1, url: "https://github.com/acme/app/pull/1", state: "MERGED", merged: true, mergedAt: "2026-01-02T00:00:00Z", headRefOid: "a".repeat(40), isDraft: false }, issueState: null });
    expect(answers.get("b")).toMatchObject({ pr: { number: 3, state: "CLOSED", merged: false }, issueState: "CLOSED" });
    expect(answers.get("c")).toEqual({ pr: null, issueState: "OPEN" });
    // #3 is a pull request, not an issue: GitHub cannot say, so the state is unknown.
    expect(answers.get("d")).toEqual({ pr: null, issueState: null });
  });

  it("asks in chunks of 50: 120 sessions, 3 requests", async () => {
    gh.addRepo("acme/app");
    const sessions: SessionQuery[] = Array.from({ length: 120 }, (_, i) => ({ key: `s${i}`, branch: `b-${i}`, issueNumber: i + 1 }));
    const answers = await client().sessions("acme/app", sessions);
    expect(answers.size).toBe(120);
    expect(gh.graphqlRequests()).toBe(3);
  });

  it("passes branch names as variables, so quotes and braces cannot change the query", async () => {
    gh.addRepo("acme/app", { pulls: [{ number: 9, headRefName: 'we"ird}{', headRefOid: "d".repeat(40), state: "OPEN" }] });
    const { query } = buildQuery([{ key: "x", branch: 'we"ird}{' }]);
    expect(query).not.toContain("we\"ird");
    const answers = await client().sessions("acme/app", [{ key: "x", branch: 'we"ird}{' }]);
    expect(answers.get("x")?.pr?.number).toBe(9);
  });

  it("reads public repositories without a token over REST", async () => {
    gh.addRepo("acme/app", { pulls: [{ number: 4, headRefName: "int-4", headRefOid: "e".repeat(40), state: "MERGED" }, { number: 5, headRefName: "int-4", headRefOid: "f".repeat(40), state: "OPEN", headRepo: "evil/app", createdAt: "2027-01-01T00:00:00Z" }], issues: { 11: "CLOSED" } });
    const answers = await client({ token: undefined }).sessions("acme/app", [{ key: "a", branch: "int-4", issueNumber: 11 }, { key: "b", branch: "x", issueNumber: 4 }]);
    expect(answers.get("a")).toMatchObject({ pr: { number: 4, merged: true }, issueState: "CLOSED" });
    expect(answers.get("b")).toEqual({ pr: null, issueState: null });
    expect(gh.graphqlRequests()).toBe(0);
  });

  it("retries a 502 and honours retry-after on a secondary rate limit", async () => {
    gh.addRepo("acme/app");
    gh.failures.push({ status: 502 }, { status: 403, headers: { "retry-after": "1" }, body: { message: "You have exceeded a secondary rate limit." } });
    const started = Date.now();
    const answers = await client().sessions("acme/app", [{ key: "a", branch: "x" }]);
    expect(answers.get("a")).toEqual({ pr: null, issueState: null });
    expect(gh.graphqlRequests()).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it("gives up within the total time and names the cause", async () => {
    gh.addRepo("acme/app");
    gh.state.failAll = { status: 503 };
    const err = await client({ retries: 10, totalMs: 1_500 }).sessions("acme/app", [{ key: "a", branch: "x" }]).catch((e) => e);
    expect(err).toBeInstanceOf(GitHubError);
    expect(err).toMatchObject({ kind: "server", message: "GitHub answered HTTP 503" });
  });

  it("does not retry a bad token, and names the variable, not the value", async () => {
    gh.addRepo("acme/app");
    gh.state.token = "the-right-one";
    const err = await client().sessions("acme/app", [{ key: "a", branch: "x" }]).catch((e) => e);
    expect(err).toMatchObject({ kind: "auth", message: "GitHub rejected the token from GITHUB_TOKEN (HTTP 401)" });
    expect(err.message).not.toContain("t0ken");
    expect(gh.graphqlRequests()).toBe(1);
  });

  it("reports a primary rate limit that resets too late", async () => {
    gh.addRepo("acme/app");
    gh.failures.push({ status: 403, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600) }, body: { message: "API rate limit exceeded" } });
    const err = await client().sessions("acme/app", [{ key: "a", branch: "x" }]).catch((e) => e);
    expect(err).toMatchObject({ kind: "rate-limit" });
  });

  it("reports a missing repository as not-found", async () => {
    const err = await client().sessions("acme/ghost", [{ key: "a", branch: "x" }]).catch((e) => e);
    expect(err).toMatchObject({ kind: "not-found" });
  });

  it("times out a slow answer", async () => {
    gh.addRepo("acme/app");
    gh.state.delayMs = 1_500;
    const err = await client({ timeoutMs: 300, retries: 0 }).sessions("acme/app", [{ key: "a", branch: "x" }]).catch((e) => e);
    expect(err).toMatchObject({ kind: "timeout" });
  });

  it("reaches GraphQL at /api/graphql under a GitHub Enterprise URL", async () => {
    gh.addRepo("acme/app", { issues: { 1: "CLOSED" } });
    const answers = await client({ apiUrl: `${gh.url}/api/v3` }).sessions("acme/app", [{ key: "a", branch: "x", issueNumber: 1 }]);
    expect(answers.get("a")?.issueState).toBe("CLOSED");
    expect(gh.requests.map((r) => r.path)).toEqual(["/api/graphql"]);
  });
});


describe("GitHubClient.watch (ao watch)", () => {
  const A = "a".repeat(40);
  // One attempt, as ao watch asks (the next pass asks again); the first query also builds the schema.
  const watchClient = (over: Partial<ConstructorParameters<typeof GitHubClient>[0]> = {}) => client({ timeoutMs: 10_000, totalMs: 10_000, retries: 0, ...over });
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
            { id: "R3", state: "CHANGES_REQUESTED", body: "drive-by", association: "NONE", submittedAt: "2026-01-06T00:00:00Z" },
          ],
        },
      ],
    });
    const answers = await watchClient().watch("acme/app", [{ key: "x", branch: "feat", issueNumber: 5 }, { key: "y", branch: "none" }]);
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
    expect(x.pr.reviews.map((r: any) => [r.id, r.author, r.trusted, r.comments])).toEqual([
      ["R1", "alice", true, [{ path: "a.ts", line: 3, body: "rename" }]],
      ["R2", "reviewer", true, [{ path: "b.ts", line: null, body: "outdated" }]],
      ["R3", "reviewer", false, []],
    ]);
    expect(answers.get("y")).toEqual({ pr: null, issueState: null });
  });

  it("refuses an answer with a hostile URL, for that session only", async () => {
    gh.addRepo("acme/app", { pulls: [{ number: 4, headRefName: "feat", headRefOid: A, state: "OPEN", checks: [{ kind: "run", name: "b", conclusion: "FAILURE", detailsUrl: "https://x/\u001b]0;pwned\u0007" }] }] });
    const answers = await watchClient().watch("acme/app", [{ key: "x", branch: "feat" }]);
    expect(answers.get("x")).toEqual({ failed: expect.stringContaining("malformed") });
  });

  it("needs a token", async () => {
    gh.addRepo("acme/app");
    await expect(watchClient({ token: undefined }).watch("acme/app", [{ key: "x", branch: "feat" }])).rejects.toThrow("needs a token");
  });

  it("fetches a job's log through GitHub's redirect", async () => {
    gh.addRepo("acme/app", { jobLogs: { 77: "2026-01-01T00:00:00.0000000Z step 1\nerror: boom\n" } });
    expect(await watchClient().jobLog("acme/app", 77)).toBe("2026-01-01T00:00:00.0000000Z step 1\nerror: boom\n");
    await expect(watchClient().jobLog("acme/app", 78)).rejects.toThrow();
  });
});
