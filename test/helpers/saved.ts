/** What the never-lose-work tests check: saved refs, and which session records name them. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { git } from "./git.js";
import type { Sandbox } from "./sandbox.js";

export function record(s: Sandbox, name: string): Record<string, any> {
  return JSON.parse(readFileSync(join(s.sessionsDir, `${name}.json`), "utf8"));
}

/** Every ref under refs/ao/saved in the sandbox's repository. */
export async function savedRefs(s: Sandbox): Promise<string[]> {
  return (await git(s.repo, "for-each-ref", "--format=%(refname)", "refs/ao/saved/")).split("\n").filter(Boolean);
}

/** Refs that some session record names (savedRefs, a pending operation, a released worktree). */
export function namedRefs(s: Sandbox): Set<string> {
  const named = new Set<string>();
  for (const f of readdirSync(s.sessionsDir).filter((x) => x.endsWith(".json"))) {
    const r = JSON.parse(readFileSync(join(s.sessionsDir, f), "utf8"));
    for (const ref of r.savedRefs ?? []) named.add(ref);
    if (r.pending?.ref) named.add(r.pending.ref);
    if (r.released?.savedRef) named.add(r.released.savedRef);
  }
  return named;
}

export async function unnamedRefs(s: Sandbox): Promise<string[]> {
  const named = namedRefs(s);
  return (await savedRefs(s)).filter((r) => !named.has(r));
}

/** Whether `content` of `path` survives: in the worktree, or in a ref a record names. */
export async function recoverable(s: Sandbox, worktree: string, path: string, content: string): Promise<boolean> {
  try {
    if (readFileSync(join(worktree, path), "utf8") === content) return true;
  } catch {
    // not in the worktree: look in the saved refs
  }
  for (const ref of namedRefs(s)) {
    try {
      if ((await git(s.repo, "show", `${ref}:${path}`)) === content) return true;
    } catch {
      // not in this ref
    }
  }
  return false;
}
