/**
 * A GitHub API on 127.0.0.1 for tests: repositories, pull requests and issues in
 * memory, answered with GitHub's shapes and status codes. GraphQL documents are
 * validated against GitHub's published schema (@octokit/graphql-schema) and then
 * executed by graphql-js against that same schema; a document GitHub would reject
 * is recorded in `invalidQueries`, and tests assert that list stays empty.
 */
import { validate as validateAgainstGitHub, schema as githubSchema } from "@octokit/graphql-schema";
import { buildSchema, graphql, GraphQLError, type GraphQLSchema } from "graphql";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakePr {
  number: number;
  headRefName: string;
  headRefOid: string;
  state: "OPEN" | "CLOSED" | "MERGED";
  isDraft?: boolean;
  createdAt?: string;
  mergedAt?: string | null;
  /** owner/name of the head repository; a fork when it differs. */
  headRepo?: string;
  baseRefName?: string;
  baseRefOid?: string;
  mergeable?: "MERGEABLE" | "CONFLICTING" | "UNKNOWN";
  reviewDecision?: "APPROVED" | "CHANGES_REQUESTED" | "REVIEW_REQUIRED" | null;
  /** The head's statusCheckRollup contexts: check runs and commit status contexts. */
  checks?: FakeCheck[];
  reviews?: FakeReview[];
}

export type FakeCheck =
  | { kind: "run"; name: string; status?: "QUEUED" | "IN_PROGRESS" | "COMPLETED"; conclusion?: "SUCCESS" | "FAILURE" | "NEUTRAL" | "SKIPPED" | "CANCELLED" | "TIMED_OUT" | null; detailsUrl?: string | null; databaseId?: number; app?: string }
  | { kind: "status"; context: string; state: "SUCCESS" | "FAILURE" | "ERROR" | "PENDING" | "EXPECTED"; targetUrl?: string | null };

export interface FakeReview {
  id: string;
  state: "CHANGES_REQUESTED" | "APPROVED" | "COMMENTED" | "DISMISSED" | "PENDING";
  body: string;
  author?: string;
  /** GitHub's CommentAuthorAssociation; default MEMBER. */
  association?: "OWNER" | "MEMBER" | "COLLABORATOR" | "CONTRIBUTOR" | "NONE";
  submittedAt?: string;
  comments?: { path: string; line: number | null; body: string }[];
}

export interface FakeRepo {
  pulls: FakePr[];
  issues: Record<number, "OPEN" | "CLOSED">;
  /** Titles of some of those issues (answered by the REST issue endpoint). */
  issueTitles?: Record<number, string>;
  /** GitHub Actions job logs by job id (GET /repos/o/r/actions/jobs/ID/logs redirects to them). */
  jobLogs?: Record<number, string>;
  private?: boolean;
}

export interface Failure {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

let schemaCache: GraphQLSchema | undefined;
const schema = () => (schemaCache ??= buildSchema(githubSchema.idl, { assumeValidSDL: true }));

export async function githubServer() {
  const repos = new Map<string, FakeRepo>();
  const requests: { method: string; path: string }[] = [];
  const invalidQueries: { query: string; errors: string[] }[] = [];
  const failures: Failure[] = [];
  const state = {
    token: undefined as string | undefined,
    delayMs: 0,
    failAll: undefined as Failure | undefined,
    /** Rewrites a successful answer before it is sent (malformed or hostile answers). */
    rewrite: undefined as ((kind: "graphql" | "rest", body: any, path: string) => unknown) | undefined,
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, rewrite?: { kind: "graphql" | "rest"; path: string }) => {
    if (rewrite && state.rewrite && status === 200) body = state.rewrite(rewrite.kind, body, rewrite.path);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "x-github-media-type": "github.v3", ...headers });
    res.end(JSON.stringify(body));
  };

  const repoOf = (owner: string, name: string, authed: boolean) => {
    const repo = repos.get(`${owner}/${name}`.toLowerCase());
    return repo && (!repo.private || authed) ? repo : undefined;
  };

  const prNodes = (full: string, repo: FakeRepo, head: string) =>
    repo.pulls
      .filter((p) => p.headRefName === head)
      .map((p, i) => ({ ...p, createdAt: p.createdAt ?? new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() }))
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .map((p) => ({
        number: p.number,
        url: `https://github.com/${full}/pull/${p.number}`,
        state: p.state,
        merged: p.state === "MERGED",
        mergedAt: p.state === "MERGED" ? (p.mergedAt ?? "2026-01-02T00:00:00Z") : null,
        headRefOid: p.headRefOid,
        headRefName: p.headRefName,
        isDraft: p.isDraft ?? false,
        createdAt: p.createdAt,
        headRepository: { nameWithOwner: p.headRepo ?? full },
        baseRefName: p.baseRefName ?? "main",
        baseRefOid: p.baseRefOid ?? "0".repeat(40),
        mergeable: p.mergeable ?? "MERGEABLE",
        reviewDecision: p.reviewDecision ?? null,
        statusCheckRollup: p.checks?.length ? { state: rollupState(p.checks), contexts: ({ first }: { first: number }) => ({ nodes: p.checks!.slice(0, first).map(checkNode) }) } : null,
        reviews: ({ last, states }: { last?: number; states?: string[] }) => {
          const list = (p.reviews ?? []).filter((r) => !states || states.includes(r.state));
          return { nodes: list.slice(-(last ?? list.length)).map(reviewNode) };
        },
      }));

  /** GitHub's rollup of all contexts: any failure fails it, else anything unfinished keeps it pending. */
  const rollupState = (checks: FakeCheck[]) => {
    const states = checks.map((c) => (c.kind === "status" ? c.state : c.status && c.status !== "COMPLETED" ? "PENDING" : ["FAILURE", "TIMED_OUT", "CANCELLED"].includes(c.conclusion ?? "SUCCESS") ? "FAILURE" : "SUCCESS"));
    return states.find((x) => x === "FAILURE" || x === "ERROR") ?? states.find((x) => x === "PENDING" || x === "EXPECTED") ?? "SUCCESS";
  };
  const checkNode = (c: FakeCheck) =>
    c.kind === "run"
      ? { __typename: "CheckRun", name: c.name, status: c.status ?? "COMPLETED", conclusion: c.status && c.status !== "COMPLETED" ? null : (c.conclusion ?? "SUCCESS"), detailsUrl: c.detailsUrl ?? null, databaseId: c.databaseId ?? null, checkSuite: { app: { slug: c.app ?? "github-actions" } } }
      : { __typename: "StatusContext", context: c.context, state: c.state, targetUrl: c.targetUrl ?? null };
  const reviewNode = (r: FakeReview) => ({
    id: r.id, state: r.state, body: r.body, submittedAt: r.submittedAt ?? "2026-01-03T00:00:00Z", authorAssociation: r.association ?? "MEMBER", author: { __typename: "User", login: r.author ?? "reviewer" },
    comments: ({ first }: { first: number }) => ({ nodes: (r.comments ?? []).slice(0, first).map((c) => ({ ...c, originalLine: c.line })) }),
  });

  async function handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.replace(/^\/api\/v3/, "");
    requests.push({ method: req.method ?? "GET", path: `${path}${url.search}` });
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    const failure = failures.shift() ?? state.failAll;
    if (failure) return send(res, failure.status, failure.body ?? { message: "Server Error" }, failure.headers);
    const auth = req.headers.authorization?.replace(/^(token|bearer) /i, "");
    if (auth !== undefined && state.token !== undefined && auth !== state.token) {
      return send(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
    }
    const authed = auth !== undefined;

    if (req.method === "POST" && (path === "/graphql" || url.pathname === "/api/graphql")) {
      if (!authed) return send(res, 401, { message: "This endpoint requires you to be authenticated." });
      const { query, variables } = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
      const problems = validateAgainstGitHub(query);
      if (problems.length) {
        invalidQueries.push({ query, errors: problems.map((p) => p.message) });
        return send(res, 200, { errors: problems.map((p) => ({ message: p.message, locations: p.locations })) });
      }
      const rootValue = {
        repository: ({ owner, name }: { owner: string; name: string }) => {
          const full = `${owner}/${name}`;
          const repo = repoOf(owner, name, true);
          if (!repo) throw new GraphQLError(`Could not resolve to a Repository with the name '${full}'.`, { extensions: { type: "NOT_FOUND" } });
          return {
            nameWithOwner: full,
            pullRequests: ({ headRefName, first }: { headRefName: string; first: number }) => ({ nodes: prNodes(full, repo, headRefName).slice(0, first) }),
            issue: ({ number }: { number: number }) => {
              const issueState = repo.issues[number];
              if (!issueState) throw new GraphQLError(`Could not resolve to an Issue with the number of ${number}.`, { extensions: { type: "NOT_FOUND" } });
              return { state: issueState };
            },
          };
        },
      };
      const result = await graphql({ schema: schema(), source: query, rootValue, variableValues: variables });
      // GitHub puts the error type at the top level of each error.
      const errors = result.errors?.map((e) => ({ type: e.extensions?.type, path: e.path, locations: e.locations, message: e.message }));
      return send(res, 200, errors ? { data: result.data, errors } : { data: result.data }, {}, { kind: "graphql", path });
    }

    const pulls = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(path);
    if (req.method === "GET" && pulls) {
      const [, owner, name] = pulls as unknown as [string, string, string];
      const repo = repoOf(owner, name, authed);
      if (!repo) return send(res, 404, { message: "Not Found" });
      const head = url.searchParams.get("head") ?? "";
      const [headOwner, branch] = [head.slice(0, head.indexOf(":")), head.slice(head.indexOf(":") + 1)];
      const full = `${owner}/${name}`;
      const list = prNodes(full, repo, branch)
        .filter((p) => p.headRepository.nameWithOwner.split("/")[0]!.toLowerCase() === headOwner.toLowerCase())
        .map((p) => ({
          number: p.number,
          html_url: p.url,
          state: p.state === "OPEN" ? "open" : "closed",
          merged_at: p.mergedAt,
          draft: p.isDraft,
          created_at: p.createdAt,
          head: { ref: p.headRefName, sha: p.headRefOid, repo: { full_name: p.headRepository.nameWithOwner } },
        }));
      return send(res, 200, list, {}, { kind: "rest", path });
    }
    const jobLog = /^\/repos\/([^/]+)\/([^/]+)\/actions\/jobs\/(\d+)\/logs$/.exec(path);
    if (req.method === "GET" && jobLog) {
      const repo = repoOf(jobLog[1]!, jobLog[2]!, authed);
      if (!repo || repo.jobLogs?.[Number(jobLog[3])] === undefined) return send(res, 404, { message: "Not Found" });
      // As GitHub does: a redirect to the log's storage, which answers plain text.
      res.writeHead(302, { location: `${origin()}/_job-logs/${jobLog[1]}/${jobLog[2]}/${jobLog[3]}` });
      return res.end();
    }
    const blob = /^\/_job-logs\/([^/]+)\/([^/]+)\/(\d+)$/.exec(path);
    if (req.method === "GET" && blob) {
      const text = repos.get(`${blob[1]}/${blob[2]}`.toLowerCase())?.jobLogs?.[Number(blob[3])];
      if (text === undefined) return send(res, 404, { message: "Not Found" });
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return res.end(text);
    }
    const issue = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(path);
    if (req.method === "GET" && issue) {
      const repo = repoOf(issue[1]!, issue[2]!, authed);
      const n = Number(issue[3]);
      if (!repo) return send(res, 404, { message: "Not Found" });
      const pr = repo.pulls.find((p) => p.number === n);
      if (pr) return send(res, 200, { number: n, state: pr.state === "OPEN" ? "open" : "closed", pull_request: { url: "" } });
      const s = repo.issues[n];
      if (!s) return send(res, 404, { message: "Not Found" });
      const title = repo.issueTitles?.[n];
      return send(res, 200, { number: n, state: s === "OPEN" ? "open" : "closed", ...(title === undefined ? {} : { title }) }, {}, { kind: "rest", path });
    }
    send(res, 404, { message: "Not Found" });
  }

  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      handle(req, res, body).catch((err) => send(res, 500, { message: String(err) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  function origin() {
    return `http://127.0.0.1:${port}`;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    repos,
    requests,
    invalidQueries,
    /** The next requests fail with these responses, in order. */
    failures,
    state,
    addRepo(full: string, repo: Partial<FakeRepo> = {}): FakeRepo {
      const r = { pulls: [], issues: {}, ...repo };
      repos.set(full.toLowerCase(), r);
      return r;
    },
    graphqlRequests: () => requests.filter((r) => r.path.endsWith("/graphql")).length,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export type GitHubServer = Awaited<ReturnType<typeof githubServer>>;
