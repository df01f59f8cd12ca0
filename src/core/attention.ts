/**
 * Pure: which sessions need the user, and the order the dash shows them in.
 * The dash renders this; it never decides a status or an order of its own.
 */
import { naturalCompare } from "./naming.js";
import type { SessionView } from "./plan.js";

/** What makes a session need the user, most urgent first. */
export const ATTENTION_REASONS = ["waiting", "checks failing", "changes requested", "dead"] as const;
export type AttentionReason = (typeof ATTENTION_REASONS)[number];

export interface DashEntry {
  view: SessionView;
  attention: AttentionReason[];
}

export interface DashGroup {
  project: string;
  entries: DashEntry[];
}

/**
 * A question on screen, a dead runtime, and, for an open PR, failing checks or
 * requested changes (from the cached GitHub state: shown, never acted on).
 */
export function attentionOf(v: SessionView): AttentionReason[] {
  const open = v.pr?.state === "OPEN";
  const reasons: AttentionReason[] = [];
  if (v.status === "waiting") reasons.push("waiting");
  if (open && v.pr?.checksState === "failing") reasons.push("checks failing");
  if (open && v.pr?.reviewState === "changes_requested") reasons.push("changes requested");
  if (v.status === "dead") reasons.push("dead");
  return reasons;
}

const urgency = (e: DashEntry) => (e.attention.length ? ATTENTION_REASONS.indexOf(e.attention[0]!) : ATTENTION_REASONS.length);

/**
 * Grouped by project; inside a group the sessions that need the user first (the
 * most urgent reason first), then natural order. Groups with such a session come
 * before the others.
 */
export function dashGroups(views: readonly SessionView[]): DashGroup[] {
  const groups = new Map<string, DashEntry[]>();
  for (const view of views) {
    const entry = { view, attention: attentionOf(view) };
    const group = groups.get(view.project);
    if (group) group.push(entry);
    else groups.set(view.project, [entry]);
  }
  const out = [...groups].map(([project, entries]) => ({
    project,
    entries: entries.sort((a, b) => urgency(a) - urgency(b) || naturalCompare(a.view.name, b.view.name)),
  }));
  const needs = (g: DashGroup) => (g.entries.some((e) => e.attention.length) ? 0 : 1);
  return out.sort((a, b) => needs(a) - needs(b) || naturalCompare(a.project, b.project));
}
