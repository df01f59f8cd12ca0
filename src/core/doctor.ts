/**
 * `ao doctor`: checks the tools, the config, dataDir and every session against
 * tmux and git, and reports each problem with a one-line fix. `fix` applies only
 * the fixes that cannot lose work: permissions, stale locks, `git worktree
 * prune`, and ending sessions whose worktree is gone or whose spawn died (through
 * the same path as kill --force, which saves any work to a ref first).
 */
import type { Context } from "./context.js";
import { errorMessage } from "./errors.js";
import { naturalCompare } from "./naming.js";
import { TERMINAL_STATUSES, type PendingOp, type SessionRecord } from "./record.js";
import { commandProgram, findProgram } from "./command.js";
import { runtimeStates } from "./runtime.js";
import { recoverHint, savedRefPrefix, withRepoLock } from "./workspace.js";

export interface Finding {
  check: string;
  ok: boolean;
  message: string;
  /** One line: what to do about it. */
  fix?: string;
  /** Whether `--fix` applies it (only fixes that cannot lose work). */
  autoFix: boolean;
  fixed?: boolean;
  fixError?: string;
  /** Worth knowing, not a problem: shown with its fix, but doctor still passes. */
  warning?: boolean;
}

type Planned = Finding & { apply?: () => Promise<void> };

/** A version at least `min` ("3.3a" ≥ "3.2"). */
export function versionAtLeast(version: string, min: string): boolean {
  const parts = (v: string) => (v.match(/\d+/g) ?? []).map(Number);
  const [a, b] = [parts(version), parts(min)];
  for (let i = 0; i < b.length; i++) {
    if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i]!;
  }
  return true;
}

/** tmux bugs that take the whole server down (every session on it) and the release that fixed them. */
const TMUX_CRASH_BUGS = [{ what: "its server dies when text is pasted into a pane whose program has exited", fixedIn: "3.4" }] as const;

export function knownTmuxCrash(version: string): (typeof TMUX_CRASH_BUGS)[number] | undefined {
  return TMUX_CRASH_BUGS.find((b) => !versionAtLeast(version, b.fixedIn));
}

/**
 * Each agent a project or a live session uses must be runnable: its program on
 * PATH (or at its path). A command only a shell can read is not judged.
 */
function checkAgents(ctx: Context, records: readonly SessionRecord[], ok: (check: string, message: string) => void, problem: (check: string, message: string, fix: string) => void): void {
  const projects = Object.values(ctx.config.projects);
  const used = new Set([...(projects.length ? projects.map((p) => p.agent ?? ctx.config.defaultAgent) : [ctx.config.defaultAgent]), ...records.filter((r) => !TERMINAL_STATUSES.has(r.status)).map((r) => r.agent)]);
  for (const name of [...used].sort(naturalCompare)) {
    const agent = ctx.config.agents[name];
    const program = agent ? commandProgram(agent.command) : undefined;
    if (!agent || !program) continue;
    const found = findProgram(program, ctx.env.PATH, (p) => ctx.files.isExecutable(p));
    if (found) ok("agents", `agent ${name}: ${found}`);
    else problem("agents", `agent ${name}: ${program} is not found${program.includes("/") ? "" : " on PATH"}`, `Install it, or set agents.${name}.command in ${ctx.config.path}.`);
  }
}

/** How doctor --fix finishes an operation a crash interrupted: through the operation itself. */
export interface Finishers {
  kill(name: string): Promise<unknown>;
  pause(name: string, releaseWorktree: boolean): Promise<unknown>;
  resume(name: string): Promise<unknown>;
}

const RERUN: Record<PendingOp["op"], (r: SessionRecord) => string> = {
  kill: (r) => `ao session kill ${r.name} --force`,
  spawn: (r) => `ao session kill ${r.name} --force`,
  cleanup: (r) => `ao session kill ${r.name} --force   (finishes the cleanup)`,
  pause: (r) => `ao session pause ${r.name}${r.pending?.releaseWorktree ? " --release-worktree" : ""}`,
  resume: (r) => `ao session resume ${r.name}`,
};

export async function doctor(ctx: Context, finish: Finishers, opts: { fix?: boolean } = {}): Promise<Finding[]> {
  const kill = finish.kill;
  const out: Planned[] = [];
  const ok = (check: string, message: string) => out.push({ check, ok: true, message, autoFix: false });
  const problem = (check: string, message: string, fix: string, apply?: () => Promise<void>) => out.push({ check, ok: false, message, fix, autoFix: apply !== undefined, apply });
  const warning = (check: string, message: string, fix: string) => out.push({ check, ok: true, warning: true, message, fix, autoFix: false });

  for (const [tool, min, read] of [["tmux", "3.2", () => ctx.tmux.version()], ["git", "2.25", () => ctx.git.version()]] as const) {
    try {
      const v = await read();
      const bug = tool === "tmux" ? knownTmuxCrash(v) : undefined;
      if (!versionAtLeast(v, min)) problem("tools", `${tool} ${v} is older than ${min}`, `Upgrade ${tool} to ${min} or later.`);
      else if (bug) warning("tools", `tmux ${v} has a known crash: ${bug.what} (fixed in tmux ${bug.fixedIn}); ao guards against it, other tools may not`, `Install tmux ${bug.fixedIn} or later (a newer or backported package of your distribution).`);
      else ok("tools", `${tool} ${v}`);
    } catch (err) {
      problem("tools", `${tool} is not available: ${errorMessage(err).split("\n")[0]}`, `Install ${tool} (e.g. sudo apt-get install ${tool}).`);
    }
  }

  const projects = Object.values(ctx.config.projects);
  if (projects.length) ok("config", `${ctx.config.path} (${projects.length} project${projects.length === 1 ? "" : "s"})`);
  else problem("config", `${ctx.config.path} defines no projects: there is nothing to spawn a session in`, `Add one under projects: (path: the main checkout), or run 'ao init' in the repository.`);
  for (const p of projects) {
    if (!ctx.files.exists(p.path)) problem("config", `project ${p.id}: path ${p.path} does not exist`, `Fix projects.${p.id}.path in ${ctx.config.path}.`);
  }

  const dataMode = ctx.files.mode(ctx.config.dataDir);
  if (dataMode === undefined) ok("dataDir", `${ctx.config.dataDir} (not created yet)`);
  else if ((dataMode & 0o077) !== 0) problem("dataDir", `${ctx.config.dataDir} is readable by others (mode ${dataMode.toString(8)})`, `chmod 700 ${ctx.config.dataDir}`, async () => ctx.files.chmod(ctx.files.realpath(ctx.config.dataDir), 0o700)); // dataDir itself may be a link the user made
  else ok("dataDir", `${ctx.config.dataDir} (mode 700)`);
  for (const path of ctx.store.recordPaths()) {
    const mode = ctx.files.mode(path);
    if (mode !== undefined && (mode & 0o077) !== 0) problem("dataDir", `record ${path} is readable by others (mode ${mode.toString(8)})`, `chmod 600 ${path}`, async () => ctx.files.chmod(path, 0o600));
  }

  for (const lock of ctx.store.locks()) {
    if (lock.stale) {
      const why = lock.pid === undefined ? "no owner" : ctx.processAlive(lock.pid) ? `pid ${lock.pid} is another process now` : `pid ${lock.pid} is gone`;
      problem("locks", `stale lock ${lock.path} (${why})`, `rm ${lock.path}`, async () => ctx.store.clearStaleLock(lock.path));
    }
  }

  const { records, errors } = ctx.store.list();
  checkAgents(ctx, records, ok, problem);
  for (const e of errors) problem("records", `record ${e.file} cannot be read: ${e.error}`, `Inspect it; move it out of ${ctx.config.dataDir} if it is not needed.`);
  const live = records.filter((r) => !TERMINAL_STATUSES.has(r.status)).sort((a, b) => naturalCompare(a.name, b.name));
  const runtime = await runtimeStates(ctx, live);
  const tmux = await ctx.tmux.listSessions();
  for (const r of live) {
    const configured = ctx.config.projects[r.project] !== undefined;
    const alive = runtime(r)?.alive ?? false;
    const fixable = configured ? async () => void (await kill(r.name)) : undefined;
    const pending = r.pending;
    if (pending && !(r.status === "spawning" && r.spawnPid !== undefined && r.spawnPid !== process.pid && ctx.processAlive(r.spawnPid))) {
      // Finished the way it was started: a pause stays a pause, a cleanup a cleanup.
      const repo = ctx.config.projects[r.project]?.path;
      const saved = pending.ref && repo && (await ctx.git.refExists(repo, pending.ref)) ? `; its work is saved in ${pending.ref}` : "";
      const apply = !configured ? undefined
        : pending.op === "pause" ? async () => void (await finish.pause(r.name, pending.releaseWorktree === true))
        : pending.op === "resume" ? async () => void (await finish.resume(r.name))
        : fixable;
      problem("sessions", `${r.name}: an ao ${pending.op} was interrupted (at ${pending.at})${saved}`, RERUN[pending.op](r), apply);
      continue;
    }
    if (r.status === "spawning" && !(r.spawnPid !== undefined && ctx.processAlive(r.spawnPid))) {
      problem("sessions", `${r.name} is stuck in spawning (its ao process is gone)`, `ao session kill ${r.name}`, fixable);
    } else if (r.status !== "spawning" && !r.released && !ctx.files.exists(r.workspacePath)) {
      // With its runtime gone there is nothing left to lose; with it running, the user decides.
      problem("sessions", `${r.name}: worktree ${r.workspacePath} is gone${alive ? " but its tmux session still runs" : ""}`, `ao session kill ${r.name}`, alive ? undefined : fixable);
    }
  }

  const recorded = new Set(live.map((r) => r.workspacePath));
  const tmuxNames = new Set(live.map((r) => r.tmuxSession));
  for (const p of projects) {
    if (!ctx.files.exists(p.path)) continue;
    let worktrees: Awaited<ReturnType<Context["git"]["worktrees"]>> = [];
    try {
      worktrees = await withRepoLock(ctx, p.path, () => ctx.git.worktrees(p.path));
    } catch (err) {
      problem("worktrees", `project ${p.id}: git cannot list worktrees: ${errorMessage(err).split("\n")[0]}`, `Check that ${p.path} is a git repository.`);
      continue;
    }
    await unnamedRefs(ctx, p.id, p.path, records, problem);
    const prunable = worktrees.filter((w) => w.prunable);
    if (prunable.length) {
      problem("worktrees", `project ${p.id}: git still registers ${prunable.length} missing worktree${prunable.length === 1 ? "" : "s"} (${prunable.map((w) => w.path).join(", ")})`, `git -C ${p.path} worktree prune`, async () => withRepoLock(ctx, p.path, () => ctx.git.prune(p.path)));
    }
    for (const w of worktrees) {
      if (w.prunable || w.path === p.path || !w.path.startsWith(`${ctx.config.worktreeDir}/`) || recorded.has(w.path)) continue;
      if (!w.path.slice(ctx.config.worktreeDir.length + 1).startsWith(`${p.id}-`)) continue;
      problem("worktrees", `orphan worktree ${w.path} (branch ${w.branch ?? "detached"}) has no ao session`, `Keep what you need from it, then: git -C ${p.path} worktree remove ${w.path}`);
    }
    for (const name of tmux.keys()) {
      if (name.startsWith(`${p.sessionPrefix}-`) && !tmuxNames.has(name)) {
        problem("tmux", `tmux session ${name} looks like ao's but has no ao session`, `Look at it (tmux${ctx.config.tmuxSocket ? ` -L ${ctx.config.tmuxSocket}` : ""} attach -t ${name}), then kill it if it is not needed.`);
      }
    }
  }

  if (opts.fix) {
    for (const f of out) {
      if (!f.apply) continue;
      try {
        await f.apply();
        f.fixed = true;
      } catch (err) {
        f.fixError = errorMessage(err).split("\n")[0];
      }
    }
  }
  return out.map(({ apply: _apply, ...f }) => f);
}

/**
 * Every ref under refs/ao/saved holds work; one no record names (a crash before
 * ao could write the record, or a hand-made ref) is reported with how to see and
 * recover it. --fix gives it to the session its name says it belongs to.
 */
async function unnamedRefs(
  ctx: Context,
  project: string,
  repo: string,
  records: readonly SessionRecord[],
  problem: (check: string, message: string, fix: string, apply?: () => Promise<void>) => void,
): Promise<void> {
  let refs: string[];
  try {
    refs = (await ctx.git.raw(repo, ["for-each-ref", "--format=%(refname)", "refs/ao/saved/"])).split("\n").filter(Boolean);
  } catch {
    return; // not a repository: reported by the worktree check
  }
  const named = new Set(records.flatMap((r) => [...(r.savedRefs ?? []), ...(r.pending?.ref ? [r.pending.ref] : []), ...(r.released?.savedRef ? [r.released.savedRef] : [])]));
  for (const ref of refs.filter((x) => !named.has(x))) {
    const owner = records.find((r) => r.project === project && ref.startsWith(savedRefPrefix(r)) && /^\d+$/.test(ref.slice(savedRefPrefix(r).length)));
    const adopt = owner ? async () => void (await ctx.store.update(owner.project, owner.name, (r) => ({ ...r, savedRefs: [...(r.savedRefs ?? []), ref] }))) : undefined;
    problem("saved work", `${ref} in ${repo} holds saved work that no session record names${owner ? ` (it is ${owner.name}'s)` : ""}`, `See it: git -C ${repo} show --stat ${ref}; recover it in a checkout: ${recoverHint(ref)} (then mv DIR/.ao-git DIR/.git for each nested repository DIR it holds)`, adopt);
  }
}
