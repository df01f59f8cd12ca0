/** Text renderings of sessions (SPEC §4 `ao session ls`, exact shape) and the --json exporter. */
import type { SessionView } from "../../core/plan.js";
import type { SessionRecord } from "../../core/record.js";
import { formatDuration } from "../../core/duration.js";
import { cleanTitle, shortTitle } from "../../core/naming.js";
import type { Paint, Style } from "./style.js";

/**
 * ```
 * project:
 *   name  (2m)  branch  [working]  https://…/pull/1
 * ```
 * Sessions arrive sorted; groups are separated by a blank line. With `align` (a
 * terminal: the exact shape is for scripts and pipes), each column is padded to
 * its widest cell across all groups so the columns line up.
 */
export function renderSessionList(sessions: readonly SessionView[], now: number, style: Style, opts: { prState?: boolean; titles?: boolean; align?: boolean } = {}): string {
  // Each cell is its plain text and its paint: widths are measured on the plain text.
  const rows = sessions.map((s) => {
    const cells: [string, Paint][] = [[s.name, style.green], [`(${formatDuration(now - Date.parse(s.lastActivityAt))})`, style.dim], [s.branch || "-", style.cyan], [`[${s.status}]`, statusPaint(s.status, style)]];
    // Cleaned again on the way out: records of an older ao may hold escape sequences or bidi overrides.
    const title = cleanTitle(s.title);
    if (opts.titles) cells.push([title ? shortTitle(title) : "", (t) => t]);
    if (opts.prState) cells.push([s.pr ? prLabel(s.pr) : "", (t) => t]);
    cells.push([s.prUrl ?? "", style.blue]);
    return { project: s.project, cells };
  });
  const widths: number[] = [];
  if (opts.align) for (const { cells } of rows) cells.forEach(([text], i) => (widths[i] = Math.max(widths[i] ?? 0, text.length)));
  const line = (cells: [string, Paint][]) => {
    // Empty cells are left out; aligned, only trailing ones are (a blank keeps its column's place).
    let parts = opts.align ? cells : cells.filter(([text]) => text);
    while (parts.length && !parts[parts.length - 1]![0]) parts = parts.slice(0, -1);
    return `  ${parts.map(([text, paint], i) => paint(text) + (opts.align && i < parts.length - 1 ? " ".repeat(widths[i]! - text.length) : "")).join("  ")}`;
  };
  const groups = new Map<string, string[]>();
  for (const r of rows) {
    const lines = groups.get(r.project);
    if (lines) lines.push(line(r.cells));
    else groups.set(r.project, [line(r.cells)]);
  }
  return [...groups].map(([project, lines]) => `${project}:\n${lines.join("\n")}`).join("\n\n");
}

/** On a terminal, what needs the user stands out: a question in yellow, a dead runtime in red. */
function statusPaint(status: SessionView["status"], style: Style): Paint {
  return status === "waiting" ? style.yellow : status === "dead" ? style.red : style.dim;
}

/** "PR #12 merged", "PR #3 draft": the state `status` shows. */
export function prLabel(pr: NonNullable<SessionView["pr"]>): string {
  return `PR #${pr.number} ${pr.isDraft && pr.state === "OPEN" ? "draft" : pr.state.toLowerCase()}`;
}

/** The stable JSON shape of a session (SPEC §4 `ls --json`). */
export function sessionJson(s: SessionView) {
  return {
    name: s.name,
    project: s.project,
    issue: s.issue,
    title: cleanTitle(s.title) ?? null,
    branch: s.branch,
    status: s.status,
    storedStatus: s.storedStatus,
    stuck: s.stuck ?? false,
    agent: s.agent,
    workspacePath: s.workspacePath,
    tmuxSession: s.tmuxSession,
    prUrl: s.prUrl ?? null,
    pr: s.pr ?? null,
    issueState: s.issueState ?? null,
    checkedAt: s.checkedAt ?? null,
    createdAt: s.createdAt,
    lastActivityAt: s.lastActivityAt,
  };
}

/**
 * What `--json` prints for a command that changed a session (spawn, kill, send,
 * restore, pause, resume, reply, abort): one object, `action` saying what was
 * done, the session's names and paths, then what that action adds (refs, mode…).
 */
export function actionJson(action: string, r: Pick<SessionRecord, "name" | "project" | "branch" | "workspacePath" | "tmuxSession" | "tmuxSocket">, extra: Record<string, unknown> = {}) {
  return {
    action,
    name: r.name,
    project: r.project,
    branch: r.branch,
    workspacePath: r.workspacePath,
    tmuxSession: r.tmuxSession,
    tmuxSocket: r.tmuxSocket ?? null,
    ...extra,
  };
}

/** `ao session get`: every recorded field, the live status and the PR. */
export function renderSessionDetail(s: SessionView, now: number, style: Style): string {
  const rows: [string, string][] = [
    ["Session", style.green(s.name)],
    ["Project", s.project],
    ["Status", `${s.status}${s.status !== s.storedStatus ? style.dim(` (recorded: ${s.storedStatus})`) : ""}`],
    ["Issue", s.issue ?? "-"],
    ["Title", cleanTitle(s.title) ?? "-"],
    ["Agent", s.agent],
    ["Branch", style.cyan(s.branch)],
    ["Base", s.baseRef ?? "-"],
    ["Worktree", s.workspacePath],
    ["tmux", s.tmuxSession],
    ["PR", s.pr ? `${prLabel(s.pr)} ${style.blue(s.pr.url)}` : s.prUrl ? style.blue(s.prUrl) : "-"],
    ["Issue state", s.issueState ?? "-"],
    ["Checked", s.checkedAt ?? "never"],
    ["Created", s.createdAt],
    ["Activity", `${s.lastActivityAt} (${formatDuration(now - Date.parse(s.lastActivityAt))} ago)`],
  ];
  if (s.savedRefs?.length) rows.push(["Saved work", s.savedRefs.join(", ")]);
  return rows.map(([k, v]) => `${`${k}:`.padEnd(11)} ${v}`).join("\n");
}
