/** `ao init`: a config for the repository in the current directory. */
import { basename, dirname, join, sep } from "node:path";
import type { Files } from "../adapters/files.js";
import type { Git } from "../adapters/git.js";
import { AoError } from "./errors.js";
import { derivePrefix, slugify } from "./naming.js";

export interface RepoFacts {
  root: string;
  projectId: string;
  repo?: string;
  defaultBranch: string;
  /** Where defaultBranch came from, for the user to check. */
  defaultBranchFrom: string;
}

/** owner/name from a GitHub remote URL (https, ssh or scp-like), else undefined. */
export function githubRepoFromUrl(url: string): string | undefined {
  const m = /^(?:https?:\/\/(?:[^@/]+@)?github\.com\/|ssh:\/\/git@github\.com\/|git@github\.com:)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url.trim());
  return m ? `${m[1]}/${m[2]}` : undefined;
}

export async function inspectRepo(git: Git, cwd: string): Promise<RepoFacts> {
  let root: string;
  try {
    root = await git.toplevel(cwd);
  } catch (err) {
    throw new AoError(`Not inside a git repository: ${cwd}`, { cause: err, hint: "Run 'ao init' in the main checkout of your project." });
  }
  const url = await git.remoteUrl(root, "origin");
  const { branch, from } = await remoteDefaultBranch(git, root, url !== undefined);
  return {
    root,
    projectId: slugify(basename(root), 60).replace(/^[^a-z0-9]+/, "") || "project",
    repo: url ? githubRepoFromUrl(url) : undefined,
    defaultBranch: branch,
    defaultBranchFrom: from,
  };
}

const ASK_REMOTE_TIMEOUT_MS = 5_000;

/**
 * The branch sessions start from: the remote's default, never the branch that
 * happens to be checked out (init on a feature branch must not make it the base
 * of every session). origin/HEAD, else asked of origin, else a local main or
 * master, else main.
 */
async function remoteDefaultBranch(git: Git, root: string, hasOrigin: boolean): Promise<{ branch: string; from: string }> {
  try {
    const head = (await git.raw(root, ["symbolic-ref", "--short", "refs/remotes/origin/HEAD"])).trim();
    if (head) return { branch: head.replace(/^origin\//, ""), from: "origin/HEAD" };
  } catch {
    // origin/HEAD is not set (a repository that was not cloned): ask the remote
  }
  if (hasOrigin) {
    try {
      const out = await git.raw(root, ["ls-remote", "--symref", "origin", "HEAD"], { timeoutMs: ASK_REMOTE_TIMEOUT_MS });
      const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
      if (m) return { branch: m[1]!, from: "origin's HEAD" };
    } catch {
      // unreachable or no permission: fall back to a local branch
    }
  }
  for (const branch of ["main", "master"]) {
    if (await git.refExists(root, `refs/heads/${branch}`)) return { branch, from: `the local ${branch} branch (no remote default found)` };
  }
  return { branch: "main", from: "a guess (no remote default and no local main or master)" };
}

export function renderConfig(f: RepoFacts): string {
  return [
    "# agent-orchestrator.yaml: see agent-orchestrator.example.yaml for every key.",
    "defaults:",
    "  agent: claude-code",
    "projects:",
    `  ${f.projectId}:`,
    `    path: ${JSON.stringify(f.root)}`,
    ...(f.repo ? [`    repo: ${f.repo}`] : ["    # repo: owner/name   # enables GitHub checks"]),
    `    defaultBranch: ${JSON.stringify(f.defaultBranch)}`,
    `    sessionPrefix: ${derivePrefix(f.projectId)}`,
    "",
  ].join("\n");
}

/**
 * `worktreeRoot`: worktreeDir as known without a config (config/locate.ts). The
 * returned text is what was written, for the caller to trust.
 */
export async function initConfig(deps: { git: Git; files: Files }, cwd: string, force: boolean, worktreeRoot: string): Promise<{ path: string; facts: RepoFacts; text: string }> {
  const facts = await inspectRepo(deps.git, cwd);
  await refuseWorktree(deps.git, cwd, facts.root, worktreeRoot);
  const path = join(cwd, "agent-orchestrator.yaml");
  if (!force && deps.files.exists(path)) throw new AoError(`${path} already exists`, { hint: "Use 'ao init --force' to overwrite it." });
  const text = renderConfig(facts);
  deps.files.create(path, text, force);
  return { path, facts, text };
}

/**
 * A config in a worktree is never read (SPEC §1 "Trust": its agent can write
 * there), so init refuses to write one and names the main checkout instead.
 * A linked worktree's git dir differs from the common one, which is the main
 * checkout's `.git`.
 */
async function refuseWorktree(git: Git, cwd: string, root: string, worktreeRoot: string): Promise<void> {
  const [gitDir, common] = (await git.raw(root, ["rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir"])).trim().split("\n");
  const inside = (p: string) => p === worktreeRoot || p.startsWith(`${worktreeRoot}${sep}`);
  if (gitDir === common && !inside(cwd) && !inside(root)) return;
  const main = common && basename(common) === ".git" ? dirname(common) : undefined;
  throw new AoError(`${root} is a worktree; ao never reads a config inside a worktree (its agent could change it), so init writes none here`, {
    hint: main && main !== root ? `Run it in the main checkout: cd ${main} && ao init` : "Run 'ao init' in the project's main checkout.",
  });
}
