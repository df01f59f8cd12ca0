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
  /** The head commit's check rollup and the review decision (null when unset, as GitHub answers). */
  checks?: "SUCCESS" | "FAILURE" | "ERROR" | "PENDING" | "EXPECTED";
  reviewDecision?: "APPROVED" | "CHANGES_REQUESTED" | "REVIEW_REQUIRED";
}

export interface FakeRepo {
  pulls: FakePr[];
  issues: Record<number, "OPEN" | "CLOSED">;
  /** Titles of some of those issues (answered by the REST issue endpoint). */
  issueTitles?: Record<number, string>;
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
        reviewDecision: p.reviewDecision ?? null,
        statusCheckRollup: p.checks ? { state: p.checks } : null,
      }));

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
