/**
 * Pure: what an agent's screen says about it. Each agent may define regular
 * expressions for the screens it shows while it waits for an answer, works on a
 * turn, or sits at its prompt (`agents.NAME.status`, with defaults in the
 * presets). They are tried in that order on the visible screen; a screen none
 * of them matches is `unknown`: ao does not guess.
 */

export type ScreenStatus = "waiting" | "working" | "idle" | "unknown";

/** As written in config: regular expression sources, matched with the `m` flag. */
export interface StatusPatterns {
  waiting?: readonly string[];
  working?: readonly string[];
  idle?: readonly string[];
}

const ORDER = ["waiting", "working", "idle"] as const;
const compiled = new Map<string, RegExp>();

function regex(source: string): RegExp {
  let re = compiled.get(source);
  if (!re) compiled.set(source, (re = new RegExp(source, "m")));
  return re;
}

export function hasPatterns(p: StatusPatterns | undefined): p is StatusPatterns {
  return !!p && ORDER.some((k) => (p[k]?.length ?? 0) > 0);
}

export function classifyScreen(screen: string, patterns: StatusPatterns): ScreenStatus {
  for (const status of ORDER) {
    if (patterns[status]?.some((source) => regex(source).test(screen))) return status;
  }
  return "unknown";
}

/**
 * The text in the agent's input box, read by its `composer` pattern (capture
 * group 1): "" when the box is empty, undefined when the pattern does not find
 * the box on this screen.
 */
export function composerText(screen: string, pattern: string | undefined): string | undefined {
  if (!pattern) return undefined;
  const m = regex(pattern).exec(screen);
  return m ? (m[1] ?? "").trim() : undefined;
}

/** What the last look at a session's screen found; kept between runs of ao. */
export interface ScreenObservation {
  status: ScreenStatus;
  /** tmux's activity time of the session (Unix seconds) when the screen was read. */
  activity: number;
  /** When the screen was read (Unix seconds). */
  readAt: number;
}

/**
 * The screen has not changed since it was read when tmux reports the same
 * activity time and the read came in a later second than that activity (tmux
 * counts whole seconds, so output in the second of the read could be missed).
 */
export function stillValid(seen: ScreenObservation | undefined, activity: number): seen is ScreenObservation {
  return !!seen && seen.activity === activity && seen.readAt > activity;
}

/** What ao last observed of a live session (Store.readObserved). */
export interface ObservedEntry {
  /** The status ls showed (working, idle, waiting, unknown, dead, …). */
  status: string;
  screen?: ScreenObservation;
}
