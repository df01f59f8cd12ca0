/**
 * `spawn`: reserve a name, make the worktree, link, run postCreate, start the agent
 * in tmux, deliver the prompt, mark the record working. Each step registers its
 * undo; a failure runs them in reverse and reports the step that failed, so a
 * failed spawn leaves no worktree, tmux session or record behind.
 */
import { join } from "node:path";
import type { AgentSpec } from "../config/presets.js";
import type { ProjectConfig } from "../config/types.js";
import type { Context, Reporter } from "./context.js";
import { AoError, errorMessage, NoConfigError, UsageError } from "./errors.js";
import { checkMessage } from "./message.js";
import { branchName, candidateNames, cleanTitle, normalizeIssue, titleFromPrompt, worktreeName } from "./naming.js";
import { SCHEMA_VERSION, type SessionRecord } from "./record.js";
import { issueNumber } from "./cleanup-plan.js";
import { retireWorktree, withRepoLock } from "./workspace.js";
import { PaneDeadError, type PaneSnapshot, type Tmux } from "../adapters/tmux.js";
import { tmuxOf } from "./runtime.js";
import { recentFailure, rememberFailures } from "./github-sync.js";
import { classifyScreen, hasPatterns, type ScreenStatus } from "./screen.js";
import { lastLine } from "./wait.js";
import { beginLife, type LifeStart } from "./transcript.js";

export interface SpawnOptions {
  project: string;
  issue?: string;
  agent?: string;
  prompt?: string;
  title?: string;
  branch?: string;
  base?: string;
}

export interface SpawnResult {
  session: SessionRecord;
  warnings: string[];
}

const FETCH_TIMEOUT_MS = 15_000;

// Re-exported for the modules that imported them from here.
export { agentOrThrow, projectOrThrow } from "./lookup.js";
import { agentOrThrow, projectOrThrow } from "./lookup.js";

export async function spawnSession(ctx: Context, opts: SpawnOptions, report: Reporter = {}): Promise<SpawnResult> {
  const project = projectOrThrow(ctx, opts.project);
  const agent = agentOrThrow(ctx, opts.agent ?? project.agent ?? ctx.config.defaultAgent);
  const issue = opts.issue === undefined ? undefined : normalizeIssue(opts.issue);
  if (opts.prompt !== undefined && agent.prompt === "paste") checkMessage(opts.prompt, "prompt");
  if (opts.prompt !== undefined && opts.prompt.includes("\0")) throw new UsageError("The prompt contains a NUL byte.");
  if (opts.branch !== undefined && !(await ctx.git.isValidBranchName(project.path, opts.branch))) {
    throw new UsageError(`Invalid branch name: ${JSON.stringify(opts.branch)}`);
  }
  if (!ctx.files.exists(project.path)) throw new AoError(`Project path does not exist: ${project.path}`, { hint: `Fix projects.${project.id}.path in ${ctx.config.path}.` });

  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    report.warn?.(m);
  };
  // The GitHub issue's title names the session and its branch unless --title does; asked while git fetches.
  const number = issue === undefined ? undefined : issueNumber(issue);
  const asking = opts.title === undefined && project.repo && number !== undefined ? issueTitle(ctx, project.repo, number, warn) : undefined;
  const base = opts.base ?? (await freshBase(ctx, project, warn));
  opts = { ...opts, title: opts.title ?? (await asking) };
  if (!(await ctx.git.refExists(project.path, base))) throw new UsageError(`Base ref not found: ${base}`);

  const undo: { step: string; run: () => Promise<unknown> | unknown }[] = [];
  let step = "reserve name";
  let rollbackRef: string | undefined;
  let errSession = "";
  try {
    const record = reserveName(ctx, project, agent, issue, opts);
    errSession = record.name;
    undo.push({ step, run: () => (rollbackRef ? undefined : ctx.store.remove(project.id, record.name)) });
    ctx.crashPoint("reserved");

    step = "create worktree";
    const { branch, created } = await withRepoLock(ctx, project.path, async () => {
      const chosen = await chooseBranch(ctx, project, record, opts);
      const isNew = !(await ctx.git.refExists(project.path, `refs/heads/${chosen}`));
      // Recorded first: should this process die inside `git worktree add`, kill knows the branch is the session's.
      record.branch = chosen;
      ctx.store.write(record);
      report.step?.(`Creating worktree ${record.workspacePath} on ${chosen}`);
      await ctx.git.addWorktree(project.path, record.workspacePath, chosen, isNew ? { base } : undefined);
      const gitDir = ctx.worktreeGitDir(record.workspacePath); // before any agent runs there
      if (gitDir) record.gitDir = gitDir;
      return { branch: chosen, created: isNew };
    });
    undo.push({
      step,
      run: async () => {
        // Files made by postCreate are saved like any others: removal has one path. A
        // record that names the saved ref is kept (status killed), so the ref is never unnamed.
        const current = ctx.store.read(project.id, record.name) ?? record;
        const retired = await retireWorktree(ctx, project.path, current, { op: "spawn" });
        rollbackRef = retired.savedRef;
        if (rollbackRef) {
          const kept: SessionRecord = { ...retired.record, status: "killed", endedReason: `spawn failed at step "${step}"`, updatedAt: new Date(ctx.now()).toISOString() };
          delete kept.pending;
          delete kept.spawnPid;
          ctx.store.write(kept);
        }
        // A branch made by this spawn that never moved holds nothing: drop it.
        if (created && (await sameCommit(ctx, project.path, branch, base))) {
          await ctx.git.deleteBranch(project.path, branch);
        }
      },
    });
    record.branch = branch;
    record.baseRef = created ? base : null;
    // Keep the reserved record telling the truth about what exists, should this process die.
    ctx.store.write(record);
    ctx.crashPoint("worktree");

    step = "symlinks";
    for (const link of project.symlinks) {
      const source = join(project.path, link);
      if (!ctx.files.exists(source)) {
        warn(`symlink skipped: ${source} does not exist`);
        continue;
      }
      try {
        ctx.files.symlinkInside(record.workspacePath, link, source);
      } catch (err) {
        warn(`symlink ${link} skipped: ${errorMessage(err)}`);
      }
    }

    const env = paneEnv(record);
    for (const command of project.postCreate) {
      step = `postCreate: ${command}`;
      report.step?.(`Running ${command}`);
      await ctx.shell(command, record.workspacePath, env);
    }

    ctx.crashPoint("linked");
    step = "start agent";
    const promptFile = join(ctx.store.sessionsDir(project.id), `${record.name}.prompt`);
    let script = agent.command;
    let extraEnv: Record<string, string> = {};
    if (opts.prompt !== undefined && agent.prompt === "arg") {
      // The prompt reaches the agent as one argument read from a 0600 file, so no
      // part of it is ever parsed by the shell.
      ctx.files.writePrivate(promptFile, opts.prompt);
      undo.push({ step, run: () => ctx.files.remove(promptFile) });
      script = `${agent.command} "$(cat "$AO_PROMPT_FILE")"`;
      extraEnv = { AO_PROMPT_FILE: promptFile };
    }
    undo.push({ step, run: () => ctx.tmux.killSession(record.name) });
    record.tmuxSocket = await startAgent(ctx, record, script, "started", extraEnv);
    ctx.store.write(record); // the record names the server before anything else happens there
    ctx.crashPoint("tmux");

    // An agent that exits at start (not installed, no API key) fails the spawn with its own last words.
    const paste = opts.prompt !== undefined && agent.prompt === "paste";
    const up = await watchStart(ctx, record.name, agent, { forInput: paste });
    if (paste) {
      step = "deliver prompt";
      if (up === "waiting") {
        // Pasting would answer the agent's question (a trust screen…) with the prompt: keep it for the user instead.
        ctx.files.writePrivate(promptFile, opts.prompt!);
        warn(`${record.name} asks a question before it can take the prompt; answer it (ao session reply ${record.name} once), then send the prompt: ao send ${record.name} -f ${promptFile}`);
      } else {
        await ctx.tmux.paste(record.name, opts.prompt!).catch(async (err: unknown) => {
          throw err instanceof PaneDeadError ? await agentExited(ctx.tmux, record.name) : err;
        });
      }
    }

    ctx.crashPoint("prompt");
    step = "save record";
    const now = new Date(ctx.now()).toISOString();
    const final: SessionRecord = { ...record, status: "working", updatedAt: now, lastActivityAt: now };
    delete final.spawnPid;
    ctx.store.write(final);
    ctx.store.appendEvent(project.id, final.name, "spawned", { branch: final.branch, agent: final.agent, base: final.baseRef });
    return { session: final, warnings };
  } catch (err) {
    const leftovers = await rollback(undo);
    throw new AoError(`Spawn failed at step "${step}": ${errorMessage(err)}`, {
      cause: err,
      exitCode: err instanceof AoError ? err.exitCode : undefined,
      hint: leftovers.length
        ? `Could not undo: ${leftovers.join("; ")}`
        : rollbackRef
          ? `Nothing was left behind but ${rollbackRef}, which holds the files the failed steps created (named in the record of ${errSession}, now killed).`
          : "Nothing was left behind.",
    });
  }
}

/** origin/<defaultBranch> fetched with a timeout; the local branch when that fails. */
async function freshBase(ctx: Context, project: ProjectConfig, warn: (m: string) => void): Promise<string> {
  const branch = project.defaultBranch;
  if (await ctx.git.remoteUrl(project.path, "origin")) {
    try {
      await ctx.git.fetch(project.path, "origin", branch, FETCH_TIMEOUT_MS);
      return `origin/${branch}`;
    } catch (err) {
      const why = err instanceof Error ? err.message.split("\n").find((l) => l.trim()) ?? "failed" : "failed";
      if (await ctx.git.refExists(project.path, `refs/heads/${branch}`)) {
        warn(`could not fetch origin/${branch} (${why.trim()}); using local ${branch}`);
        return branch;
      }
      if (await ctx.git.refExists(project.path, `refs/remotes/origin/${branch}`)) {
        warn(`could not fetch origin/${branch} (${why.trim()}); using the last fetched origin/${branch}`);
        return `origin/${branch}`;
      }
      throw err;
    }
  }
  return branch;
}

/** The issue's title from GitHub, or undefined (with a warning when GitHub could not be asked). */
async function issueTitle(ctx: Context, repo: string, number: number, warn: (m: string) => void): Promise<string | undefined> {
  const recent = recentFailure(ctx, repo);
  if (recent) {
    warn(`issue #${number}'s title not read: GitHub failed ${Math.round(recent.ageMs / 1000)}s ago (${recent.why}); the title comes from the prompt`);
    return undefined;
  }
  try {
    const title = (await (await ctx.github({ purpose: "list" })).issueTitle(repo, number)) ?? undefined;
    rememberFailures(ctx, new Map([[repo, undefined]]));
    return title;
  } catch (err) {
    rememberFailures(ctx, new Map([[repo, errorMessage(err)]]));
    warn(`issue #${number}'s title not read from GitHub (${errorMessage(err)}); the title comes from the prompt`);
    return undefined;
  }
}

function reserveName(ctx: Context, project: ProjectConfig, agent: AgentSpec, issue: string | undefined, opts: SpawnOptions): SessionRecord {
  const taken = ctx.store.names(project.id);
  // Issue-less sessions are numbered among themselves: `spawn P 42` never moves the next `P-<n>`.
  const issueless = issue === undefined ? ctx.store.list([project.id]).records.filter((r) => r.issue === null).map((r) => r.name) : [];
  const now = new Date(ctx.now()).toISOString();
  for (const name of candidateNames(project.sessionPrefix, issue, taken, issueless)) {
    if (taken.has(name)) continue;
    const workspacePath = join(ctx.config.worktreeDir, worktreeName(project.id, project.sessionPrefix, name));
    if (ctx.files.exists(workspacePath)) continue; // something else lives there: never reuse it
    const record: SessionRecord = {
      schemaVersion: SCHEMA_VERSION,
      name,
      project: project.id,
      issue: issue ?? null,
      title: cleanTitle(opts.title) ?? titleFromPrompt(opts.prompt) ?? null,
      branch: "",
      baseRef: null,
      agent: agent.name,
      workspacePath,
      configPath: ctx.config.path,
      tmuxSession: name,
      status: "spawning",
      prUrl: null,
      createdAt: now,
      updatedAt: now,
      lastActivityAt: now,
      spawnPid: process.pid,
    };
    if (ctx.store.reserve(record)) return record;
    taken.add(name); // another spawn won the race for this one
  }
  throw new AoError("No free session name"); // unreachable: the candidates never end
}

/**
 * The branch per SPEC §2. A generated name already checked out in another
 * worktree (a second session for the same issue) gets the session's own suffix.
 */
async function chooseBranch(ctx: Context, project: ProjectConfig, record: SessionRecord, opts: SpawnOptions): Promise<string> {
  const wanted = opts.branch ?? branchName({ session: record.name, issue: record.issue ?? undefined, title: cleanTitle(opts.title) });
  const busy = new Map((await ctx.git.worktrees(project.path)).filter((w) => w.branch).map((w) => [w.branch!, w.path]));
  if (!busy.has(wanted)) {
    // --branch was checked before anything was made; a generated name is checked here.
    if (!opts.branch && !(await ctx.git.isValidBranchName(project.path, wanted))) throw new UsageError(`Invalid branch name: ${JSON.stringify(wanted)}`);
    return wanted;
  }
  if (opts.branch) throw new AoError(`Branch ${wanted} is already checked out in ${busy.get(wanted)}`, { hint: "Choose another --branch." });
  for (let k = 2; ; k++) {
    const candidate = `${wanted}-${k}`;
    if (!busy.has(candidate)) return candidate;
  }
}

async function sameCommit(ctx: Context, repo: string, a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([ctx.git.raw(repo, ["rev-parse", a]), ctx.git.raw(repo, ["rev-parse", b])]);
    return x.trim() === y.trim();
  } catch {
    return false; // cannot tell: keep the branch
  }
}

/** The environment every agent pane gets. */
export function paneEnv(r: Pick<SessionRecord, "name" | "project">): Record<string, string> {
  return { AO_SESSION: r.name, AO_PROJECT: r.project };
}

/**
 * Starts `script` in a new tmux session on the server the record names (the
 * configured one for a new session), its output appended to the session's
 * transcript from the first byte (`kind` marks the start there); resolves to
 * that server's socket path.
 */
export async function startAgent(ctx: Context, r: SessionRecord, script: string, kind: LifeStart, extraEnv: Record<string, string> = {}): Promise<string> {
  const tmux = tmuxOf(ctx, r);
  const pipe = beginLife(ctx, r, kind);
  const socket = await tmux.newSession({ name: r.tmuxSession, cwd: r.workspacePath, env: { ...paneEnv(r), ...extraEnv }, script: `(\n${script}\n)\n${EXIT_LINE_SCRIPT}`, pipe });
  return socket || r.tmuxSocket || tmux.socketPath;
}

/**
 * The agent's command runs in a subshell (so its own `exit` or `exec` ends only
 * that); then the pane's shell prints the exit status and exits with it: tmux
 * does not always know a pane's exit status (it may see the output end before
 * it reaps the process), and the screen then tells the user (and spawn) why the
 * agent is gone.
 */
// The pause keeps the pty open until tmux has read that line: output written just before a pane's last
// process exits can be lost.
const EXIT_LINE_SCRIPT = `ao_status=$?; printf '\\n[agent exited with status %s]\\n' "$ao_status"; sleep 0.3; exit "$ao_status"`;
const EXIT_LINE = /^\[agent exited with status (\d+)\]$/;

/** How long spawn watches an agent that never shows a screen its patterns know. */
const AGENT_UP_TIMEOUT_MS = 15_000;
/** For an agent without patterns: this long alive counts as up. */
export const AGENT_ALIVE_MS = 1_500;
const SETTLED_MS = 400;

/**
 * Watches a new agent until it is up: its screen reads idle, working or waiting
 * (status patterns), its readyPattern shows, or, with neither, it has lived
 * AGENT_ALIVE_MS. `forInput` (a prompt is to be pasted) waits for the prompt
 * itself: idle or waiting, or for a pattern-less agent a settled screen. An
 * agent that exits first is an error with its exit status and last lines.
 * An agent still unreadable at the timeout is taken as up: it is alive.
 */
async function watchStart(ctx: Context, name: string, agent: AgentSpec, opts: { forInput: boolean }): Promise<ScreenStatus | "alive"> {
  const started = ctx.now();
  const ready = agent.readyPattern ? new RegExp(agent.readyPattern) : undefined;
  const patterns = hasPatterns(agent.status) ? agent.status : undefined;
  let last = "";
  let settledSince = started;
  for (;;) {
    const snap = await ctx.tmux.snapshot(name);
    if (snap.dead) throw await agentExited(ctx.tmux, name, snap);
    const now = ctx.now();
    const screen = snap.screen.trim();
    if (screen !== last) [last, settledSince] = [screen, now];
    const status = patterns ? classifyScreen(snap.screen, patterns) : "unknown";
    if (status === "idle" || status === "waiting" || (status === "working" && !opts.forInput)) return status;
    if (ready?.test(lastLine(snap.screen))) return "idle";
    const lived = now - started >= AGENT_ALIVE_MS;
    if (!patterns && !ready && lived && (!opts.forInput || (screen && now - settledSince >= SETTLED_MS))) return "alive";
    if (now - started >= AGENT_UP_TIMEOUT_MS) return "unknown";
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The agent died before it was up: its exit status and its own last words (an
 * error it printed). They are read with the scrollback: tmux scrolls the screen
 * up to write its own "Pane is dead" line, which is left out.
 */
async function agentExited(tmux: Tmux, name: string, snap?: PaneSnapshot): Promise<AoError> {
  // tmux sees the pane's output end before it reaps the process: its exit status may come a moment later.
  for (let i = 0; i < 10 && snap?.exitStatus === undefined; i++) {
    if (snap) await new Promise((r) => setTimeout(r, 50));
    snap = (await tmux.snapshot(name).catch(() => undefined)) ?? snap;
  }
  const text = await tmux.captureHistory(name).catch(() => snap?.screen ?? "");
  const all = text.split("\n");
  const code = snap?.exitStatus ?? all.map((l) => EXIT_LINE.exec(l)?.[1]).filter(Boolean).at(-1);
  const lines = all.filter((l) => l.trim() && !/^Pane is dead \(/.test(l) && !EXIT_LINE.test(l)).slice(-8);
  const status = code === undefined ? "" : ` with status ${code}`;
  return new AoError(`the agent exited${status} before it was up${lines.length ? `. Its last lines:\n${lines.map((l) => `    ${l}`).join("\n")}` : ""}`);
}

async function rollback(undo: { step: string; run: () => Promise<unknown> | unknown }[]): Promise<string[]> {
  const failed: string[] = [];
  for (const u of undo.reverse()) {
    try {
      await u.run();
    } catch (err) {
      failed.push(`${u.step} (${errorMessage(err).split("\n")[0]})`);
    }
  }
  return failed;
}
