/**
 * Pause and resume (seed 000). Pause stops the agent and frees its tmux session;
 * the worktree and record stay (`paused`, which cleanup never counts as dead).
 * With `releaseWorktree` the branch is freed too: work saved to a ref, worktree
 * removed. Resume is warm when the tmux session is still alive, cold otherwise:
 * the worktree is re-created if it was released, the saved work put back, and the
 * agent relaunched with its resume command.
 */
import type { Context } from "./context.js";
import { AoError } from "./errors.js";
import { TERMINAL_STATUSES, type SessionRecord } from "./record.js";
import { agentOrThrow, projectOrThrow, startAgent } from "./spawn.js";
import { tmuxOf } from "./runtime.js";
import { retireWorktree, withRepoLock } from "./workspace.js";

export async function pauseSession(ctx: Context, record: SessionRecord, opts: { releaseWorktree?: boolean }): Promise<SessionRecord> {
  const project = projectOrThrow(ctx, record.project);
  return ctx.store.withLock(record.project, record.name, async () => {
    const current = ctx.store.read(record.project, record.name) ?? record;
    if (TERMINAL_STATUSES.has(current.status)) throw new AoError(`Session ${current.name} has ended (${current.status})`);
    if (current.status === "spawning") throw new AoError(`Session ${current.name} is still being created`);
    if (current.status === "paused" && (!opts.releaseWorktree || current.released)) throw new AoError(`Session ${current.name} is already paused`);
    const now = new Date(ctx.now()).toISOString();
    ctx.store.write({ ...current, updatedAt: now }); // fails here on an unwritable dataDir, before anything stops
    await tmuxOf(ctx, current).killSession(current.tmuxSession);
    let released: SessionRecord["released"];
    if (opts.releaseWorktree) {
      const { savedRef } = await retireWorktree(ctx, project.path, current.workspacePath, current.name);
      released = { savedRef: savedRef ?? null };
      if (savedRef) ctx.store.appendEvent(current.project, current.name, "work_saved", { ref: savedRef });
    }
    const next: SessionRecord = { ...current, status: "paused", updatedAt: now, ...(released ? { released, savedRefs: [...(current.savedRefs ?? []), ...(released.savedRef ? [released.savedRef] : [])] } : {}) };
    ctx.store.write(next);
    ctx.store.appendEvent(current.project, current.name, "paused", { releasedWorktree: Boolean(released) });
    return next;
  });
}

export interface Resumed {
  session: SessionRecord;
  mode: "warm" | "cold";
  /** Saved work put back into a re-created worktree. */
  restoredRef?: string;
}

export async function resumeSession(ctx: Context, record: SessionRecord): Promise<Resumed> {
  const project = projectOrThrow(ctx, record.project);
  const agent = agentOrThrow(ctx, record.agent);
  return ctx.store.withLock(record.project, record.name, async () => {
    const current = ctx.store.read(record.project, record.name) ?? record;
    if (current.status !== "paused") throw new AoError(`Session ${current.name} is not paused (it is ${current.status})`, { hint: current.status === "working" ? undefined : `ao session restore ${current.name}` });
    const now = new Date(ctx.now()).toISOString();
    const alive = (await tmuxOf(ctx, current).listSessions()).get(current.tmuxSession)?.alive ?? false;
    if (alive) {
      const session: SessionRecord = { ...current, status: "working", updatedAt: now, lastActivityAt: now };
      ctx.store.write(session);
      ctx.store.appendEvent(current.project, current.name, "resumed", { mode: "warm" });
      return { session, mode: "warm" };
    }
    let restoredRef: string | undefined;
    if (current.released || !ctx.files.exists(current.workspacePath)) {
      if (ctx.files.exists(current.workspacePath)) throw new AoError(`${current.workspacePath} exists but is not this session's worktree`, { hint: "Move it away, then resume again." });
      await withRepoLock(ctx, project.path, async () => {
        const busy = (await ctx.git.worktrees(project.path)).find((w) => w.branch === current.branch);
        if (busy) throw new AoError(`Branch ${current.branch} is checked out in ${busy.path}`, { hint: "Switch that checkout to another branch, then resume again." });
        await ctx.git.addWorktree(project.path, current.workspacePath, current.branch, undefined);
      });
      restoredRef = current.released?.savedRef ?? undefined;
      if (restoredRef) await ctx.git.restoreSavedWork(current.workspacePath, restoredRef);
    }
    const tmuxSocket = await startAgent(ctx, current, agent.resumeCommand ?? agent.command);
    const session: SessionRecord = { ...current, tmuxSocket, status: "working", updatedAt: now, lastActivityAt: now };
    delete session.released;
    ctx.store.write(session);
    ctx.store.appendEvent(current.project, current.name, "resumed", { mode: "cold", ...(restoredRef ? { restoredRef } : {}) });
    return { session, mode: "cold", restoredRef };
  });
}
