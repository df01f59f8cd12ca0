/**
 * The ONE way a worktree is removed. Before it goes, whatever removing it would
 * lose is saved to a ref of its own (refs/ao/saved/<project>/<session>/<n>):
 * files on disk that differ from HEAD (also those skip-worktree or
 * assume-unchanged hide), nested repositories with their commits, and a HEAD or
 * per-worktree ref no branch holds. If saving fails the worktree stays. The
 * intent (operation and ref) is in the session record before the first
 * irreversible step, so a crash leaves the work named and the operation
 * finishable. Only a registered worktree of the session's repository, inside
 * worktreeDir and on the session's branch (or detached), is ever removed.
 */
import { join, sep } from "node:path";
import { NESTED_GIT_DIR, type Snapshot } from "../adapters/git.js";
import { AoError, errorMessage } from "./errors.js";
import type { Context } from "./context.js";
import { fnv1a64 } from "./hash.js";
import { TERMINAL_STATUSES, type PendingOp, type SessionRecord } from "./record.js";
import { tmuxOf } from "./runtime.js";
import { transcriptPaths } from "./transcript.js";
import { keptTextPath } from "./transcript-legacy.js";

/** What removing a worktree would lose. */
export interface Work {
  snap: Snapshot;
  /** Files on disk differ from HEAD. */
  dirty: boolean;
  /** HEAD is reachable from no branch, tag, remote-tracking or saved ref. */
  unreachableHead?: string;
  /** Commits only per-worktree refs hold. */
  worktreeOnly: string[];
  nested: string[];
  needsSave: boolean;
}

export async function inspectWork(ctx: Context, worktree: string): Promise<Work> {
  return withSaveDir(ctx, (tmp) => workAt(ctx, worktree, tmp));
}

async function workAt(ctx: Context, worktree: string, tmp: string): Promise<Work> {
  const snap = await ctx.git.snapshot(worktree, tmp);
  const dirty = snap.tree !== snap.headTree;
  const unreachableHead = (await ctx.git.reachable(worktree, snap.head)) ? undefined : snap.head;
  const worktreeOnly = await ctx.git.worktreeOnlyCommits(worktree);
  return { snap, dirty, unreachableHead, worktreeOnly, nested: snap.nested, needsSave: dirty || unreachableHead !== undefined || worktreeOnly.length > 0 };
}

/** "Uncommitted or untracked changes in P" and whatever else would be lost, for a refusal. */
export function describeWork(path: string, w: Work): string {
  const parts = [
    ...(w.dirty ? [`Uncommitted or untracked changes in ${path}`] : []),
    ...(w.nested.length ? [`nested git repositories (${w.nested.join(", ")})`] : []),
    ...(w.unreachableHead ? [`HEAD ${w.unreachableHead.slice(0, 7)} is on no branch (its commits would become unreachable)`] : []),
    ...(w.worktreeOnly.length ? [`commits only this worktree's refs hold (${w.worktreeOnly.map((c) => c.slice(0, 7)).join(", ")})`] : []),
  ];
  return parts.length && !w.dirty ? `Work in ${path} that removing it would lose: ${parts.join("; ")}` : parts.join("; ");
}

/**
 * Refuses unless `r.workspacePath` is a worktree ao may remove for this session:
 * inside worktreeDir, registered in the project's repository, on the session's
 * branch or detached, and not the worktree another live session records. A
 * record edited to name another path must not make ao delete it.
 */
export async function checkOwnWorktree(ctx: Context, repo: string, r: SessionRecord): Promise<void> {
  const path = r.workspacePath;
  const refuse = (why: string) => new AoError(`ao removes only its own worktrees: ${path} ${why}; nothing was removed`, { hint: `Check workspacePath in ${r.name}'s record, or remove that directory yourself once its work is safe.` });
  const real = realOr(ctx, path);
  const root = realOr(ctx, ctx.config.worktreeDir);
  if (!real.startsWith(`${root}${sep}`)) throw refuse(`is not inside worktreeDir (${ctx.config.worktreeDir})`);
  if (real === realOr(ctx, repo)) throw refuse("is the project's main checkout");
  const entry = (await withRepoLock(ctx, repo, () => ctx.git.worktrees(repo))).find((w) => realOr(ctx, w.path) === real);
  if (!entry) throw refuse(`is not a worktree of ${repo}`);
  if (entry.branch && r.branch && entry.branch !== r.branch) throw refuse(`is on branch ${entry.branch}, not the session's branch ${r.branch}`);
  const other = ctx.store.list([r.project]).records.find((o) => o.name !== r.name && !TERMINAL_STATUSES.has(o.status) && realOr(ctx, o.workspacePath) === real);
  if (other) throw refuse(`is session ${other.name}'s worktree`);
}

function realOr(ctx: Context, path: string): string {
  try {
    return ctx.files.realpath(path);
  } catch {
    return path; // missing: compare as written
  }
}

/** The ref prefix of one session's saves: refs/ao/saved/<project>/<name>/<n>. */
export function savedRefPrefix(r: Pick<SessionRecord, "project" | "name">): string {
  return `refs/ao/saved/${r.project}/${r.name}/`;
}

async function nextRef(ctx: Context, repo: string, r: SessionRecord, taken: readonly (string | undefined)[]): Promise<string> {
  const used = new Set([...(r.savedRefs ?? []), ...taken]);
  for (let n = 1; ; n++) {
    const ref = `${savedRefPrefix(r)}${n}`;
    if (!used.has(ref) && !(await ctx.git.refExists(repo, ref))) return ref;
  }
}

export interface Retired {
  /** The record as written: `pending` still set, savedRefs complete. */
  record: SessionRecord;
  /** The ref holding this removal's saved work, when there was any. */
  savedRef?: string;
  nested: string[];
}

/**
 * Removes `current`'s worktree. Order: record the intent (op and ref), `stop`
 * (the agent: nothing is written after the save), save, remove. Run again after a
 * crash (the record's `pending` says so), it finishes: a save already made is
 * kept, and a worktree half removed after its save is removed. The caller holds
 * the session's lock and writes the final record without `pending`.
 */
export async function retireWorktree(
  ctx: Context,
  repo: string,
  current: SessionRecord,
  intent: Omit<PendingOp, "at" | "ref">,
  stop: () => Promise<void> = async () => undefined,
): Promise<Retired> {
  const path = current.workspacePath;
  const exists = ctx.files.exists(path);
  if (exists) await checkOwnWorktree(ctx, repo, current);
  // Without .git, git cannot say what would be lost: only an interrupted removal (after its save) may go on.
  if (exists && !current.pending && !ctx.files.exists(join(path, ".git"))) {
    throw new AoError(`${path} has no .git file, so git cannot tell what removing it would lose; nothing was removed`, { hint: "Look at it, keep what you need, then remove it yourself and run 'ao doctor --fix'." });
  }
  const pendingRef = current.pending?.ref;
  const prior = pendingRef && (await ctx.git.refExists(repo, pendingRef)) ? pendingRef : undefined;
  const ref = pendingRef && !prior ? pendingRef : await nextRef(ctx, repo, current, [prior]);
  let record: SessionRecord = {
    ...current,
    savedRefs: withRef(current.savedRefs, prior),
    pending: { ...intent, ref, at: new Date(ctx.now()).toISOString() },
  };
  ctx.store.write(record);
  ctx.crashPoint(`${intent.op}:intent`);
  await stop();
  ctx.crashPoint(`${intent.op}:stopped`);
  if (!exists) {
    await withRepoLock(ctx, repo, () => ctx.git.prune(repo)).catch(() => undefined); // forget a registration whose directory is gone
    return { record, savedRef: prior, nested: [] };
  }
  let saved: string | undefined;
  let nested: string[] = [];
  // A worktree whose .git is gone was being removed by an interrupted run, after its save: only when that
  // save exists. Without one (nothing needed saving, or the agent deleted .git itself) git cannot tell what
  // would be lost, and the save below fails, removing nothing.
  const halfRemoved = current.pending !== undefined && prior !== undefined && !ctx.files.exists(join(path, ".git"));
  if (!halfRemoved) {
    try {
      await withSaveDir(ctx, async (tmp) => {
        const work = await workAt(ctx, path, tmp);
        nested = work.nested;
        if (!work.needsSave) return;
        if (prior) {
          const info = await ctx.git.commitInfo(repo, prior);
          if (info.tree === work.snap.tree && info.parent === work.snap.head) return; // the interrupted run saved exactly this
        }
        await ctx.git.commitSnapshot(path, work.snap, ref, `ao: work saved from session ${current.name}`, work.worktreeOnly);
        saved = ref;
      });
    } catch (err) {
      const { pending: _pending, ...unchanged } = record;
      ctx.store.write(unchanged);
      throw new AoError(`Could not save the changes in ${path} to ${ref}; nothing was removed: ${errorMessage(err)}`, { cause: err });
    }
    if (saved) {
      record = { ...record, savedRefs: withRef(record.savedRefs, saved) };
      ctx.store.write(record);
      ctx.store.appendEvent(current.project, current.name, "work_saved", { ref: saved, ...(nested.length ? { nested } : {}) });
    }
  }
  ctx.crashPoint(`${intent.op}:saved`);
  await withRepoLock(ctx, repo, async () => {
    try {
      await ctx.git.removeWorktree(repo, path);
    } catch (err) {
      if (!halfRemoved) throw err;
      ctx.files.removeTree(path); // git refuses a worktree without .git; its work was saved before
      await ctx.git.prune(repo);
    }
  });
  ctx.crashPoint(`${intent.op}:removed`);
  return { record, savedRef: saved ?? prior, nested };
}

function withRef(refs: readonly string[] | undefined, ref: string | undefined): string[] {
  const list = [...(refs ?? [])];
  if (ref && !list.includes(ref)) list.push(ref);
  return list;
}

/**
 * A private directory for a save's throw-away index files, under dataDir (not
 * $TMPDIR), named with this process's pid so that one left by a SIGKILLed ao is
 * recognised and removed by the next save.
 */
async function withSaveDir<T>(ctx: Context, fn: (dir: string) => Promise<T>): Promise<T> {
  const parent = join(ctx.config.dataDir, "tmp");
  for (const name of ctx.files.list(parent)) {
    const pid = Number(/^ao-save-(\d+)-/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !ctx.processAlive(pid)) ctx.files.removeTree(join(parent, name));
  }
  const dir = ctx.files.tempDir(parent, `ao-save-${process.pid}-`);
  try {
    return await fn(dir);
  } finally {
    ctx.files.removeTree(dir);
  }
}

/**
 * Serialises ao's own changes to a repository's worktree list. git itself
 * races here: `git worktree add` and `list` read every entry under
 * .git/worktrees and die on one a concurrent `add` has only half written.
 * Held only around list/add/remove/prune, never across a fetch.
 */
export function withRepoLock<T>(ctx: Context, repo: string, fn: () => Promise<T>): Promise<T> {
  return ctx.store.withNamedLock(`git-${fnv1a64(repo)}`, `The worktrees of ${repo}`, fn);
}

/** The commands that put saved files (and nested repositories) back into a checkout of the branch. */
export function recoverHint(ref: string, nested: readonly string[] = []): string {
  return [`git checkout ${ref} -- .`, ...nested.map((n) => `mv ${n}/${NESTED_GIT_DIR} ${n}/.git`)].join(" && ");
}

/**
 * Ends a session: records the intent, stops the agent (nothing is written after
 * the save), retires the worktree, then records the final status. Caller holds
 * the lock. Also finishes an ending a crash interrupted.
 */
export async function endSession(
  ctx: Context,
  repo: string,
  current: SessionRecord,
  end: { op?: "kill" | "cleanup" | "spawn"; status: "killed" | "done" | "exited"; reason?: string; extra?: Partial<SessionRecord> },
): Promise<{ record: SessionRecord; savedRef?: string; nested: string[] }> {
  // Fails before anything is stopped or removed when git cannot read the worktree.
  if (ctx.files.exists(current.workspacePath) && ctx.files.exists(join(current.workspacePath, ".git"))) await ctx.git.head(current.workspacePath);
  const op = end.op ?? "kill";
  const retired = await retireWorktree(ctx, repo, current, { op, status: end.status, ...(end.reason ? { reason: end.reason } : {}) }, async () => {
    // The transcript (<name>.log) stays for `ao session logs`; a session started
    // before there were transcripts keeps its final screen and scrollback instead.
    const tmux = tmuxOf(ctx, current);
    if (!ctx.files.exists(transcriptPaths(ctx, current).current)) {
      const transcript = await tmux.captureHistory(current.tmuxSession).catch(() => undefined); // no tmux session: nothing to keep
      if (transcript) ctx.files.writePrivate(keptTextPath(ctx, current), transcript);
    }
    await tmux.killSession(current.tmuxSession);
  });
  const now = new Date(ctx.now()).toISOString();
  const record: SessionRecord = {
    ...retired.record,
    ...end.extra,
    status: end.status,
    updatedAt: now,
    ...(end.reason ? { endedReason: end.reason } : {}),
  };
  delete record.pending;
  delete record.spawnPid;
  ctx.store.write(record);
  ctx.store.appendEvent(current.project, current.name, "status_changed", { from: current.status, to: end.status, ...(end.reason ? { reason: end.reason } : {}) });
  return { record, savedRef: retired.savedRef, nested: retired.nested };
}
