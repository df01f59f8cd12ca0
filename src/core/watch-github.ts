/**
 * What `ao watch` asks GitHub each pass: per repository and githubInterval, one
 * request for every live session's PR (adapters/github-watch.ts), and the log of
 * each failing Actions job a coming ci-failed message quotes. A GitHub that
 * cannot be asked is warned about once and asked again each githubInterval; the
 * loop goes on watching tmux.
 */
import { isFailure } from "../adapters/github.js";
import { issueNumber } from "./cleanup-plan.js";
import type { Context, GitHubPort } from "./context.js";
import { errorMessage } from "./errors.js";
import { sessionKey } from "./github-sync.js";
import type { SessionView } from "./plan.js";
import type { SessionRecord } from "./record.js";
import type { WatchFacts } from "./watch-facts.js";
import type { WatchState } from "./watch-state.js";
import { logTail } from "./watch-text.js";
import type { WatchEvent } from "./watch.js";

type Emit = (e: Omit<WatchEvent, "at">) => void;

/** What the loop keeps between passes: --once asks on every pass; the client (and its token) is made once. */
export interface GitHubFlags {
  once: boolean;
  noToken: boolean;
  client?: GitHubPort;
}

/** Per repository, at most once per githubInterval (every pass with --once): every live session's PR facts. A GitHub that is down is warned about once. */
export async function askGitHub(ctx: Context, state: WatchState, live: readonly SessionRecord[], flags: GitHubFlags, emit: Emit): Promise<Map<string, WatchFacts>> {
  const out = new Map<string, WatchFacts>();
  const byRepo = new Map<string, SessionRecord[]>();
  for (const r of live) {
    const repo = ctx.config.projects[r.project]?.repo;
    if (repo) byRepo.set(repo, [...(byRepo.get(repo) ?? []), r]);
  }
  if (byRepo.size === 0 || flags.noToken) return out;
  const now = ctx.now();
  // --once is one pass for cron, whose schedule is then the interval: it always asks.
  const due = [...byRepo].filter(([repo]) => flags.once || now - (state.repos[repo]?.askedAt ?? 0) >= ctx.config.watch.githubIntervalMs);
  if (due.length === 0) return out;
  const client = (flags.client ??= await ctx.github({ purpose: "watch" }));
  if (!client.tokenSource) {
    flags.noToken = true;
    emit({ type: "warning", text: "No GitHub token (GITHUB_TOKEN, GH_TOKEN or gh auth token): ao watch reacts to what tmux shows only (no CI, review, conflict, ready or merged reactions)" });
    return out;
  }
  for (const [repo, records] of due) {
    const memory = (state.repos[repo] ??= { askedAt: 0 });
    memory.askedAt = now;
    const queries = records.map((r) => ({ key: sessionKey(r), branch: ctx.readHeadBranch(r.workspacePath) ?? r.branch, issueNumber: issueNumber(r.issue) }));
    try {
      for (const [key, result] of await client.watch(repo, queries)) if (!isFailure(result)) out.set(key, result);
      if (memory.down) emit({ type: "note", text: `GitHub answers again for ${repo}` });
      delete memory.down;
    } catch (err) {
      if (!memory.down) emit({ type: "warning", text: `GitHub could not be asked about ${repo} (${errorMessage(err)}); ao watch goes on watching tmux and asks again every ${Math.round(ctx.config.watch.githubIntervalMs / 1000)}s` });
      memory.down = errorMessage(err);
    }
  }
  return out;
}

/** The tails of failing Actions jobs' logs, each job once (the cause that quotes it happens once). */
export async function failingLogs(ctx: Context, v: SessionView, jobs: readonly number[], flags: GitHubFlags, emit: Emit): Promise<Map<number, string>> {
  const logs = new Map<number, string>();
  const repo = ctx.config.projects[v.project]?.repo;
  if (!repo || jobs.length === 0) return logs;
  const client = (flags.client ??= await ctx.github({ purpose: "watch" }));
  for (const id of jobs) {
    try {
      logs.set(id, logTail(await client.jobLog(repo, id)));
    } catch (err) {
      emit({ type: "warning", session: v.name, project: v.project, text: `the log of job ${id} could not be fetched (${errorMessage(err)}); sending the check's URL without it` });
    }
  }
  return logs;
}
