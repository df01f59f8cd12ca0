/**
 * What `ao watch` asks GitHub: for every watched session of a repository, in ONE
 * GraphQL request (per 25 sessions), its PR's state, head and base commits,
 * mergeability, review decision, the check runs and status contexts of the
 * head (statusCheckRollup), and the latest reviews that requested changes with
 * their comments; and its issue's state. Values travel as variables. Every
 * answer is validated (zod) before anything acts on it: a URL or a name from
 * GitHub reaches an agent's pane and the user's terminal.
 */
import { z } from "zod";
import { COMMIT_OID_RE, isHttpsUrl } from "../core/record.js";
import type { CheckFact, PrFacts, WatchFacts } from "../core/watch-facts.js";

/**
 * Sessions per request. With the bounds of WATCH_QUERY a session asks for at most
 * 618 nodes (3 PRs × (50 checks + 5 reviews × 30 comments)), so 200 stay far below
 * GitHub's 500,000-node limit, and a request costs about 44 rate-limit points
 * (2,640 an hour at githubInterval 60s, of the 5,000 GitHub allows).
 */
export const WATCH_CHUNK = 200;

/** What is asked per PR (adapters/github.ts buildQuery makes the aliases, one per session). */
export const WATCH_QUERY = {
  name: "AoWatch",
  first: 3,
  fields: [
    "number url state merged mergedAt headRefOid isDraft createdAt headRepository { nameWithOwner }",
    "baseRefName baseRefOid mergeable reviewDecision",
    "statusCheckRollup { contexts(first: 50) { nodes { __typename ... on CheckRun { name status conclusion detailsUrl databaseId checkSuite { app { slug } } } ... on StatusContext { context state targetUrl } } } }",
    "reviews(last: 5, states: [CHANGES_REQUESTED]) { nodes { id state body submittedAt authorAssociation author { login } comments(first: 30) { nodes { path line originalLine body } } } }",
  ].join(" "),
};

const httpsUrl = z.string().refine(isHttpsUrl, "not an https URL");
const commitOid = z.string().regex(COMMIT_OID_RE, "not a 40-hex commit id");
const text = z.string().max(200_000);
const checkRun = z.object({
  __typename: z.literal("CheckRun"),
  name: text,
  status: z.string(),
  conclusion: z.string().nullable(),
  detailsUrl: httpsUrl.nullable(),
  databaseId: z.number().int().positive().nullable(),
  checkSuite: z.object({ app: z.object({ slug: z.string() }).nullable() }).nullable(),
});
const statusContext = z.object({ __typename: z.literal("StatusContext"), context: text, state: z.string(), targetUrl: httpsUrl.nullable() });
const review = z.object({
  id: z.string().min(1).max(200),
  state: z.string(),
  body: text,
  submittedAt: z.string().nullable(),
  authorAssociation: z.string(),
  author: z.object({ login: z.string() }).nullable(),
  comments: z.object({ nodes: z.array(z.object({ path: text, line: z.number().int().nullable(), originalLine: z.number().int().nullable(), body: text })) }),
});
const prNode = z.object({
  number: z.number().int().positive(),
  url: httpsUrl,
  state: z.enum(["OPEN", "CLOSED", "MERGED"]),
  merged: z.boolean(),
  mergedAt: z.string().nullable(),
  headRefOid: commitOid,
  isDraft: z.boolean(),
  createdAt: z.string(),
  headRepository: z.object({ nameWithOwner: z.string() }).nullable(),
  baseRefName: text,
  baseRefOid: commitOid,
  mergeable: z.enum(["MERGEABLE", "CONFLICTING", "UNKNOWN"]),
  reviewDecision: z.enum(["APPROVED", "CHANGES_REQUESTED", "REVIEW_REQUIRED"]).nullable(),
  statusCheckRollup: z.object({ contexts: z.object({ nodes: z.array(z.discriminatedUnion("__typename", [checkRun, statusContext])) }) }).nullable(),
  reviews: z.object({ nodes: z.array(review) }),
});
export const watchSessionSchema = z.object({ nodes: z.array(prNode) });
type PrNode = z.infer<typeof prNode>;

/**
 * Reviews whose words reach the agent: from people with a say in the repository.
 * Anyone can review a public PR; an outsider's review must not steer the agent.
 */
const TRUSTED_AUTHORS: ReadonlySet<string> = new Set(["OWNER", "MEMBER", "COLLABORATOR"]);

/** A check run's or status context's outcome, as the reactions see it. */
function outcome(c: z.infer<typeof checkRun> | z.infer<typeof statusContext>): CheckFact["outcome"] {
  if (c.__typename === "StatusContext") return c.state === "SUCCESS" ? "success" : c.state === "FAILURE" || c.state === "ERROR" ? "failure" : "pending";
  if (c.status !== "COMPLETED") return "pending";
  if (c.conclusion === "SUCCESS") return "success";
  if (c.conclusion === "NEUTRAL" || c.conclusion === "SKIPPED") return "neutral";
  return "failure"; // FAILURE, TIMED_OUT, CANCELLED, ACTION_REQUIRED, STARTUP_FAILURE, STALE
}

/** The newest PR from the repository's own branch (not a fork's) as facts; null when there is none. */
export function watchFacts(repo: string, nodes: readonly PrNode[], issueState: WatchFacts["issueState"]): WatchFacts {
  const own = nodes.filter((n) => n.headRepository?.nameWithOwner.toLowerCase() === repo.toLowerCase()).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
  if (!own) return { pr: null, issueState };
  const checks: CheckFact[] = [];
  for (const parsed of own.statusCheckRollup?.contexts.nodes ?? []) {
    if (parsed.__typename === "CheckRun") {
      const actions = parsed.checkSuite?.app?.slug === "github-actions" && parsed.databaseId !== null;
      checks.push({ name: parsed.name, outcome: outcome(parsed), url: parsed.detailsUrl, ...(actions ? { jobId: parsed.databaseId! } : {}) });
    } else checks.push({ name: parsed.context, outcome: outcome(parsed), url: parsed.targetUrl });
  }
  const pr: PrFacts = {
    number: own.number, url: own.url, state: own.state, merged: own.merged, mergedAt: own.mergedAt, isDraft: own.isDraft,
    headRefOid: own.headRefOid, baseRefName: own.baseRefName, baseRefOid: own.baseRefOid, mergeable: own.mergeable, reviewDecision: own.reviewDecision,
    checks,
    reviews: own.reviews.nodes
      .map((r) => ({ id: r.id, state: r.state, author: r.author?.login ?? null, trusted: TRUSTED_AUTHORS.has(r.authorAssociation), body: r.body, submittedAt: r.submittedAt, comments: r.comments.nodes.map((c) => ({ path: c.path, line: c.line ?? c.originalLine, body: c.body })) }))
      .sort((a, b) => Date.parse(a.submittedAt ?? "") - Date.parse(b.submittedAt ?? "")),
  };
  return { pr, issueState };
}
