/**
 * git over simple-git's raw(): worktrees, branches, saving work to a ref, and a
 * pure parser for `git worktree list --porcelain`. The live branch of a worktree
 * is read from its HEAD file (readHeadBranch), so listing runs no git process.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { CommandError } from "../core/errors.js";

export interface WorktreeEntry {
  path: string;
  head?: string;
  /** Short branch name, absent when detached. */
  branch?: string;
  bare: boolean;
  detached: boolean;
  prunable: boolean;
}

export function parseWorktreeList(stdout: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  for (const block of stdout.split(/\n\n+/)) {
    const lines = block.split("\n").filter(Boolean);
    const first = lines[0];
    if (!first?.startsWith("worktree ")) continue;
    const entry: WorktreeEntry = { path: first.slice(9), bare: false, detached: false, prunable: false };
    for (const line of lines.slice(1)) {
      const [key, ...rest] = line.split(" ");
      const value = rest.join(" ");
      if (key === "HEAD") entry.head = value;
      else if (key === "branch") entry.branch = value.replace(/^refs\/heads\//, "");
      else if (key === "bare") entry.bare = true;
      else if (key === "detached") entry.detached = true;
      else if (key === "prunable") entry.prunable = true;
    }
    entries.push(entry);
  }
  return entries;
}

/** "ref: refs/heads/x" → "x"; a detached HEAD → its short hash. */
export function parseHeadFile(content: string): string | undefined {
  const text = content.trim();
  const ref = /^ref:\s*(\S+)$/.exec(text);
  if (ref) return ref[1]!.replace(/^refs\/heads\//, "");
  return /^[0-9a-f]{7,64}$/.test(text) ? text.slice(0, 7) : undefined;
}

/** The branch checked out in a worktree, from files only (no git process). */
export function readHeadBranch(worktreePath: string): string | undefined {
  try {
    const dotGit = readFileSync(join(worktreePath, ".git"), "utf8");
    const m = /^gitdir:\s*(.+)$/m.exec(dotGit);
    if (!m) return undefined;
    const gitdir = isAbsolute(m[1]!.trim()) ? m[1]!.trim() : resolve(worktreePath, m[1]!.trim());
    return parseHeadFile(readFileSync(join(gitdir, "HEAD"), "utf8"));
  } catch {
    return undefined; // worktree gone or not a linked worktree: the caller shows the recorded branch
  }
}

// Never ask for credentials: a cron run or a timed fetch must not wait on a prompt.
const NO_PROMPT_ENV = { GIT_TERMINAL_PROMPT: "0" };

/**
 * simple-git refuses to run when the environment holds EDITOR, PAGER,
 * GIT_SSH_COMMAND, PREFIX… — checks meant for untrusted input, not for the
 * user's own shell. ao never opens an editor or a pager, so those variables are
 * dropped; the ones a user's git setup needs for fetching are allowed. The same
 * categories also guard argv (-c core.sshCommand=…, --upload-pack), which ao
 * never passes.
 */
const DROPPED_ENV = ["EDITOR", "VISUAL", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "PAGER", "GIT_PAGER"];
const ALLOWED_ENV_CATEGORIES = {
  allowUnsafeSshCommand: true,
  allowUnsafeAskPass: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeGitProxy: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeDiffExternal: true,
};

export class Git {
  private readonly env: Record<string, string>;
  constructor(env: NodeJS.ProcessEnv = process.env) {
    const own = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && !DROPPED_ENV.includes(k.toUpperCase()))) as Record<string, string>;
    this.env = { ...own, ...NO_PROMPT_ENV };
  }

  /** One git command. simple-git is loaded on first use: the listing path never runs git. */
  async raw(dir: string, args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<string> {
    const { simpleGit } = await import("simple-git");
    let failure: CommandError | undefined;
    const git = simpleGit({
      baseDir: dir,
      timeout: opts.timeoutMs ? { block: opts.timeoutMs } : undefined,
      unsafe: ALLOWED_ENV_CATEGORIES,
      // By default simple-git resolves a non-zero exit with empty stderr as success
      // (`rev-parse --verify --quiet` on a missing ref). Every non-zero exit is an
      // error here, typed with its exit code so callers never read messages.
      errors: (error, result) => {
        if (result.exitCode === 0 && !error) return undefined;
        return (failure = new CommandError({
          args: ["git", ...args],
          exitCode: result.exitCode,
          stdout: Buffer.concat(result.stdOut).toString("utf8"),
          stderr: Buffer.concat(result.stdErr).toString("utf8") || (error ? String(error) : ""),
        }));
      },
    });
    try {
      return await git.env({ ...this.env, ...opts.env }).raw(args);
    } catch (err) {
      throw failure ?? err; // simple-git wraps our error in a GitError that drops its fields
    }
  }

  /** "git version 2.39.5" → "2.39.5". */
  async version(): Promise<string> {
    return (await this.raw(process.cwd(), ["--version"])).trim().replace(/^git version\s+/, "");
  }

  async toplevel(dir: string): Promise<string> {
    return (await this.raw(dir, ["rev-parse", "--show-toplevel"])).trim();
  }

  async refExists(repo: string, ref: string): Promise<boolean> {
    try {
      await this.raw(repo, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
      return true;
    } catch {
      return false; // rev-parse --verify fails exactly when the ref does not resolve
    }
  }

  async remoteUrl(repo: string, remote = "origin"): Promise<string | undefined> {
    try {
      return (await this.raw(repo, ["remote", "get-url", remote])).trim() || undefined;
    } catch {
      return undefined; // no such remote
    }
  }

  async isValidBranchName(repo: string, branch: string): Promise<boolean> {
    try {
      await this.raw(repo, ["check-ref-format", "--branch", branch]);
      return !branch.startsWith("-");
    } catch {
      return false;
    }
  }

  /**
   * Updates refs/remotes/<remote>/<branch>. Two spawns at once race for that
   * ref's lock and one fetch fails at once; a fetch that did not time out is
   * tried again before the caller falls back to a local branch.
   */
  async fetch(repo: string, remote: string, branch: string, timeoutMs: number): Promise<void> {
    const args = ["fetch", "--quiet", remote, `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`];
    await retryWhile(() => this.raw(repo, args, { timeoutMs }), (err) => err instanceof CommandError && !err.timedOut && err.exitCode !== null);
  }

  /** Callers that change worktrees hold ao's per-repository lock (core/workspace.ts withRepoLock). */
  async worktrees(repo: string): Promise<WorktreeEntry[]> {
    return parseWorktreeList(await this.raw(repo, ["worktree", "list", "--porcelain"]));
  }

  async addWorktree(repo: string, path: string, branch: string, create: { base: string } | undefined): Promise<void> {
    const args = create
      ? ["worktree", "add", "--no-track", "-b", branch, path, create.base]
      : ["worktree", "add", path, branch];
    await this.raw(repo, args);
  }

  /** Porcelain status including untracked files; empty means nothing to lose. */
  async status(worktree: string): Promise<string> {
    return this.raw(worktree, ["status", "--porcelain=v1", "--untracked-files=all"]);
  }

  async head(dir: string): Promise<string> {
    return (await this.raw(dir, ["rev-parse", "HEAD"])).trim();
  }

  /**
   * Saves the worktree's tracked changes and untracked (not ignored) files as a
   * commit on `ref`, parented on HEAD, without touching the worktree or its index:
   * a throw-away index file is used. Returns the commit.
   */
  async saveWork(worktree: string, ref: string, message: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "ao-save-"));
    try {
      const env = { GIT_INDEX_FILE: join(dir, "index") };
      await this.raw(worktree, ["read-tree", "HEAD"], { env });
      await this.raw(worktree, ["add", "-A", "--", "."], { env });
      const tree = (await this.raw(worktree, ["write-tree"], { env })).trim();
      // The save commit is ao's own doing, and must not fail for want of a configured identity.
      const identity = { GIT_AUTHOR_NAME: "ao", GIT_AUTHOR_EMAIL: "ao@localhost", GIT_COMMITTER_NAME: "ao", GIT_COMMITTER_EMAIL: "ao@localhost" };
      const commit = (await this.raw(worktree, ["commit-tree", tree, "-p", "HEAD", "-m", message], { env: identity })).trim();
      await this.raw(worktree, ["update-ref", ref, commit]);
      return commit;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async hasCommit(dir: string, oid: string): Promise<boolean> {
    return this.refExists(dir, oid);
  }

  /** `git merge-base --is-ancestor`: exit 0 yes, 1 no, anything else an error. */
  async isAncestor(dir: string, a: string, b: string): Promise<boolean> {
    try {
      await this.raw(dir, ["merge-base", "--is-ancestor", a, b]);
      return true;
    } catch (err) {
      if (err instanceof CommandError && err.exitCode === 1) return false;
      throw err;
    }
  }

  async countCommits(dir: string, range: string): Promise<number> {
    return Number((await this.raw(dir, ["rev-list", "--count", range])).trim());
  }

  /** Puts work saved by saveWork back into a worktree, unstaged, as it was. */
  async restoreSavedWork(worktree: string, ref: string): Promise<void> {
    await this.raw(worktree, ["checkout", ref, "--", "."]);
    await this.raw(worktree, ["reset", "-q"]);
  }

  async removeWorktree(repo: string, path: string): Promise<void> {
    await this.raw(repo, ["worktree", "remove", "--force", path]);
  }

  async prune(repo: string): Promise<void> {
    await this.raw(repo, ["worktree", "prune"]);
  }

  async deleteBranch(repo: string, branch: string): Promise<void> {
    await this.raw(repo, ["branch", "-D", branch]);
  }

  async defaultBranch(repo: string): Promise<string | undefined> {
    for (const args of [["symbolic-ref", "--short", "refs/remotes/origin/HEAD"], ["symbolic-ref", "--short", "HEAD"]]) {
      try {
        const out = (await this.raw(repo, args)).trim();
        if (out) return out.replace(/^origin\//, "");
      } catch {
        // not set: try the next source
      }
    }
    return undefined;
  }
}

/** Up to three attempts, 150 ms apart, while `transient` says the failure may pass (p-retry, loaded on demand). */
async function retryWhile<T>(fn: () => Promise<T>, transient: (err: unknown) => boolean): Promise<T> {
  const { default: pRetry } = await import("p-retry");
  return pRetry(fn, { retries: 2, minTimeout: 150, factor: 1, shouldRetry: ({ error }) => transient(error) });
}
