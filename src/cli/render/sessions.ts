/** Text renderings of sessions (SPEC §4 `ao session ls`, exact shape) and the --json exporter. */
import type { SessionView } from "../../core/plan.js";
import { formatDuration } from "../../core/duration.js";
import { cleanTitle, shortTitle } from "../../core/naming.js";
import type { Paint, Style } from "./style.js";

/**
 * ```
 * project:
 *   name  (2m)  branch  [working]  https://…/pull/1
 * ```
 * Sessions arrive sorted; groups are separated by a blank line.
 */
export function renderSessionList(sessions: readonly SessionView[], now: number, style: Style, opts: { prState?: boolean; titles?: boolean } = {}): string {
  const groups = new Map<string, SessionView[]>();
  for (const s of sessions) groups.set(s.project, [...(groups.get(s.project) ?? []), s]);
  const blocks: string[] = [];
  for (const [project, items] of groups) {
    const lines = items.map((s) => {
      const age = formatDuration(now - Date.parse(s.lastActivityAt));
      const parts = [style.green(s.name), style.dim(`(${age})`), style.cyan(s.branch || "-"), statusPaint(s.status, style)(`[${s.status}]`)];
      // Cleaned again on the way out: records of an older ao may hold escape sequences or bidi overrides.
      const title = cleanTitle(s.title);
      if (opts.titles && title) parts.push(shortTitle(title));
      if (opts.prState && s.pr) parts.push(prLabel(s.pr));
      if (s.prUrl) parts.push(style.blue(s.prUrl));
      return `  ${parts.join("  ")}`;
    });
    blocks.push(`${project}:\n${lines.join("\n")}`);
  }
  return blocks.join("\n\n");
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
