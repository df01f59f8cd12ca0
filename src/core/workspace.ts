/**
 * The ONE way a worktree is removed: uncommitted and untracked work is first saved
 * to a ref, and if saving fails the worktree stays. The branch is never deleted
 * here, so unpushed commits stay reachable too.
 */
import { AoError, errorMessage } from "./errors.js";
import type { Context } from "./context.js";

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
    await ctx.git.prune(repo).catch(() => undefined); // forget a registration whose directory is gone
    return {};
  }
  const savedRef = (await isDirty(ctx, worktree)) ? await saveWorkToRef(ctx, worktree, session) : undefined;
  await ctx.git.removeWorktree(repo, worktree);
  return { savedRef };
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
