/**
 * Asking GitHub about sessions, one batched call per repository, and caching the
 * answer in the records. Failures come back per project as data, one message per
 * cause, so a batch goes on and the caller decides what "unknown" means.
 */
import type { SessionAnswer } from "../adapters/github.js";
import type { Context, GitHubCallOptions, Reporter } from "./context.js";
import { issueNumber } from "./cleanup-plan.js";
import { errorMessage } from "./errors.js";
import type { SessionRecord } from "./record.js";

export interface GitHubAnswers {
  /** By session name. */
  answers: Map<string, SessionAnswer>;
  /** By project id: why GitHub could not be asked. */
  failed: Map<string, string>;
}

export async function askGitHub(ctx: Context, records: readonly SessionRecord[], opts: GitHubCallOptions, report: Reporter = {}): Promise<GitHubAnswers> {
  const answers = new Map<string, SessionAnswer>();
  const failed = new Map<string, string>();
  const byProject = new Map<string, SessionRecord[]>();
  for (const r of records) {
    if (ctx.config.projects[r.project]?.repo) byProject.set(r.project, [...(byProject.get(r.project) ?? []), r]);
  }
  if (byProject.size === 0) return { answers, failed };
  const client = await ctx.github(opts);
  if (!client.tokenSource) report.note?.("No GitHub token (GITHUB_TOKEN, GH_TOKEN or gh auth token): asking anonymously, which GitHub limits to 60 requests an hour.");
  for (const [project, list] of byProject) {
    const repo = ctx.config.projects[project]!.repo!;
    const queries = list.map((r) => ({ key: r.name, branch: ctx.readHeadBranch(r.workspacePath) ?? r.branch, issueNumber: issueNumber(r.issue) }));
    try {
      for (const [name, answer] of await client.sessions(repo, queries)) answers.set(name, answer);
    } catch (err) {
      failed.set(project, `${repo}: ${errorMessage(err)}`);
    }
  }
  return { answers, failed };
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
    const answer = answers.get(r.name);
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
