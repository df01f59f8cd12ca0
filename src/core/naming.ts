/**
 * Pure naming rules (SPEC §2): session names, branch slugs, worktree names,
 * natural sort and session prefix matching.
 */
import { AoError, UsageError } from "./errors.js";

export const SESSION_NAME_RE = /^[a-z0-9][a-z0-9-]*$/;
export const PROJECT_ID_RE = /^[a-z0-9][a-z0-9_-]*$/;
const MAX_NAME = 100;

/** "INT-456" → "int-456"; "#123" → "123". Refuses anything that would not make a safe name. */
export function normalizeIssue(issue: string): string {
  const lowered = issue.trim().replace(/^#/, "").toLowerCase();
  if (!SESSION_NAME_RE.test(lowered) || lowered.length > MAX_NAME || lowered.endsWith("-")) {
    throw new UsageError(
      `Invalid issue id: ${JSON.stringify(issue)}`,
      "Use letters, digits and dashes, like INT-456 or 123.",
    );
  }
  return lowered;
}

export function assertSessionName(name: string): void {
  if (!SESSION_NAME_RE.test(name) || name.length > MAX_NAME) {
    throw new UsageError(
      `Invalid session name: ${JSON.stringify(name)}`,
      "Session names use lower-case letters, digits and dashes.",
    );
  }
}

/** Default prefix from a project id: initials of its parts ("my-app" → "ma"), or the word itself, up to 4 letters. */
export function derivePrefix(projectId: string): string {
  const parts = projectId.split(/[-_]+/).filter(Boolean);
  const prefix = parts.length > 1 ? parts.map((p) => p[0]).join("") : projectId.slice(0, 4);
  return prefix.replace(/[^a-z0-9-]/g, "") || "s";
}

/** Lower-case, dash-separated, at most `max` characters, cut at a dash when possible. */
export function slugify(text: string, max = 40): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug.length <= max) return slug;
  const cut = slug.slice(0, max);
  const lastDash = cut.lastIndexOf("-");
  return (lastDash > max / 2 ? cut.slice(0, lastDash) : cut).replace(/-+$/, "");
}

/**
 * Candidate names in the order they are tried: `<prefix>-<issue>`, then `-2`, `-3`…;
 * without an issue `<prefix>-<n>`, n from the first number above those of the
 * project's other issue-less sessions (`issueless`), so numbering issue-less
 * sessions never depends on which issue numbers were spawned. Numbers are
 * BigInt: an old record named `<prefix>-<17 digits>` must not make the next
 * number round back onto a taken one (an endless loop) or print as `1e+24`.
 */
export function* candidateNames(prefix: string, issue: string | undefined, taken: ReadonlySet<string>, issueless: Iterable<string> = taken): Generator<string> {
  if (issue) {
    const base = `${prefix}-${issue}`;
    yield base;
    for (let k = 2n; ; k++) yield `${base}-${k}`;
  }
  const numbered = new RegExp(`^${escapeRegExp(prefix)}-(\\d+)$`);
  let highest = 0n;
  for (const name of issueless) {
    const m = numbered.exec(name);
    if (m && BigInt(m[1]!) > highest) highest = BigInt(m[1]!);
  }
  for (let n = highest + 1n; ; n++) yield `${prefix}-${n}`;
}

/** Branch per SPEC §2: `<issue>-<slug of title>`, `<issue>`, or `ao/<session>`. */
export function branchName(opts: { session: string; issue?: string; title?: string }): string {
  if (!opts.issue) return `ao/${opts.session}`;
  const slug = opts.title ? slugify(opts.title) : "";
  return slug ? `${opts.issue}-${slug}` : opts.issue;
}

/** Worktree directory name: `<project>-<what follows the prefix in the session name>`. */
export function worktreeName(project: string, prefix: string, session: string): string {
  const rest = session.startsWith(`${prefix}-`) ? session.slice(prefix.length + 1) : session;
  return `${project}-${rest}`;
}

/**
 * Natural order: "x-2" before "x-10". Runs of digits compare as numbers (of any
 * length), everything else by code point. Not Intl.Collator: creating one costs
 * ~12 ms of start-up, a tenth of `ao session ls`, for names that are ASCII anyway.
 */
export function naturalCompare(a: string, b: string): number {
  // By index, allocating nothing: `ls` sorts every session by project and name.
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const digits = isDigit(a, i);
    const ei = runEnd(a, i, digits);
    const ej = runEnd(b, j, isDigit(b, j));
    if (digits && isDigit(b, j)) {
      // As numbers: leading zeros dropped (one digit kept), longer is larger, then digit by digit; fewer zeros first.
      let zi = i;
      let zj = j;
      while (zi < ei - 1 && a.charCodeAt(zi) === 48) zi++;
      while (zj < ej - 1 && b.charCodeAt(zj) === 48) zj++;
      if (ei - zi !== ej - zj) return ei - zi - (ej - zj);
      const c = compareRange(a, zi, ei, b, zj, ej) || ei - i - (ej - j);
      if (c) return c;
    } else {
      const c = compareRange(a, i, ei, b, j, ej);
      if (c) return c;
    }
    i = ei;
    j = ej;
  }
  return (i < a.length ? 1 : 0) - (j < b.length ? 1 : 0);
}
const isDigit = (s: string, i: number) => s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;
const runEnd = (s: string, i: number, digits: boolean) => {
  while (i < s.length && isDigit(s, i) === digits) i++;
  return i;
};
/**
 * A string whose plain order (`<`) is naturalCompare's order: `ls` sorts 200
 * sessions with keys made once each instead of ~1,600 calls of naturalCompare
 * (3-6 ms of a cold start). Runs are encoded so that they line up:
 * - other text: as it is, then U+0000, so a shorter run comes first whatever
 *   follows it (as naturalCompare has it);
 * - digits: a first character in "0".."9" (so it compares with other text as
 *   a digit does) giving the length without leading zeros (1-9; "9" then the
 *   length as one code unit), those digits, then one code unit for the whole
 *   run's length (fewer leading zeros first).
 * Text holding U+0000 itself may order differently; ao's names cannot.
 */
export function naturalKey(s: string): string {
  let key = "";
  let i = 0;
  while (i < s.length) {
    const digits = isDigit(s, i);
    const end = runEnd(s, i, digits);
    if (!digits) key += `${s.slice(i, end)}\u0000`;
    else {
      let z = i;
      while (z < end - 1 && s.charCodeAt(z) === 48) z++;
      const length = end - z;
      key += (length <= 9 ? String.fromCharCode(47 + length) : `9${String.fromCharCode(length)}`) + s.slice(z, end) + String.fromCharCode(end - i);
    }
    i = end;
  }
  return key;
}

/** Sorted by project, then name, in natural order (naturalKey); a new array. */
export function byProjectAndName<T extends { project: string; name: string }>(items: readonly T[]): T[] {
  const keyed = items.map((item) => ({ item, project: naturalKey(item.project), name: naturalKey(item.name) }));
  keyed.sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return keyed.map((k) => k.item);
}

/** s[i, ei) against t[j, ej) by code unit, as `<` compares strings. */
function compareRange(s: string, i: number, ei: number, t: string, j: number, ej: number): number {
  for (; i < ei && j < ej; i++, j++) {
    if (s.charCodeAt(i) !== t.charCodeAt(j)) return s.charCodeAt(i) < t.charCodeAt(j) ? -1 : 1;
  }
  return ei - i - (ej - j);
}

/**
 * Resolve a user's `<session>` argument: an exact name wins, else a unique prefix.
 * Ambiguity lists the candidates. `damaged` are the names of records that exist
 * but cannot be read: an exact name of one is that session (reported, never
 * resolved by prefix to another session), and a prefix that could mean one is
 * ambiguous.
 */
export function matchSession<T extends { name: string; project?: string }>(query: string, items: readonly T[], damaged: readonly { name: string; file: string; error: string }[] = []): T | undefined {
  const broken = damaged.find((d) => d.name === query);
  if (broken) throw damagedRecord(broken);
  const exact = items.filter((s) => s.name === query);
  if (exact.length === 1) return exact[0];
  if (exact.length > 1) {
    // Only records of an older config can repeat a name across projects (the config now refuses such prefixes).
    throw new AoError(`Session "${query}" exists in several projects: ${exact.map((s) => s.project).sort().join(", ")}`, { hint: "Give each project its own sessionPrefix; move the older records out of dataDir to act on one." });
  }
  const hits = [...items.filter((s) => s.name.startsWith(query)).map((s) => s.name), ...damaged.filter((d) => d.name.startsWith(query)).map((d) => `${d.name} (damaged record)`)];
  if (hits.length === 1) return items.find((s) => s.name.startsWith(query));
  if (hits.length > 1) {
    const names = hits.sort(naturalCompare);
    throw new AoError(`Ambiguous session "${query}" matches: ${names.join(", ")}`, {
      hint: "Give more of the name.",
    });
  }
  return undefined;
}

function damagedRecord(d: { name: string; file: string; error: string }): AoError {
  return new AoError(`Session record ${d.name} is damaged (${d.file}: ${d.error})`, { hint: "Repair or move that file; ao does not act on a session it cannot read." });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A title fit to show: terminal escape sequences (CSI, OSC) and other control
 * characters removed, whitespace collapsed. Undefined when nothing is left.
 */
export function cleanTitle(text: string | undefined | null): string | undefined {
  if (text === undefined || text === null) return undefined;
  const clean = text
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?/g, "")
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, " ")
    // Bidi overrides and isolates: they make a title read other than it is (Trojan Source).
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return clean || undefined;
}

/** A title for a session that was given none: the first non-empty line of its first prompt. */
export function titleFromPrompt(prompt: string | undefined): string | undefined {
  return cleanTitle(prompt?.split("\n").find((l) => cleanTitle(l)));
}

/** Cut for list views: at most `max` characters, with an ellipsis when cut. */
export function shortTitle(title: string, max = 50): string {
  const chars = [...title];
  return chars.length <= max ? title : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}
