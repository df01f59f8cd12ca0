/**
 * The ONE way a worktree is removed: uncommitted and untracked work is first saved
 * to a ref, and if saving fails the worktree stays. The branch is never deleted
 * here, so unpushed commits stay reachable too.
 */
import { AoError, errorMessage } from "./errors.js";
import { join } from "node:path";
import type { Context } from "./context.js";
import { fnv1a64 } from "./hash.js";
import type { SessionRecord } from "./record.js";
import { tmuxOf } from "./runtime.js";

export interface Retired {
  /** The ref holding saved work, when there was any. */
  savedRef?: string;
}

export async function isDirty(ctx: Context, worktree: string): Promise<boolean> {
  return (await ctx.git.status(worktree)).trim() !== "";
}

export async function saveWorkToRef(ctx: Context, worktree: string, session: string): Promise<string> {
  const ref = await freeRef(ctx, worktree, `refs/ao/saved/${session}`);
  try {
    await ctx.git.saveWork(worktree, ref, `ao: work saved from session ${session}`);
  } catch (err) {
    throw new AoError(`Could not save the changes in ${worktree} to ${ref}; nothing was removed: ${errorMessage(err)}`, { cause: err });
  }
  return ref;
}

export async function retireWorktree(ctx: Context, repo: string, worktree: string, session: string): Promise<Retired> {
  if (!ctx.files.exists(worktree)) {
    await withRepoLock(ctx, repo, () => ctx.git.prune(repo)).catch(() => undefined); // forget a registration whose directory is gone
    return {};
  }
  const savedRef = (await isDirty(ctx, worktree)) ? await saveWorkToRef(ctx, worktree, session) : undefined;
  await withRepoLock(ctx, repo, () => ctx.git.removeWorktree(repo, worktree));
  return { savedRef };
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

async function freeRef(ctx: Context, dir: string, base: string): Promise<string> {
  if (!(await ctx.git.refExists(dir, base))) return base;
  for (let k = 2; ; k++) {
    const ref = `${base}-${k}`;
    if (!(await ctx.git.refExists(dir, ref))) return ref;
  }
}

/** The command that puts saved files back into a checkout of the branch. */
export function recoverHint(ref: string): string {
  return `git checkout ${ref} -- .`;
}

/**
 * Ends a session: stops the agent first (nothing is written after the save), then
 * retires the worktree, then records the final status. Caller holds the lock.
 */
export async function endSession(
  ctx: Context,
  repo: string,
  current: SessionRecord,
  end: { status: "killed" | "done" | "exited"; reason?: string; extra?: Partial<SessionRecord> },
): Promise<{ record: SessionRecord; savedRef?: string }> {
  // Both checks fail before anything is stopped or removed: a worktree git cannot
  // read, and a dataDir that cannot take the final record (read-only, full).
  if (ctx.files.exists(current.workspacePath)) await isDirty(ctx, current.workspacePath);
  ctx.store.write({ ...current, updatedAt: new Date(ctx.now()).toISOString() });
  // Keep the agent's final screen and scrollback for `ao session logs`.
  const tmux = tmuxOf(ctx, current);
  const transcript = await tmux.captureHistory(current.tmuxSession).catch(() => undefined); // no tmux session: nothing to keep
  if (transcript) ctx.files.writePrivate(transcriptPath(ctx, current), transcript);
  await tmux.killSession(current.tmuxSession);
  const { savedRef } = await retireWorktree(ctx, repo, current.workspacePath, current.name);
  const now = new Date(ctx.now()).toISOString();
  const record: SessionRecord = {
    ...current,
    ...end.extra,
    status: end.status,
    updatedAt: now,
    ...(end.reason ? { endedReason: end.reason } : {}),
    savedRefs: [...(current.savedRefs ?? []), ...(savedRef ? [savedRef] : [])],
  };
  ctx.store.write(record);
  if (savedRef) ctx.store.appendEvent(current.project, current.name, "work_saved", { ref: savedRef });
  ctx.store.appendEvent(current.project, current.name, "status_changed", { from: current.status, to: end.status, ...(end.reason ? { reason: end.reason } : {}) });
  return { record, savedRef };
}

/** Where an ended session's last transcript is kept. */
export function transcriptPath(ctx: Context, r: Pick<SessionRecord, "project" | "name">): string {
  return join(ctx.store.sessionsDir(r.project), `${r.name}.transcript.txt`);
}
