/** `ao session ls|get|attach|kill|restore` and `ao status`: parse → core → render. */
import { AoError, UsageError } from "../../core/errors.js";
import { canonicalStatus, KNOWN_STATUSES } from "../../core/plan.js";
import type { ListResult } from "../../core/orchestrator.js";
import type { Cli } from "../context.js";
import { actionJson, renderSessionDetail, renderSessionList, sessionJson } from "../render/sessions.js";

interface LsOptions {
  offline?: boolean;
  project?: string;
  status?: string;
  agent?: string;
  all?: boolean;
  json?: boolean;
}

export async function lsCommand(cli: Cli, opts: LsOptions): Promise<void> {
  const status = opts.status === undefined ? undefined : canonicalStatus(opts.status);
  if (opts.status !== undefined && !status) throw new UsageError(`Unknown status: ${opts.status}`, `Statuses: ${KNOWN_STATUSES.join(", ")} (aliases: active, running, ended, completed, failed, error)`);
  const ao = await cli.orchestrator();
  const { sessions, errors } = await ao.list({ project: opts.project, status, agent: opts.agent, all: opts.all }, githubMode(opts), noteReporter(cli));
  await warnListProblems(cli, { sessions, errors });
  if (opts.json) return cli.json(sessions.map(sessionJson));
  if (sessions.length === 0) return cli.out(opts.all || status ? "No sessions." : "No sessions. (--all includes ended ones)");
  cli.out(renderSessionList(sessions, Date.now(), await cli.style(), { titles: wideTerminal(), align: process.stdout.isTTY === true }));
}

/** The Title column joins the exact `ls` shape only on a terminal wide enough for it. */
function wideTerminal(): boolean {
  return process.stdout.isTTY === true && (process.stdout.columns ?? 0) >= 120;
}

export async function pauseCommand(cli: Cli, query: string, opts: { releaseWorktree?: boolean; json?: boolean }): Promise<void> {
  const ao = await cli.orchestrator();
  const r = await ao.pause(query, { releaseWorktree: opts.releaseWorktree });
  if (opts.json) return cli.json(actionJson("paused", r, { worktreeReleased: Boolean(r.released), savedRef: r.released?.savedRef ?? null }));
  cli.out(`Session ${r.name} paused.`);
  if (r.released) {
    cli.out(`  Worktree removed; branch ${r.branch} is free to check out elsewhere.`);
    if (r.released.savedRef) cli.out(`  Uncommitted work saved to ${r.released.savedRef}; resume puts it back.`);
  } else cli.out(`  Worktree kept: ${r.workspacePath}`);
  cli.out(`  Resume: ao session resume ${r.name}`);
}

export async function resumeCommand(cli: Cli, query: string, opts: { json?: boolean } = {}): Promise<void> {
  const ao = await cli.orchestrator();
  const { session, mode, restoredRef, conflicts } = await ao.resume(query);
  if (opts.json) return cli.json(actionJson("resumed", session, { mode, restoredRef: restoredRef ?? null, conflicts: conflicts ?? [] }));
  cli.out(`Session ${session.name} resumed (${mode === "warm" ? "warm: its tmux session was still running" : "cold: the agent was relaunched"}).`);
  if (restoredRef) cli.out(`  Worktree re-created; saved work from ${restoredRef} put back onto the branch's current HEAD.`);
  if (restoredRef && conflicts?.length) {
    cli.out(`  Conflicts with the branch's new commits in: ${conflicts.join(", ")}`);
    cli.out(`  Both sides are in those files between conflict markers; the saved work stays in ${restoredRef}.`);
  }
  cli.out(`  Attach:   tmux attach -t ${session.tmuxSession}`);
}

export async function replyCommand(cli: Cli, query: string, answer: string, opts: { force?: boolean; json?: boolean } = {}): Promise<void> {
  if (answer !== "once" && answer !== "always" && answer !== "reject") throw new UsageError(`Answer once, always or reject, not ${JSON.stringify(answer)}`);
  const ao = await cli.orchestrator();
  const r = await ao.reply(query, answer, { force: opts.force });
  if (opts.json) return cli.json(actionJson("replied", r, { answer, forced: opts.force === true }));
  cli.out(`Replied ${answer} to ${r.name}.`);
}

export async function abortCommand(cli: Cli, query: string, opts: { json?: boolean } = {}): Promise<void> {
  const ao = await cli.orchestrator();
  const r = await ao.abort(query);
  if (opts.json) return cli.json(actionJson("aborted", r));
  cli.out(`Interrupted ${r.name}.`);
}

export async function updateCommand(cli: Cli, query: string, opts: { title?: string }): Promise<void> {
  const ao = await cli.orchestrator();
  const r = await ao.update(query, { title: opts.title });
  cli.out(`Session ${r.name} updated: title "${r.title}".`);
}

/** What a listing could not show cleanly: damaged records, spawns whose ao died. */
async function warnListProblems(cli: Cli, { sessions, errors }: ListResult): Promise<void> {
  for (const e of errors) await cli.warn(`skipped damaged session record ${e.name} (${e.file}): ${e.error}`);
  for (const v of sessions.filter((x) => x.stuck)) await cli.warn(`${v.name} is stuck in spawning: the ao process that created it (pid ${v.spawnPid ?? "?"}) is gone. Clean it up with: ao session kill ${v.name}`);
}

const githubMode = (opts: { offline?: boolean }) => ({ github: opts.offline ? ("offline" as const) : ("refresh" as const) });
const noteReporter = (cli: Cli) => ({ note: (m: string) => cli.err(`Note: ${m}`) });

export async function statusCommand(cli: Cli, opts: { project?: string; json?: boolean; offline?: boolean }): Promise<void> {
  const ao = await cli.orchestrator();
  const { sessions, errors } = await ao.list({ project: opts.project }, githubMode(opts), noteReporter(cli));
  await warnListProblems(cli, { sessions, errors });
  if (opts.json) return cli.json(sessions.map(sessionJson));
  if (sessions.length === 0) return cli.out("No active sessions.");
  const counts = new Map<string, number>();
  for (const s of sessions) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const summary = [...counts].map(([k, n]) => `${n} ${k}`).join(", ");
  const withPr = sessions.filter((s) => s.prUrl).length;
  cli.out(`${renderSessionList(sessions, Date.now(), await cli.style(), { prState: true, titles: wideTerminal(), align: process.stdout.isTTY === true })}\n\n${sessions.length} session${sessions.length === 1 ? "" : "s"}: ${summary}; ${withPr} with a PR`);
}

export async function getCommand(cli: Cli, query: string, opts: { json?: boolean }): Promise<void> {
  const ao = await cli.orchestrator();
  const view = await ao.get(query);
  if (opts.json) return cli.json({ ...view, ...sessionJson(view) });
  cli.out(renderSessionDetail(view, Date.now(), await cli.style()));
}

export async function execCommand(cli: Cli, query: string, argv: string[]): Promise<void> {
  const ao = await cli.orchestrator();
  const code = await ao.exec(query, argv);
  if (code !== 0) throw new AoError(`exited with ${code}`, { quiet: true, exitCode: code });
}

export async function attachCommand(cli: Cli, query: string): Promise<void> {
  const ao = await cli.orchestrator();
  await ao.attach(query);
}

export async function killCommand(cli: Cli, query: string, opts: { force?: boolean; json?: boolean }): Promise<void> {
  const ao = await cli.orchestrator();
  let name = query;
  try {
    name = ao.resolve(query).name;
    const result = await ao.kill(name, { force: opts.force });
    if (opts.json) return cli.json(actionJson("killed", result.session, { savedRef: result.savedRef ?? null, nested: result.nested ?? [], recover: result.recover ?? null }));
    cli.out(`Session ${name} killed.`);
    if (result.savedRef) {
      cli.out(`  Saved uncommitted work to ${result.savedRef}`);
      if (result.nested?.length) cli.out(`  With the nested repositories ${result.nested.join(", ")} (each one's .git kept as .ao-git)`);
      cli.out(`  Branch ${result.session.branch} kept. Recover in a checkout of it: ${result.recover}`);
    }
  } catch (err) {
    if (!(err instanceof AoError)) throw err;
    throw new AoError(`Failed to kill session ${printable(name)}: ${err.message}`, { bare: true, hint: err.hint, exitCode: err.exitCode, cause: err });
  }
}

export async function restoreCommand(cli: Cli, query: string | undefined, opts: { all?: boolean; json?: boolean }): Promise<void> {
  if (opts.all && query) throw new UsageError("Give a session or --all, not both.");
  if (!opts.all && !query) throw new UsageError("Which session? Give its name, or --all to restore every dead session.");
  const ao = await cli.orchestrator();
  if (opts.all) {
    const results = await ao.restoreAll();
    if (opts.json) {
      cli.json({ action: "restored", sessions: results.map((r) => (r.restored ? actionJson("restored", r.restored) : { action: "failed", name: r.name, error: r.error })) });
      if (results.some((r) => r.error)) throw new AoError("some sessions could not be restored", { quiet: true });
      return;
    }
    if (results.length === 0) return cli.out("No dead sessions to restore.");
    for (const r of results) cli.out(r.restored ? `Session ${r.name} restored.` : `Failed to restore ${r.name}: ${r.error}`);
    const failed = results.filter((r) => r.error).length;
    if (failed) throw new AoError(`${failed} of ${results.length} sessions could not be restored`, { bare: true, quiet: true });
    return;
  }
  query = query!;
  const r = await ao.restore(query);
  if (opts.json) return cli.json(actionJson("restored", r));
  cli.out([`Session ${r.name} restored.`, `  Worktree: ${r.workspacePath}`, `  Branch:   ${r.branch}`, `  Attach:   tmux attach -t ${r.tmuxSession}`].join("\n"));
  // The server the session lives on, which a record keeps even when the config's changed.
  socketNote(cli, r.tmuxSocket && !r.tmuxSocket.endsWith("/default") ? r.tmuxSocket : r.tmuxSocket ? undefined : ao.config.tmuxSocket, r.tmuxSession);
}

/** A user's string as it may appear in a one-line message: control characters escaped. */
function printable(text: string): string {
  return /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/** The exact Attach line names the default tmux server; say so when ao uses another. */
export function socketNote(cli: Cli, socket: string | undefined, session: string): void {
  if (socket) cli.err(`Note: ao's tmux server is ${socket.includes("/") ? `-S ${socket}` : `-L ${socket}`}: tmux ${socket.includes("/") ? "-S" : "-L"} ${socket} attach -t ${session} (or: ao session attach ${session})`);
}
