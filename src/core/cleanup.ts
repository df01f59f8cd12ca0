/**
 * `ao session cleanup`: ends the sessions whose PR merged (and landed), whose
 * issue closed, or whose runtime has been dead past the grace period. It always
 * asks GitHub afresh, runs one at a time (a lock in dataDir), and a dry run
 * changes nothing at all.
 */
import { runtimeStates } from "./runtime.js";
import { decideCleanup, type CleanupDecision, type Landed } from "./cleanup-plan.js";
import type { Context, Reporter } from "./context.js";
import { errorMessage } from "./errors.js";
import { askGitHub, saveAnswers, sessionKey, withAnswer } from "./github-sync.js";
import { TERMINAL_STATUSES, type SessionRecord } from "./record.js";
import { projectOrThrow } from "./lookup.js";
import { endSession } from "./workspace.js";
import { byProjectAndName } from "./naming.js";

export interface CleanupItem {
  name: string;
  project: string;
  decision: CleanupDecision["action"];
  reason: string;
  /** For `clean`: the status the session ends with. */
  status?: "done" | "exited";
  /** Worth telling the user even though nothing happens (e.g. commits after a merge). */
  notable?: boolean;
  cleaned?: boolean;
  error?: string;
  savedRef?: string;
}

export interface CleanupReport {
  dryRun: boolean;
  /** Set when another cleanup holds the lock: nothing was done. */
  busyPid?: number | null;
  items: CleanupItem[];
  /** One per cause (e.g. a repository GitHub did not answer for), naming the sessions left alone. */
  warnings: string[];
}

/**
 * `projects`: those of this config to look at (default: all it defines); `names`:
 * only these sessions (ao watch cleans the one whose PR merged, with every
 * protection of cleanup).
 */
export async function cleanup(ctx: Context, opts: { projects?: readonly string[]; dryRun?: boolean; names?: readonly string[] }, report: Reporter = {}): Promise<CleanupReport> {
  const dryRun = opts.dryRun === true;
  const projects = opts.projects ? opts.projects.map((p) => projectOrThrow(ctx, p).id) : Object.keys(ctx.config.projects);
  const lock = await waitForJobLock(ctx, "cleanup");
  if ("holder" in lock) return { dryRun, busyPid: lock.holder ?? null, items: [], warnings: [] };
  try {
    const candidates = byProjectAndName(
      ctx.store.list(projects).records.filter((r) => !TERMINAL_STATUSES.has(r.status) && r.status !== "paused" && r.status !== "spawning" && (!opts.names || opts.names.includes(r.name))),
    );
    const runtime = await runtimeStates(ctx, candidates);
    const { answers, failed, sessionFailed } = await askGitHub(ctx, candidates, { purpose: "cleanup" }, report);
    const now = ctx.now();
    const items: CleanupItem[] = [];
    const decided: { record: SessionRecord; decision: CleanupDecision; alive: boolean }[] = [];
    for (const record of candidates) {
      const alive = runtime(record)?.alive ?? false;
      const answer = answers.get(sessionKey(record));
      const failure = sessionFailed.get(sessionKey(record)) ?? failed.get(record.project);
      const landed = answer?.pr?.merged ? await landedState(ctx, record, answer.pr.headRefOid) : undefined;
      const deadSince = alive ? undefined : record.deadSince ? Date.parse(record.deadSince) : now;
      // A cleanup a crash interrupted (its record says so) is finished as it was decided.
      const interrupted = record.pending?.op === "cleanup" && record.pending.status !== undefined && record.pending.status !== "killed" ? record.pending : undefined;
      const decision: CleanupDecision = interrupted ? { action: "clean", status: interrupted.status as "done" | "exited", reason: interrupted.reason ?? "an interrupted cleanup" } : decideCleanup({
        record,
        runtimeAlive: alive,
        github: answer ? { answer } : failure ? { failed: failure } : undefined,
        landed,
        deadSince,
        now,
        deadAfterMs: ctx.config.runtimeDeadAfterMs,
      });
      decided.push({ record, decision, alive });
      items.push({ name: record.name, project: record.project, decision: decision.action, reason: decision.reason, ...(decision.action === "clean" ? { status: decision.status } : {}), ...(decision.action === "keep" && decision.notable ? { notable: true } : {}) });
    }
    const warnings = [...failed].map(([project, why]) => {
      const names = items.filter((i) => i.project === project && i.decision === "unknown" && !sessionFailed.has(sessionKey(i))).map((i) => i.name);
      return `GitHub could not be asked (${why}); left alone: ${names.length ? names.join(", ") : "none"}`;
    });
    // One warning per cause: sessions whose part of GitHub's answer could not be used.
    const byCause = new Map<string, string[]>();
    for (const i of items) {
      const why = sessionFailed.get(sessionKey(i));
      if (why && i.decision === "unknown") byCause.set(why, [...(byCause.get(why) ?? []), i.name]);
    }
    for (const [why, names] of byCause) warnings.push(`GitHub's answer could not be used (${why}); left alone: ${names.join(", ")}`);
    if (dryRun) return { dryRun, items, warnings };

    // Remember what GitHub said and when each runtime was first seen dead.
    const kept = decided.filter((d) => d.decision.action !== "clean");
    const alive = new Map(kept.map((d) => [sessionKey(d.record), d.alive]));
    await saveAnswers(ctx, kept.map((d) => d.record), answers, (r) => deadSinceChange(r, alive.get(sessionKey(r)) ?? false, now));
    for (const [i, { record, decision }] of decided.entries()) {
      if (decision.action !== "clean") continue;
      const item = items[i]!;
      try {
        const repo = ctx.config.projects[record.project]!.path;
        const result = await ctx.store.withLock(record.project, record.name, async () => {
          const current = ctx.store.read(record.project, record.name);
          if (!current || TERMINAL_STATUSES.has(current.status)) return undefined; // ended by someone else meanwhile
          const answer = answers.get(sessionKey(record));
          const cached = answer ? withAnswer(current, answer, now).record : current;
          const ended = await endSession(ctx, repo, cached, { op: "cleanup", status: decision.status, reason: decision.reason });
          ctx.store.appendEvent(record.project, record.name, "cleaned", { reason: decision.reason, ...(ended.savedRef ? { savedRef: ended.savedRef } : {}) });
          return ended;
        });
        item.cleaned = result !== undefined;
        if (result?.savedRef) item.savedRef = result.savedRef;
      } catch (err) {
        item.error = errorMessage(err).split("\n")[0];
      }
    }
    return { dryRun, items, warnings };
  } finally {
    lock.release();
  }
}

/**
 * One cleanup at a time: a second run waits a bounded time for the first
 * (AO_LOCK_TIMEOUT ms, default 30 s), then gives up; the CLI makes that exit 1,
 * so a cron job that never gets to run is seen failing rather than succeeding.
 */
async function waitForJobLock(ctx: Context, job: string): Promise<ReturnType<Context["store"]["tryJobLock"]>> {
  const deadline = Date.now() + (Number(ctx.env.AO_LOCK_TIMEOUT) || 30_000);
  for (;;) {
    const lock = ctx.store.tryJobLock(job);
    if ("release" in lock || Date.now() >= deadline) return lock;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function deadSinceChange(r: SessionRecord, alive: boolean, now: number): Partial<SessionRecord> {
  if (alive) return r.deadSince ? { deadSince: undefined } : {};
  return r.deadSince ? {} : { deadSince: new Date(now).toISOString() };
}

/**
 * Whether the session's work is in the merged PR: HEAD is the PR's head commit,
 * or an ancestor of it (so squash merges count too) that holds commits of the
 * session's own. A session that made no commits is never "landed" by another
 * PR on a branch of the same name whose history merely contains its start.
 * A head commit that is not local is fetched as objects only: no ref is created
 * or moved (not even FETCH_HEAD), so `--dry-run` changes nothing git shows.
 */
async function landedState(ctx: Context, record: SessionRecord, headOid: string): Promise<Landed> {
  const repo = ctx.config.projects[record.project]!.path;
  const inWorktree = ctx.files.exists(record.workspacePath);
  const dir = inWorktree ? record.workspacePath : repo;
  const branch = ctx.readHeadBranch(record.workspacePath) ?? record.branch;
  try {
    const head = inWorktree ? await ctx.git.head(dir) : (await ctx.git.raw(repo, ["rev-parse", `refs/heads/${record.branch}`])).trim();
    if (head === headOid) return { kind: "landed" };
    if (!(await ctx.git.hasCommit(dir, headOid))) {
      await ctx.git.raw(repo, ["fetch", "--quiet", "--no-write-fetch-head", "--refmap=", "origin", `refs/heads/${branch}`], { timeoutMs: 15_000 }).catch(() => undefined); // best effort: checked just below
    }
    if (!(await ctx.git.hasCommit(dir, headOid))) return { kind: "unverifiable", why: `its head commit ${headOid.slice(0, 7)} is not in the local repository (git fetch, then run cleanup again)` };
    if (!(await ctx.git.isAncestor(dir, head, headOid))) return { kind: "ahead", commits: await ctx.git.countCommits(dir, `${headOid}..${head}`) };
    if ((await startCommit(ctx, repo, record, branch, head, inWorktree)) === head) return { kind: "foreign" };
    return { kind: "landed" };
  } catch (err) {
    return { kind: "unverifiable", why: `git could not compare the commits (${errorMessage(err).split("\n")[0]})` };
  }
}

/**
 * The commit the session started from. For a branch the session created: the
 * oldest entry of the branch's reflog ("branch: Created from origin/main"), which
 * a pause that released the worktree does not reset. For an existing branch it
 * checked out: the oldest entry of its worktree's HEAD reflog. Without a reflog,
 * the merge base with the base ref (HEAD then counts as "no commits of its own"
 * when it is already in the base); undefined when nothing can tell.
 */
async function startCommit(ctx: Context, repo: string, record: SessionRecord, branch: string, head: string, inWorktree: boolean): Promise<string | undefined> {
  const oldest = async (dir: string, ref: string) => (await ctx.git.raw(dir, ["log", "-g", "--format=%H", ref, "--"]).catch(() => "")).trim().split("\n").filter(Boolean).pop();
  const start = record.baseRef !== null ? await oldest(repo, `refs/heads/${branch}`) : inWorktree ? await oldest(record.workspacePath, "HEAD") : undefined;
  if (start || record.baseRef === null) return start;
  return (await ctx.git.raw(repo, ["merge-base", head, record.baseRef]).catch(() => "")).trim() || undefined;
}
