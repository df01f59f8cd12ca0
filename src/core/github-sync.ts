/**
 * Asking GitHub about sessions, one batched call per repository, and caching the
 * answer in the records. Failures come back per project as data, one message per
 * cause, so a batch goes on and the caller decides what "unknown" means.
 */
// Types only: a value imported from adapters/github.js would load octokit on every `ls`.
import type { SessionAnswer, SessionFailure, SessionResult } from "../adapters/github.js";
import type { Context, GitHubCallOptions, Reporter } from "./context.js";
import { issueNumber } from "./cleanup-plan.js";
import { errorMessage } from "./errors.js";
import { sessionKey, type SessionRecord } from "./record.js";

export const isFailure = <T extends object>(r: T | SessionFailure | undefined): r is SessionFailure => r !== undefined && "failed" in r;

export { sessionKey };

export interface GitHubAnswers {
  /** By sessionKey. */
  answers: Map<string, SessionAnswer>;
  /** By project id: why GitHub could not be asked. */
  failed: Map<string, string>;
  /** By sessionKey: GitHub answered, but not usably for that session (malformed, an error for its fields). */
  sessionFailed: Map<string, string>;
}

export async function askGitHub(ctx: Context, records: readonly SessionRecord[], opts: GitHubCallOptions, report: Reporter = {}): Promise<GitHubAnswers> {
  const answers = new Map<string, SessionAnswer>();
  const failed = new Map<string, string>();
  const sessionFailed = new Map<string, string>();
  const byProject = new Map<string, SessionRecord[]>();
  for (const r of records) {
    if (ctx.config.projects[r.project]?.repo) byProject.set(r.project, [...(byProject.get(r.project) ?? []), r]);
  }
  // A quick look (ls, status) does not wait again for a repository that just failed; cleanup always asks.
  if (opts.purpose === "list") {
    for (const [project] of byProject) {
      const repo = ctx.config.projects[project]!.repo!;
      const recent = recentFailure(ctx, repo);
      if (!recent) continue;
      failed.set(project, `${repo}: ${recent.why}, ${Math.round(recent.ageMs / 1000)}s ago; asked again after github.cacheTtl`);
      byProject.delete(project);
    }
  }
  if (byProject.size === 0) return { answers, failed, sessionFailed };
  const client = await ctx.github(opts);
  if (!client.tokenSource) report.note?.("No GitHub token (GITHUB_TOKEN, GH_TOKEN or gh auth token): asking anonymously, which GitHub limits to 60 requests an hour.");
  const outcome = new Map<string, string | undefined>();
  for (const [project, list] of byProject) {
    const repo = ctx.config.projects[project]!.repo!;
    const queries = list.map((r) => ({ key: sessionKey(r), branch: ctx.readHeadBranch(r.workspacePath) ?? r.branch, issueNumber: issueNumber(r.issue) }));
    try {
      for (const [key, result] of await client.sessions(repo, queries)) {
        if (isFailure(result)) sessionFailed.set(key, `${repo}: ${result.failed}`);
        else answers.set(key, result);
      }
      outcome.set(repo, undefined);
    } catch (err) {
      failed.set(project, `${repo}: ${errorMessage(err)}`);
      outcome.set(repo, errorMessage(err));
    }
  }
  rememberFailures(ctx, outcome);
  return { answers, failed, sessionFailed };
}

/**
 * A slow or unreachable GitHub costs one timeout per github.cacheTtl, not one per
 * command: a failed request is remembered per repository in dataDir, and until
 * the TTL has passed `ls`, `status` and `spawn` go on at once with what they have.
 */
export function recentFailure(ctx: Context, repo: string): { why: string; ageMs: number } | undefined {
  const failure = ctx.store.readGitHubFailures()[repo];
  const ageMs = failure ? ctx.now() - failure.at : Infinity;
  return failure && ageMs >= 0 && ageMs < ctx.config.githubCacheTtlMs ? { why: failure.why, ageMs } : undefined;
}

/** Records each repository's outcome: a failure (its reason) or a success (undefined: forgotten). */
export function rememberFailures(ctx: Context, outcome: ReadonlyMap<string, string | undefined>): void {
  if (outcome.size === 0) return;
  const failures = ctx.store.readGitHubFailures();
  let changed = false;
  for (const [repo, why] of outcome) {
    if (why === undefined) {
      changed ||= repo in failures;
      delete failures[repo];
    } else {
      failures[repo] = { at: ctx.now(), why };
      changed = true;
    }
  }
  if (changed) ctx.store.writeGitHubFailures(failures);
}

/** The record with `answer` cached; `changed` when the PR appeared or changed state. */
export function withAnswer(record: SessionRecord, answer: SessionAnswer, now: number): { record: SessionRecord; prChanged: boolean } {
  const before = record.pr;
  const prChanged = (before?.number ?? null) !== (answer.pr?.number ?? null) || (before?.state ?? null) !== (answer.pr?.state ?? null);
  return {
    record: { ...record, pr: answer.pr, issueState: answer.issueState, checkedAt: new Date(now).toISOString(), prUrl: answer.pr?.url ?? record.prUrl },
    prChanged,
  };
}

/**
 * Writes cached answers (and any extra change) under each session's lock.
 * Cache-only writes skip the fsync (see Store.write); with `extra` they are durable.
 */
export async function saveAnswers(ctx: Context, records: readonly SessionRecord[], answers: Map<string, SessionAnswer>, extra: (r: SessionRecord) => Partial<SessionRecord> = () => ({})): Promise<void> {
  for (const r of records) {
    const answer = answers.get(sessionKey(r));
    const change = extra(r);
    if (!answer && Object.keys(change).length === 0) continue;
    let prChanged = false;
    await ctx.store.update(
      r.project,
      r.name,
      (current) => {
        const next = answer ? withAnswer(current, answer, ctx.now()) : { record: current, prChanged: false };
        prChanged = next.prChanged;
        return { ...next.record, ...change };
      },
      { durable: Object.keys(change).length > 0 },
    );
    if (prChanged && answer) ctx.store.appendEvent(r.project, r.name, "pr_changed", { number: answer.pr?.number ?? null, state: answer.pr?.state ?? null, url: answer.pr?.url ?? null });
  }
}
