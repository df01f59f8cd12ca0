/**
 * Pause and resume (seed 000). Pause stops the agent and frees its tmux session;
 * the worktree and record stay (`paused`, which cleanup never counts as dead).
 * With `releaseWorktree` the branch is freed too: work saved to a ref, worktree
 * removed. Resume is warm when the tmux session is still alive, cold otherwise:
 * the worktree is re-created if it was released, the saved work put back, and the
 * agent relaunched with its resume command.
 */
import { join } from "node:path";
import { NESTED_GIT_DIR } from "../adapters/git.js";
import type { Context } from "./context.js";
import { AoError } from "./errors.js";
import { TERMINAL_STATUSES, type SessionRecord } from "./record.js";
import { agentOrThrow, projectOrThrow } from "./lookup.js";
import { startAgent } from "./spawn.js";
import { tmuxOf } from "./runtime.js";
import { checkOwnWorktree, retireWorktree, withRepoLock } from "./workspace.js";

export async function pauseSession(ctx: Context, record: SessionRecord, opts: { releaseWorktree?: boolean }): Promise<SessionRecord> {
  const project = projectOrThrow(ctx, record.project);
  return ctx.store.withLock(record.project, record.name, async () => {
    const current = ctx.store.read(record.project, record.name) ?? record;
    // A pause a crash interrupted is finished as it was started (with its --release-worktree).
    const interrupted = current.pending?.op === "pause" ? current.pending : undefined;
    const release = opts.releaseWorktree === true || interrupted?.releaseWorktree === true;
    if (TERMINAL_STATUSES.has(current.status)) throw new AoError(`Session ${current.name} has ended (${current.status})`);
    if (current.status === "spawning") throw new AoError(`Session ${current.name} is still being created`);
    if (!interrupted && current.status === "paused" && (!release || current.released)) throw new AoError(`Session ${current.name} is already paused`);
    const now = new Date(ctx.now()).toISOString();
    ctx.store.write({ ...current, updatedAt: now }); // fails here on an unwritable dataDir, before anything stops
    const stop = () => tmuxOf(ctx, current).killSession(current.tmuxSession);
    let next: SessionRecord;
    if (release) {
      const { record: retired, savedRef } = await retireWorktree(ctx, project.path, current, { op: "pause", releaseWorktree: true }, stop);
      next = { ...retired, status: "paused", updatedAt: now, released: { savedRef: savedRef ?? current.released?.savedRef ?? null } };
      // Its git directory went with the worktree, and git may give the name to another worktree: ls
      // would show that one's branch. Resume records the new one.
      delete next.gitDir;
    } else {
      ctx.store.write({ ...current, pending: { op: "pause", at: now } });
      ctx.crashPoint("pause:intent");
      await stop();
      ctx.crashPoint("pause:stopped");
      next = { ...current, status: "paused", updatedAt: now };
    }
    delete next.pending;
    ctx.store.write(next);
    ctx.store.appendEvent(current.project, current.name, "paused", { releasedWorktree: release });
    return next;
  });
}

export interface Resumed {
  session: SessionRecord;
  mode: "warm" | "cold";
  /** Saved work put back into a re-created worktree. */
  restoredRef?: string;
  /** Paths where the saved work and the branch's new commits conflicted (both sides are in the file). */
  conflicts?: string[];
}

/**
 * Every step is recorded in `pending` before the next one, so resuming again
 * after a crash finishes: a worktree its own interrupted resume created is
 * adopted (put back to HEAD if `git worktree add` itself was cut short), saved
 * work already put back is not put back twice.
 */
export async function resumeSession(ctx: Context, record: SessionRecord): Promise<Resumed> {
  const project = projectOrThrow(ctx, record.project);
  const agent = agentOrThrow(ctx, record.agent);
  return ctx.store.withLock(record.project, record.name, async () => {
    let current = ctx.store.read(record.project, record.name) ?? record;
    if (TERMINAL_STATUSES.has(current.status)) {
      // Its worktree is gone: neither resume nor restore can bring it back; its branch and saved refs remain.
      throw new AoError(`Session ${current.name} has ended (${current.status}) and cannot be resumed`, { hint: `Start a new session: ao spawn ${current.project}${current.issue ? ` ${current.issue}` : ""} --branch ${current.branch}` });
    }
    if (current.status !== "paused") throw new AoError(`Session ${current.name} is not paused (it is ${current.status})`, { hint: current.status === "working" ? `It is running: ao session attach ${current.name}` : undefined });
    const now = new Date(ctx.now()).toISOString();
    const finish = (mode: "warm" | "cold", extra: Omit<Resumed, "session" | "mode"> = {}): Resumed => {
      // Stamped now, after the agent started: a listing that began before that (ls, core/runtime.ts)
      // trusts its absence for a record older than itself, and would show this session dead.
      const at = new Date(ctx.now()).toISOString();
      const session: SessionRecord = { ...current, status: "working", updatedAt: at, lastActivityAt: at };
      delete session.released;
      delete session.pending;
      ctx.store.write(session);
      ctx.store.appendEvent(current.project, current.name, "resumed", { mode, ...(extra.restoredRef ? { restoredRef: extra.restoredRef } : {}), ...(extra.conflicts?.length ? { conflicts: extra.conflicts } : {}) });
      return { session, mode, ...extra };
    };
    const alive = (await tmuxOf(ctx, current).listSessions()).get(current.tmuxSession)?.alive ?? false;
    if (alive) return finish(current.pending?.op === "resume" ? "cold" : "warm");
    let restoredRef: string | undefined;
    let conflicts: string[] = [];
    const path = current.workspacePath;
    if (current.released || !ctx.files.exists(path)) {
      const interrupted = current.pending?.op === "resume" ? current.pending : undefined;
      const progress = (step?: "worktree" | "applied") => {
        current = { ...current, pending: { op: "resume", at: now, ...(step ? { step } : {}) } };
        ctx.store.write(current);
      };
      progress(interrupted?.step);
      ctx.crashPoint("resume:intent");
      if (ctx.files.exists(path) && interrupted) {
        await checkOwnWorktree(ctx, project.path, current).catch((err) => {
          throw new AoError(`${path} exists but is not this session's worktree`, { cause: err, hint: "Move it away, then resume again." });
        });
        if (!interrupted.step) await ctx.git.resetHard(path); // `git worktree add` was cut short: only git wrote there
      } else {
        if (ctx.files.exists(path)) throw new AoError(`${path} exists but is not this session's worktree`, { hint: "Move it away, then resume again." });
        await withRepoLock(ctx, project.path, async () => {
          await ctx.git.prune(project.path); // a registration left by an interrupted add whose directory is gone
          const busy = (await ctx.git.worktrees(project.path)).find((w) => w.branch === current.branch);
          if (busy) throw new AoError(`Branch ${current.branch} is checked out in ${busy.path}`, { hint: "Switch that checkout to another branch, then resume again." });
          await ctx.git.addWorktree(project.path, path, current.branch, undefined);
        });
      }
      // Made by git just now (or by the interrupted resume): no agent has run in it since.
      const gitDir = ctx.worktreeGitDir(path);
      current = { ...current, gitDir };
      if (!gitDir) delete current.gitDir;
      if (interrupted?.step !== "applied") progress("worktree");
      ctx.crashPoint("resume:worktree");
      restoredRef = current.released?.savedRef ?? undefined;
      if (restoredRef && current.pending?.step !== "applied") {
        // A worktree fresh from `git worktree add` is clean; a dirty one had the work put back before a crash.
        if ((await ctx.git.status(path)).trim() === "") conflicts = await ctx.git.applySavedWork(path, restoredRef);
        // A nested repository comes back as a repository: its saved .git is put back in place.
        for (const dir of await ctx.git.nestedIn(path, restoredRef)) {
          const saved = join(path, dir, NESTED_GIT_DIR);
          if (ctx.files.exists(saved) && !ctx.files.exists(join(path, dir, ".git"))) ctx.files.rename(saved, join(path, dir, ".git"));
        }
        progress("applied");
      }
      ctx.crashPoint("resume:applied");
    }
    current = { ...current, tmuxSocket: await startAgent(ctx, current, agent.resumeCommand ?? agent.command, "resumed") };
    ctx.crashPoint("resume:agent");
    return finish("cold", { restoredRef, ...(conflicts.length ? { conflicts } : {}) });
  });
}
