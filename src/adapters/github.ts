/**
 * GitHub: the state of every session's pull request and issue, batched. With a
 * token, ONE GraphQL request per 50 sessions of a repository (aliases, with every
 * branch and issue number passed as a variable, never spliced into the query).
 * Without one, GitHub's GraphQL API refuses to answer, so public repositories are
 * read over REST, one call per session and issue.
 *
 * This module imports octokit and p-retry; it is itself imported only by the
 * commands that talk to GitHub.
 */
import { Octokit } from "@octokit/rest";
import pRetry, { AbortError } from "p-retry";
import { z } from "zod";
import { COMMIT_OID_RE, isHttpsUrl } from "../core/record.js";
import { run } from "./exec.js";
import { WATCH_CHUNK, WATCH_QUERY, watchFacts, watchSessionSchema } from "./github-watch.js";
import type { WatchFacts, WatchQuery } from "../core/watch-facts.js";

export type TokenSource = "GITHUB_TOKEN" | "GH_TOKEN" | "gh auth token";
export interface Token {
  value: string;
  source: TokenSource;
}

/** GITHUB_TOKEN, then GH_TOKEN, then `gh auth token` when gh is installed. */
export async function resolveToken(env: NodeJS.ProcessEnv): Promise<Token | undefined> {
  if (env.GITHUB_TOKEN) return { value: env.GITHUB_TOKEN, source: "GITHUB_TOKEN" };
  if (env.GH_TOKEN) return { value: env.GH_TOKEN, source: "GH_TOKEN" };
  try {
    const { stdout } = await run("gh", ["auth", "token"], { env, timeoutMs: 5_000 });
    const value = stdout.trim();
    return value ? { value, source: "gh auth token" } : undefined;
  } catch {
    return undefined; // gh missing or not logged in: go without a token
  }
}

export type PrState = "OPEN" | "CLOSED" | "MERGED";
export interface PullRequestInfo {
  number: number;
  url: string;
  state: PrState;
  merged: boolean;
  mergedAt: string | null;
  headRefOid: string;
  isDraft: boolean;
  /** The head commit's checks, rolled up (absent in records cached before it was asked). */
  checksState?: ChecksState | null;
  /** GitHub's review decision for the PR (absent in older records). */
  reviewState?: ReviewState | null;
}
export type ChecksState = "passing" | "failing" | "pending";
export type ReviewState = "approved" | "changes_requested" | "review_required";
export type IssueState = "OPEN" | "CLOSED";

export interface SessionQuery {
  key: string;
  branch: string;
  issueNumber?: number;
}
export interface SessionAnswer {
  pr: PullRequestInfo | null;
  /** null: no GitHub issue, or GitHub could not say (not found, not an issue). */
  issueState: IssueState | null;
}
/** GitHub answered, but not usably for this one session (a malformed value, an error for its fields). */
export interface SessionFailure {
  failed: string;
}
export type SessionResult = SessionAnswer | SessionFailure;

export type FailureKind = "network" | "timeout" | "server" | "rate-limit" | "auth" | "not-found" | "malformed";

/** Why GitHub could not be asked. The message never contains the token. */
export class GitHubError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "GitHubError";
  }
}

export interface ClientOptions {
  apiUrl: string;
  token?: Token;
  /** Per request. */
  timeoutMs: number;
  /** All attempts of one call together; a cron run always ends. */
  totalMs: number;
  /** 0 for a single attempt (ls), more for cleanup. */
  retries: number;
  /** Called for every HTTP request sent (tests and the benchmark count them). */
  onRequest?: () => void;
}

const CHUNK = 50;
const PR_FIELDS = "number url state merged mergedAt headRefOid isDraft createdAt headRepository { nameWithOwner } reviewDecision statusCheckRollup { state }";

/**
 * Every answer is validated before anything acts on it or caches it: a head that
 * is not a commit id ("HEAD", a branch name) could make cleanup compare the wrong
 * thing, an unknown state would reach `ls` through the cache, and a URL with
 * escape sequences would reach the terminal.
 */
const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "not a date");
const httpsUrl = z.string().refine(isHttpsUrl, "not an https URL");
const commitOid = z.string().regex(COMMIT_OID_RE, "not a 40-hex commit id");
const rawPrSchema = z
  .object({
    number: z.number().int().positive(),
    url: httpsUrl,
    state: z.enum(["OPEN", "CLOSED", "MERGED"]),
    merged: z.boolean(),
    mergedAt: isoDate.nullable(),
    headRefOid: commitOid,
    isDraft: z.boolean(),
    createdAt: isoDate,
    headRepository: z.object({ nameWithOwner: z.string() }).nullable(),
    // Shown by the dash only; an older GitHub Enterprise may not know them.
    reviewDecision: z.enum(["APPROVED", "CHANGES_REQUESTED", "REVIEW_REQUIRED"]).nullable().optional(),
    statusCheckRollup: z.object({ state: z.enum(["ERROR", "EXPECTED", "FAILURE", "PENDING", "SUCCESS"]) }).nullable().optional(),
  })
  .refine((p) => p.merged === (p.state === "MERGED"), "merged and state disagree");
const graphqlSessionSchema = z.object({ nodes: z.array(rawPrSchema) });
const graphqlIssueSchema = z.object({ state: z.enum(["OPEN", "CLOSED"]) }).nullable();
const restPullSchema = z.object({
  number: z.number().int().positive(),
  html_url: httpsUrl,
  state: z.enum(["open", "closed"]),
  merged_at: isoDate.nullable().optional(),
  draft: z.boolean().optional(),
  created_at: isoDate,
  head: z.object({ sha: commitOid, repo: z.object({ full_name: z.string() }).nullable() }),
});
const restIssueSchema = z.object({ title: z.string().optional(), state: z.enum(["open", "closed"]), pull_request: z.unknown().optional() });

/** What GitHub returns per PR: the fields ao keeps, plus what picking the right one needs. */
type RawPr = z.infer<typeof rawPrSchema>;

/** The first problem zod found, as "field: message" (the value itself is never shown: it came from GitHub). */
function problem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "malformed";
  const path = issue.path.filter((p) => typeof p === "string").join(".");
  return `${path ? `${path}: ` : ""}${issue.message}`;
}

/** Reads one session's aliases (s<i>: its PRs, i<i>: its issue) of a batched answer, validated by `schema`. */
function readAliases<N, T>(schema: z.ZodType<{ nodes: N[] }>, convert: (nodes: N[], issueState: IssueState | null) => T) {
  return (repository: Record<string, unknown>, s: { issueNumber?: number }, i: number): T | SessionFailure => {
    const prs = schema.safeParse(repository[`s${i}`]);
    if (!prs.success) return { failed: `GitHub's answer is malformed (pull request ${problem(prs.error)})` };
    const issue = s.issueNumber === undefined ? { success: true as const, data: null } : graphqlIssueSchema.safeParse(repository[`i${i}`] ?? null);
    if (!issue.success) return { failed: `GitHub's answer is malformed (issue ${problem(issue.error)})` };
    return convert(prs.data.nodes, issue.data?.state ?? null);
  };
}

/** A GraphQL error's type, when it is one of GitHub's (never GitHub's free text: it reaches the terminal). */
const errorType = (e: { type?: unknown }) => (typeof e.type === "string" && /^[A-Z_]{1,40}$/.test(e.type) ? e.type : "error");

interface GraphqlError {
  type?: unknown;
  path?: unknown[];
}

/**
 * The query for one chunk; values travel as variables. Pure, so it can be checked
 * against GitHub's schema. `shape` is what is asked per PR (ao watch asks more).
 */
export function buildQuery(sessions: readonly SessionQuery[], shape = { name: "AoSessions", first: 10, fields: PR_FIELDS }): { query: string; variables: Record<string, unknown> } {
  const params = ["$owner: String!", "$name: String!"];
  const fields: string[] = [];
  const variables: Record<string, unknown> = {};
  sessions.forEach((s, i) => {
    params.push(`$b${i}: String!`);
    variables[`b${i}`] = s.branch;
    fields.push(`s${i}: pullRequests(headRefName: $b${i}, first: ${shape.first}, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { ${shape.fields} } }`);
    if (s.issueNumber !== undefined) {
      params.push(`$i${i}: Int!`);
      variables[`i${i}`] = s.issueNumber;
      fields.push(`i${i}: issue(number: $i${i}) { state }`);
    }
  });
  return {
    query: `query ${shape.name}(${params.join(", ")}) {\n  repository(owner: $owner, name: $name) {\n    ${fields.join("\n    ")}\n  }\n}`,
    variables,
  };
}

/** The newest PR whose head is the branch in this repository itself (a fork's same-named branch does not count). */
export function pickPullRequest(repo: string, nodes: readonly RawPr[]): PullRequestInfo | null {
  const own = nodes
    .filter((n) => n.headRepository?.nameWithOwner.toLowerCase() === repo.toLowerCase())
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
  if (!own) return null;
  const checks = own.statusCheckRollup ? CHECKS_STATE[own.statusCheckRollup.state] : undefined;
  const review = own.reviewDecision ? (own.reviewDecision.toLowerCase() as ReviewState) : undefined;
  return { number: own.number, url: own.url, state: own.state, merged: own.merged, mergedAt: own.mergedAt, headRefOid: own.headRefOid, isDraft: own.isDraft, ...(checks ? { checksState: checks } : {}), ...(review ? { reviewState: review } : {}) };
}

/** GitHub's rollup of the head commit's checks and statuses, as the dash shows it. */
const CHECKS_STATE: Record<string, ChecksState> = { SUCCESS: "passing", FAILURE: "failing", ERROR: "failing", PENDING: "pending", EXPECTED: "pending" };

export class GitHubClient {
  private readonly octokit: Octokit;
  constructor(private readonly opts: ClientOptions) {
    this.octokit = new Octokit({
      auth: opts.token?.value,
      baseUrl: opts.apiUrl,
      userAgent: "ao-agent-orchestrator",
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    this.octokit.hook.before("request", () => opts.onRequest?.());
  }

  /**
   * Every session's PR and issue for one repository ("owner/name"). A session
   * whose part of the answer is malformed or came with an error is a
   * SessionFailure, never "no PR"; a failure of the whole request throws.
   */
  async sessions(repo: string, sessions: readonly SessionQuery[]): Promise<Map<string, SessionResult>> {
    const out = new Map<string, SessionResult>();
    if (sessions.length === 0) return out;
    const [owner, name] = repo.split("/") as [string, string];
    if (!this.opts.token) {
      for (const s of sessions) out.set(s.key, await this.withRetry(repo, () => this.restSession(owner, name, repo, s)));
      return out;
    }
    return this.batch(repo, sessions, CHUNK, (chunk) => buildQuery(chunk), readAliases(graphqlSessionSchema, (nodes, issueState) => ({ pr: pickPullRequest(repo, nodes), issueState })));
  }

  /** What ao watch needs about every session's PR (adapters/github-watch.ts); needs a token (GraphQL). */
  async watch(repo: string, sessions: readonly WatchQuery[]): Promise<Map<string, WatchFacts | SessionFailure>> {
    if (sessions.length === 0) return new Map();
    if (!this.opts.token) throw new GitHubError("auth", "ao watch asks GitHub's GraphQL API, which needs a token (GITHUB_TOKEN or GH_TOKEN)");
    return this.batch(repo, sessions, WATCH_CHUNK, (chunk) => buildQuery(chunk, WATCH_QUERY), readAliases(watchSessionSchema, (nodes, issueState) => watchFacts(repo, nodes, issueState)));
  }

  /** A GitHub Actions job's log (REST; GitHub redirects to the log's storage). */
  async jobLog(repo: string, jobId: number): Promise<string> {
    const [owner, name] = repo.split("/") as [string, string];
    return this.withRetry(repo, async () => {
      const { data } = await this.octokit.rest.actions.downloadJobLogsForWorkflowRun({ owner, repo: name, job_id: jobId, request: { signal: AbortSignal.timeout(this.opts.timeoutMs) } }).catch((err: { status?: number }) => {
        throw err.status === 404 ? new GitHubError("not-found", `no log for job ${jobId} (HTTP 404)`, 404) : err;
      });
      if (typeof data === "string") return data;
      if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
      throw new GitHubError("malformed", `GitHub's answer for the log of job ${jobId} is not text`);
    });
  }

  /**
   * Sessions in chunks of one GraphQL request each. Errors for one alias concern
   * that session only (a missing issue, or one that is a PR, is "no issue");
   * `read` validates each session's part of the answer.
   */
  private async batch<Q extends { key: string; issueNumber?: number }, T>(
    repo: string,
    sessions: readonly Q[],
    size: number,
    build: (chunk: readonly Q[]) => { query: string; variables: Record<string, unknown> },
    read: (repository: Record<string, unknown>, s: Q, i: number) => T | SessionFailure,
  ): Promise<Map<string, T | SessionFailure>> {
    const out = new Map<string, T | SessionFailure>();
    const [owner, name] = repo.split("/") as [string, string];
    for (let start = 0; start < sessions.length; start += size) {
      const chunk = sessions.slice(start, start + size);
      const { query, variables } = build(chunk);
      const { data, errors } = await this.withRetry(repo, () => this.graphql(query, { owner, name, ...variables }));
      const fieldErrors = new Map<string, string>();
      for (const e of errors) {
        const alias = e.path?.[0] === "repository" && typeof e.path[1] === "string" ? e.path[1] : undefined;
        if (alias === undefined) throw new GitHubError("server", `GitHub answered with an error (${errorType(e)})`);
        if (alias.startsWith("i") && e.type === "NOT_FOUND") continue;
        fieldErrors.set(alias, errorType(e));
      }
      const repository = data?.repository as Record<string, unknown> | null | undefined;
      if (repository === null) throw new GitHubError("not-found", `repository ${repo} not found (or the token cannot see it)`, 404);
      if (typeof repository !== "object") throw new GitHubError("malformed", "GitHub's answer has no repository");
      chunk.forEach((s, i) => {
        const failed = fieldErrors.get(`s${i}`) ?? (s.issueNumber !== undefined ? fieldErrors.get(`i${i}`) : undefined);
        out.set(s.key, failed ? { failed: `GitHub answered with an error for it (${failed})` } : read(repository, s, i));
      });
    }
    return out;
  }

  /** An issue's title; null when the number is no issue of the repository (missing, or a pull request). */
  async issueTitle(repo: string, issueNumber: number): Promise<string | null> {
    const [owner, name] = repo.split("/") as [string, string];
    return this.withRetry(repo, async () => (await this.restIssue(owner, name, issueNumber))?.title ?? null);
  }

  /** GET /repos/…/issues/N; null for a missing number or a pull request (the issues API answers for those too). */
  private async restIssue(owner: string, name: string, issueNumber: number): Promise<{ title: string; state: IssueState } | null> {
    try {
      const { data: raw } = await this.octokit.rest.issues.get({ owner, repo: name, issue_number: issueNumber, request: { signal: AbortSignal.timeout(this.opts.timeoutMs) } });
      const data = restIssueSchema.safeParse(raw);
      if (!data.success) throw new GitHubError("malformed", `GitHub's answer for issue #${issueNumber} is malformed (${problem(data.error)})`);
      return data.data.pull_request ? null : { title: data.data.title ?? "", state: data.data.state === "closed" ? "CLOSED" : "OPEN" };
    } catch (err) {
      if ((err as { status?: number }).status === 404) return null;
      throw err;
    }
  }

  /**
   * The data and the errors of a GraphQL answer. GitHub answers 200 with errors
   * for the parts it cannot resolve; the caller decides which sessions they
   * concern. A rate limit or a missing repository fails the whole request.
   */
  private async graphql(query: string, variables: Record<string, unknown>): Promise<{ data: Record<string, unknown> | undefined; errors: GraphqlError[] }> {
    try {
      return { data: await this.octokit.graphql<Record<string, unknown>>(query, { ...variables, request: { signal: AbortSignal.timeout(this.opts.timeoutMs) } }), errors: [] };
    } catch (err) {
      const partial = err as { name?: string; data?: unknown; errors?: unknown };
      if (partial.name !== "GraphqlResponseError") throw err;
      const errors = (Array.isArray(partial.errors) ? partial.errors : []).filter((e): e is GraphqlError => typeof e === "object" && e !== null);
      if (errors.some((e) => e.type === "RATE_LIMITED")) throw new GitHubError("rate-limit", "GitHub rate limit hit (GraphQL RATE_LIMITED)");
      if (errors.some((e) => e.type === "NOT_FOUND" && e.path?.length === 1)) {
        throw new GitHubError("not-found", `repository ${String(variables.owner)}/${String(variables.name)} not found (or the token cannot see it)`);
      }
      const data = partial.data && typeof partial.data === "object" ? (partial.data as Record<string, unknown>) : undefined;
      if (!data) throw new GitHubError("server", `GitHub answered with errors (${errors.map(errorType).join(", ") || "no data"})`);
      return { data, errors };
    }
  }

  private async restSession(owner: string, name: string, repo: string, s: SessionQuery): Promise<SessionResult> {
    const request = { signal: AbortSignal.timeout(this.opts.timeoutMs) };
    // head=owner:branch limits the list to the repository's own branch, not a fork's.
    const answer = await this.octokit.rest.pulls.list({ owner, repo: name, head: `${owner}:${s.branch}`, state: "all", sort: "created", direction: "desc", per_page: 10, request });
    const pulls = z.array(restPullSchema).safeParse(answer.data);
    if (!pulls.success) return { failed: `GitHub's answer is malformed (pull request ${problem(pulls.error)})` };
    const nodes: RawPr[] = pulls.data.map((p) => ({
      number: p.number,
      url: p.html_url,
      state: p.merged_at ? "MERGED" : p.state === "open" ? "OPEN" : "CLOSED",
      merged: Boolean(p.merged_at),
      mergedAt: p.merged_at ?? null,
      headRefOid: p.head.sha,
      isDraft: Boolean(p.draft),
      createdAt: p.created_at,
      headRepository: p.head.repo ? { nameWithOwner: p.head.repo.full_name } : null,
    }));
    let issue: { state: IssueState } | null = null;
    try {
      issue = s.issueNumber === undefined ? null : await this.restIssue(owner, name, s.issueNumber);
    } catch (err) {
      if (err instanceof GitHubError && err.kind === "malformed") return { failed: err.message };
      throw err;
    }
    return { pr: pickPullRequest(repo, nodes), issueState: issue?.state ?? null };
  }

  /**
   * Retries 5xx, network errors and rate limits with backoff, waiting what
   * `retry-after` asks, all within `totalMs`. Everything else fails at once.
   */
  private withRetry<T>(repo: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    return pRetry(
      async () => {
        try {
          return await fn();
        } catch (err) {
          const failure = classify(err, repo, this.opts.token);
          // Retrying cannot help these; a GraphQL rate limit (no retry-after) lasts until GitHub's reset.
          if (failure.kind === "auth" || failure.kind === "not-found" || failure.kind === "malformed" || (failure.kind === "rate-limit" && failure.retryAfterMs === undefined)) throw new AbortError(failure);
          throw failure;
        }
      },
      {
        retries: this.opts.retries,
        minTimeout: 500,
        factor: 2,
        maxRetryTime: this.opts.totalMs,
        onFailedAttempt: async ({ error, retriesLeft }) => {
          const wait = (error as GitHubError & { retryAfterMs?: number }).retryAfterMs;
          if (retriesLeft === 0 || wait === undefined) return;
          if (Date.now() - started + wait > this.opts.totalMs) throw error; // GitHub asks for longer than we may wait
          await new Promise((r) => setTimeout(r, wait));
        },
      },
    );
  }
}

/** Turns an octokit error into a GitHubError naming the cause (and the token's source, never its value). */
export function classify(err: unknown, repo: string, token: Token | undefined): GitHubError & { retryAfterMs?: number } {
  if (err instanceof GitHubError) return err;
  const e = err as { status?: number; name?: string; message?: string; response?: { headers?: Record<string, string | undefined> }; cause?: { name?: string } };
  const headers = e.response?.headers ?? {};
  const status = e.response ? e.status : undefined;
  const out = (kind: FailureKind, message: string, retryAfterMs?: number) => Object.assign(new GitHubError(kind, message, status), retryAfterMs === undefined ? {} : { retryAfterMs });
  if (status === undefined) {
    // AbortSignal.timeout rejects fetch with a TimeoutError, which octokit keeps as the cause.
    const timedOut = e.name === "TimeoutError" || e.cause?.name === "TimeoutError";
    return timedOut ? out("timeout", "GitHub did not answer in time") : out("network", "GitHub could not be reached (network error)");
  }
  const retryAfter = Number(headers["retry-after"]);
  if (status === 401) {
    return out("auth", token ? `GitHub rejected the token from ${token.source} (HTTP 401)` : "GitHub requires a token (HTTP 401); set GITHUB_TOKEN or GH_TOKEN");
  }
  if (status === 403 || status === 429) {
    if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter)) return out("rate-limit", `GitHub rate limit hit (HTTP ${status}, retry after ${retryAfter}s)`, retryAfter * 1000);
    if (headers["x-ratelimit-remaining"] === "0" || status === 429) {
      const reset = Number(headers["x-ratelimit-reset"]) * 1000;
      const wait = Number.isFinite(reset) ? Math.max(0, reset - Date.now()) : undefined;
      return out("rate-limit", `GitHub rate limit exhausted (HTTP ${status})${token ? "" : "; a token raises the limit"}`, wait);
    }
    return out("auth", token ? `GitHub refused access to ${repo} with the token from ${token.source} (HTTP ${status})` : `GitHub refused access to ${repo} (HTTP ${status}); set GITHUB_TOKEN for a private repository`);
  }
  if (status === 404) return out("not-found", `repository ${repo} not found${token ? "" : " (a private repository needs GITHUB_TOKEN)"} (HTTP 404)`);
  if (status >= 500) return out("server", `GitHub answered HTTP ${status}`);
  return out("server", `GitHub answered HTTP ${status}`);
}
