/**
 * Trusting GitHub's answer: every answer is validated before anything acts on
 * it or caches it; partial errors and rate limits are failures, never "no PR";
 * what GitHub wrote never steers the terminal; a merged PR that merely contains
 * a session's start does not end it; and a dry run moves no ref.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { useGitHubSandbox } from "../helpers/github-sandbox.js";

const TOKEN = "ghp_testtoken_answers_1234567890";
const { s, gh } = useGitHubSandbox(TOKEN);

const record = (name: string) => JSON.parse(readFileSync(join(s.sessionsDir, `${name}.json`), "utf8"));
const wt = (n: string) => join(s.worktreeDir, `my-app-${n}`);
const repoOf = () => gh.repos.get("acme/app")!;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

async function spawn(issue?: string): Promise<string> {
  const r = await s.ao(["spawn", "my-app", ...(issue ? [issue] : [])]);
  expect(r.code, r.stderr).toBe(0);
  return /Session (\S+) spawned/.exec(r.stdout)![1]!;
}

async function commitAndPush(dir: string, file: string): Promise<string> {
  writeFileSync(join(dir, file), `${file}\n`);
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", `add ${file}`);
  await git(dir, "push", "-q", "origin", "HEAD");
  return (await git(dir, "rev-parse", "HEAD")).trim();
}

/** Changes one field of the PR nodes GraphQL returns for `alias` (s0, s1, …). */
function corrupt(alias: string, change: Record<string, unknown>) {
  const before = gh.state.rewrite;
  gh.state.rewrite = (kind, body, path) => {
    const b = before ? before(kind, body, path) : body;
    if (kind !== "graphql") return b;
    for (const n of (b as any).data?.repository?.[alias]?.nodes ?? []) Object.assign(n, change);
    return b;
  };
}

describe("answers are validated before anything acts on them", () => {
  it("leaves alone, with a warning, every session whose answer is malformed, and caches nothing of it", async () => {
    const names = [await spawn("INT-1"), await spawn("INT-2"), await spawn("INT-3"), await spawn("INT-4")];
    for (const [i, n] of ["int-1", "int-2", "int-3", "int-4"].entries()) {
      repoOf().pulls.push({ number: 11 + i, headRefName: n, headRefOid: await commitAndPush(wt(n), "x.txt"), state: "MERGED" });
    }
    corrupt("s0", { headRefOid: "HEAD" }); // not a commit id: "HEAD" is every worktree's own head
    corrupt("s1", { merged: "yes" });
    corrupt("s2", { state: "SUPERSEDED", merged: false });
    corrupt("s3", { url: "https://github.com/acme/app/pull/14\u001b]8;;https://evil.example\u0007" });
    const r = await s.ao(["session", "cleanup"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("Checking for completed sessions...\n\nNothing to clean.\n");
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("Warning:"));
    expect(warnings.join("\n")).toContain("(pull request nodes.headRefOid: not a 40-hex commit id)); left alone: ma-int-1");
    for (const n of names) expect(warnings.join("\n"), n).toContain(n);
    expect(r.stderr).not.toMatch(CONTROL);
    for (const n of names) {
      expect(record(n).status).toBe("working");
      expect(record(n).pr).toBeUndefined();
      expect(record(n).prUrl).toBeNull();
    }
    expect((await s.tmux.sessions()).sort()).toEqual(names.sort());
    // ls refreshes too: it shows nothing of the bad answer and says why.
    const ls = await s.ao(["status", "--json"]);
    expect(ls.code).toBe(0);
    expect(ls.stderr).toContain("GitHub state not refreshed");
    expect(JSON.parse(ls.stdout).map((v: { pr: unknown }) => v.pr)).toEqual([null, null, null, null]);
  });

  it("shows records that already hold a malformed cache without crashing, and without their escape sequences", async () => {
    const name = await spawn("INT-5");
    const bad = { ...record(name), pr: { number: 5, url: "https://x/\u001b[2J", state: 7, merged: "no", mergedAt: null, headRefOid: "HEAD", isDraft: false }, issueState: "MAYBE", prUrl: "javascript:\u001b[31malert(1)", checkedAt: new Date().toISOString() };
    writeFileSync(join(s.sessionsDir, `${name}.json`), JSON.stringify(bad));
    for (const args of [["status", "--offline"], ["session", "ls", "--offline"], ["session", "ls", "--json", "--offline"], ["session", "get", name], ["status"]]) {
      const r = await s.ao(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(CONTROL);
      expect(r.stdout).not.toContain("javascript:");
    }
  });

  it("treats GraphQL errors for a session's fields as a failure for that session, never as 'no PR'", async () => {
    const a = await spawn("INT-6");
    repoOf().issues[7] = "CLOSED";
    const b = await spawn("7");
    gh.state.rewrite = (kind, body) => {
      if (kind !== "graphql") return body;
      // Sessions are asked in natural order: ma-7 is s0, ma-int-6 is s1.
      (body as any).data.repository.s1 = null;
      (body as any).errors = [{ type: "SERVICE_UNAVAILABLE", path: ["repository", "s1"], message: "\u001b[2JSomething went wrong" }];
      return body;
    };
    const r = await s.ao(["session", "cleanup"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`GitHub answered with an error for it (SERVICE_UNAVAILABLE)); left alone: ${a}`);
    expect(r.stderr).not.toMatch(CONTROL);
    expect(record(a)).toMatchObject({ status: "working" });
    expect(record(a).pr).toBeUndefined();
    // The other session's part of the answer was fine and is acted on.
    expect(r.stdout).toContain(`  Cleaned: ${b}\n`);
  });

  it("reports a GraphQL RATE_LIMITED answer as a rate limit", async () => {
    const a = await spawn("INT-8");
    gh.state.rewrite = (kind, body) => (kind === "graphql" ? { data: null, errors: [{ type: "RATE_LIMITED", message: "API rate limit exceeded" }] } : body);
    const r = await s.ao(["session", "cleanup"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Warning: GitHub could not be asked (acme/app: GitHub rate limit hit (GraphQL RATE_LIMITED)); left alone: ${a}`);
  });

  it("reports a REST 429 without rate-limit headers as a rate limit", async () => {
    delete s.env.GITHUB_TOKEN;
    gh.state.token = undefined;
    const a = await spawn("INT-9");
    gh.state.failAll = { status: 429, body: { message: "Too Many Requests" } };
    const r = await s.ao(["session", "cleanup"], { env: { PATH: "/usr/bin:/bin" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`GitHub rate limit exhausted \\(HTTP 429\\).*left alone: ${a}`));
  });

  it("strips escape sequences and bidi overrides from an issue title, and refuses a malformed issue answer", async () => {
    repoOf().issues[5] = "OPEN";
    repoOf().issueTitles = { 5: "\u001b]0;pwned\u0007Fix \u202eelgoog\u202c login\u001b[2J\u2066!\u2069" };
    const name = await spawn("5");
    expect(record(name).title).toBe("Fix elgoog login!");
    const get = await s.ao(["session", "get", name]);
    expect(get.stdout).toContain("Fix elgoog login!");
    expect(get.stdout).not.toMatch(CONTROL);
    repoOf().issues[6] = "OPEN";
    gh.state.rewrite = (kind, body, path) => (kind === "rest" && path.endsWith("/issues/6") ? { ...(body as object), state: "weird" } : body);
    const r = await s.ao(["spawn", "my-app", "6"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("issue #6's title not read from GitHub (GitHub's answer for issue #6 is malformed (state:");
  });
});

describe("what counts as landed", () => {
  it("a session with no commits of its own is not ended by someone else's merged PR on a branch of the same name", async () => {
    const name = await spawn("INT-10");
    const other = join(s.root, "other");
    await git(s.root, "clone", "-q", s.origin, other);
    await git(other, "checkout", "-q", "-b", "int-10");
    const theirs = await commitAndPush(other, "theirs.txt");
    repoOf().pulls.push({ number: 20, headRefName: "int-10", headRefOid: theirs, state: "MERGED" });
    const r = await s.ao(["session", "cleanup"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Checking for completed sessions...\n\n  Keeping ${name}: PR #20 is merged, but the session has no commits of its own in it\n\nNothing to clean.\n`);
    expect(record(name).status).toBe("working");
    // With a commit of its own in that PR, it has landed.
    await commitAndPush(wt("int-10"), "mine.txt").catch(() => undefined);
    await git(wt("int-10"), "pull", "-q", "--rebase", "origin", "int-10");
    await git(wt("int-10"), "push", "-q", "origin", "HEAD:int-10");
    repoOf().pulls[0]!.headRefOid = (await git(wt("int-10"), "rev-parse", "HEAD")).trim();
    expect((await s.ao(["session", "cleanup"])).stdout).toContain(`  Cleaned: ${name}\n`);
  });

  it("the same holds for a session that checked out an existing branch and made no commits", async () => {
    await git(s.repo, "branch", "feat-x", "main");
    const r0 = await s.ao(["spawn", "my-app", "INT-12", "--branch", "feat-x"]);
    expect(r0.code, r0.stderr).toBe(0);
    const name = /Session (\S+) spawned/.exec(r0.stdout)![1]!;
    expect(record(name).baseRef).toBeNull();
    const other = join(s.root, "other");
    await git(s.root, "clone", "-q", s.origin, other);
    await git(other, "checkout", "-q", "-b", "feat-x");
    repoOf().pulls.push({ number: 22, headRefName: "feat-x", headRefOid: await commitAndPush(other, "theirs.txt"), state: "MERGED" });
    const r = await s.ao(["session", "cleanup"]);
    expect(r.stdout).toContain(`  Keeping ${name}: PR #22 is merged, but the session has no commits of its own in it\n`);
    expect(record(name).status).toBe("working");
  });

  it("--dry-run creates and moves no ref, not even to look at a PR head it does not have", async () => {
    const name = await spawn("INT-11");
    const other = join(s.root, "other");
    await git(s.root, "clone", "-q", s.origin, other);
    await git(other, "checkout", "-q", "-b", "int-11");
    writeFileSync(join(wt("int-11"), "mine.txt"), "mine\n");
    await git(wt("int-11"), "add", ".");
    await git(wt("int-11"), "commit", "-q", "-m", "mine");
    await git(wt("int-11"), "push", "-q", "origin", "HEAD:int-11");
    await git(other, "pull", "-q", "origin", "int-11");
    const head = await commitAndPush(other, "review.txt"); // a head this repository has never fetched
    repoOf().pulls.push({ number: 21, headRefName: "int-11", headRefOid: head, state: "MERGED" });
    const fetchHead = join(s.repo, ".git", "FETCH_HEAD");
    const refs = async () => `${await git(s.repo, "for-each-ref", "--format=%(refname) %(objectname)")}${existsSync(fetchHead) ? readFileSync(fetchHead, "utf8") : ""}`;
    const before = await refs();
    const r = await s.ao(["session", "cleanup", "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`  Would kill ${name}\n`);
    expect(await refs()).toBe(before);
    expect(record(name).status).toBe("working");
  });
});
