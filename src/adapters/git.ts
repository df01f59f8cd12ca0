/**
 * git over simple-git's raw(): worktrees, branches, saving work to a ref, and a
 * pure parser for `git worktree list --porcelain`. The live branch of a worktree
 * is read from its HEAD file (readHeadBranch), so listing runs no git process.
 */
import { copyFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { CommandError } from "../core/errors.js";
import { DirChanges } from "./dir-changes.js";
import { fileStamp, readText } from "./read-text.js";

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
  // A ref name as git allows it (git check-ref-format): no control characters, no space, none of ~^:?*[\.
  // HEAD is a file an agent can write: anything else is not a branch, and never reaches a terminal.
  const ref = /^ref:\s*([^\u0000-\u0020\u007f-\u009f~^:?*[\\]+)$/.exec(text);
  if (ref) return ref[1]!.replace(/^refs\/heads\//, "");
  return /^[0-9a-f]{7,64}$/.test(text) ? text.slice(0, 7) : undefined;
}

/**
 * The git directory of a linked worktree (`…/.git/worktrees/<name>`), from its
 * `.git` file; undefined when it is gone or not a linked worktree.
 */
export function worktreeGitDir(worktreePath: string): string | undefined {
  try {
    // Concatenation, not join(): this runs per session on every ls, and the file system reads "a//b" as "a/b".
    const m = /^gitdir:\s*(.+)$/m.exec(readText(`${worktreePath}/.git`));
    if (!m) return undefined;
    return isAbsolute(m[1]!.trim()) ? m[1]!.trim() : resolve(worktreePath, m[1]!.trim());
  } catch {
    return undefined;
  }
}

/**
 * The branch checked out in a worktree, from files only (no git process).
 * `gitDir`: the worktree's git directory as ao recorded it when it made the
 * worktree (before any agent ran there), read instead of the worktree's `.git`
 * file: one file per session on `ls` instead of two. Decisions (cleanup, which
 * pull request is the session's) pass none and follow the `.git` file.
 */
export function readHeadBranch(worktreePath: string, gitDir?: string): string | undefined {
  if (gitDir) {
    try {
      return parseHeadFile(readText(`${gitDir}/HEAD`));
    } catch {
      // Gone (the worktree was made again elsewhere): found from the worktree as below.
    }
  }
  const dir = worktreeGitDir(worktreePath);
  if (!dir) return undefined; // worktree gone or not a linked worktree: the caller shows the recorded branch
  try {
    return parseHeadFile(readText(`${dir}/HEAD`));
  } catch {
    return undefined;
  }
}

/**
 * readHeadBranch for a reader that asks every second (the dash): a worktree's
 * `.git` file and HEAD are read again only when one of them changed (inode,
 * size, mtime), so an unchanged worktree costs two stat calls, not two reads;
 * with the git dir ao recorded, none while nothing in that directory changed.
 * The answer is readHeadBranch's for the same files.
 */
export class HeadCache {
  private readonly seen = new Map<string, { source: string; head: string; headPath: string; branch: string | undefined; token?: string }>();
  /** With a recorded git dir: nothing in it changed (DirChanges), so its HEAD needs no stat either. */
  private readonly changes = new DirChanges();

  /** readHeadBranch(worktreePath, gitDir), from memory while its files are unchanged. */
  read(worktreePath: string, gitDir?: string): string | undefined {
    const token = gitDir === undefined ? this.changes.unwatched(worktreePath) : this.changes.token(gitDir, (file) => file === "HEAD");
    // Where HEAD is found: the recorded git dir, or the worktree's .git file (stamped: an agent can rewrite it).
    const source = gitDir ?? stampOf(`${worktreePath}/.git`);
    const hit = this.seen.get(worktreePath);
    if (source && hit?.source === source && ((token !== undefined && hit.token === token) || hit.head === stampOf(hit.headPath))) {
      hit.token = token;
      return hit.branch;
    }
    this.seen.delete(worktreePath);
    // Stamped before reading: a change while reading shows as a new stamp (and token) next time.
    const headPath = `${gitDir ?? worktreeGitDir(worktreePath)}/HEAD`;
    const head = stampOf(headPath);
    const branch = readHeadBranch(worktreePath, gitDir);
    if (source && head) this.seen.set(worktreePath, { source, head, headPath, branch, token });
    return branch;
  }

  /**
   * Stays the same while every read() of this sweep would answer as it did: no HEAD changed in a
   * watched git dir, and none was read without a watch (DirChanges.generation). undefined: unknown.
   */
  generation(): string | undefined {
    return this.changes.generation();
  }

  close(): void {
    this.changes.close();
  }
}

/**
 * A file's stamp, or undefined: none, or a path that cannot even be looked at
 * (ENOTDIR, EACCES: an agent can write its worktree's .git file), which
 * readHeadBranch reads as "no branch" too.
 */
function stampOf(path: string): string | undefined {
  try {
    return fileStamp(statSync(path, { throwIfNoEntry: false }));
  } catch {
    return undefined;
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

/** Where a nested repository's own .git directory is kept inside a saved tree. */
export const NESTED_GIT_DIR = ".ao-git";

const AO_IDENTITY = { GIT_AUTHOR_NAME: "ao", GIT_AUTHOR_EMAIL: "ao@localhost", GIT_COMMITTER_NAME: "ao", GIT_COMMITTER_EMAIL: "ao@localhost" };

export interface Snapshot {
  head: string;
  headTree: string;
  /** What is on disk (ignored files aside), nested repositories included. */
  tree: string;
  /** Nested repositories found, relative to the worktree. */
  nested: string[];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // missing
  }
}

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
   * What is on disk in a worktree, as a tree in the repository, without touching
   * the worktree or its index: a throw-away index in `tmp` is filled from HEAD and
   * then from the files. A fresh index carries no skip-worktree or assume-unchanged
   * bits, so edits those hide are seen. A nested repository (a `git init` or
   * `git clone` in a subdirectory) would become a gitlink to a commit the
   * repository does not have; instead its files are saved as files and its own
   * `.git` directory as `<dir>/.ao-git`, so its commits come back with it.
   */
  async snapshot(worktree: string, tmp: string): Promise<Snapshot> {
    const gitDir = (await this.raw(worktree, ["rev-parse", "--absolute-git-dir"])).trim();
    const head = await this.head(worktree);
    const headTree = (await this.raw(worktree, ["rev-parse", "HEAD^{tree}"])).trim();
    const nested: string[] = [];
    const tree = await this.snapshotDir(gitDir, worktree, "", tmp, nested, "HEAD");
    return { head, headTree, tree, nested };
  }

  private async snapshotDir(gitDir: string, root: string, prefix: string, tmp: string, nested: string[], base: "HEAD" | null): Promise<string> {
    const dir = prefix ? join(root, prefix) : root;
    const env = { GIT_DIR: gitDir, GIT_WORK_TREE: dir, GIT_INDEX_FILE: join(tmp, `index-${nested.length}-${prefix.length}`) };
    if (base) await this.startFromIndex(dir, gitDir, env);
    else await this.raw(dir, ["read-tree", "--empty"], { env });
    // Untracked nested repositories are listed as "sub/" (git never looks inside them).
    const others = (await this.raw(dir, ["ls-files", "-z", "--others", "--exclude-standard"], { env })).split("\0").filter(Boolean);
    const repos = others.filter((p) => p.endsWith("/")).map((p) => p.slice(0, -1));
    await this.raw(dir, ["add", "-A", "--", ".", ...repos.map((r) => `:(exclude,literal)${r}`)], { env });
    for (const sub of repos) {
      const path = prefix ? `${prefix}/${sub}` : sub;
      nested.push(path);
      const files = await this.snapshotDir(gitDir, root, path, tmp, nested, null);
      await this.raw(dir, ["read-tree", `--prefix=${sub}/`, files], { env });
      if (isDirectory(join(root, path, ".git"))) {
        const own = { GIT_DIR: gitDir, GIT_WORK_TREE: join(root, path, ".git"), GIT_INDEX_FILE: join(tmp, `git-${nested.length}`) };
        await this.raw(join(root, path, ".git"), ["read-tree", "--empty"], { env: own });
        await this.raw(join(root, path, ".git"), ["add", "-A", "-f", "--", "."], { env: own });
        const dotGit = (await this.raw(join(root, path, ".git"), ["write-tree"], { env: own })).trim();
        await this.raw(dir, ["read-tree", `--prefix=${sub}/${NESTED_GIT_DIR}/`, dotGit], { env });
      }
    }
    return (await this.raw(dir, ["write-tree"], { env })).trim();
  }

  /**
   * The throw-away index starts as a copy of the worktree's own (its stat cache
   * spares re-reading every file, and a file staged with `add -f` stays tracked),
   * with the skip-worktree and assume-unchanged bits cleared so that git looks at
   * what is on disk. Without an index, from HEAD.
   */
  private async startFromIndex(dir: string, gitDir: string, env: Record<string, string>): Promise<void> {
    try {
      copyFileSync(join(gitDir, "index"), env.GIT_INDEX_FILE!);
    } catch {
      await this.raw(dir, ["read-tree", "HEAD"], { env });
      return;
    }
    // `ls-files -v`: a lower-case tag is assume-unchanged, S (or s) is skip-worktree.
    const tagged = (await this.raw(dir, ["ls-files", "-v", "-z"], { env })).split("\0").filter((l) => l.length > 2);
    // One flag per update-index run: given both, it applies only the first to each path.
    for (const [flag, hidden] of [
      ["--no-assume-unchanged", tagged.filter((l) => /^[a-z]/.test(l))],
      ["--no-skip-worktree", tagged.filter((l) => /^[Ss] /.test(l))],
    ] as const) {
      const paths = hidden.map((l) => l.slice(2));
      for (let i = 0; i < paths.length; i += 500) await this.raw(dir, ["update-index", flag, "--", ...paths.slice(i, i + 500)], { env });
    }
  }

  /**
   * Whether `oid` is reachable from a ref that outlives any worktree: a branch,
   * a tag, a remote-tracking ref or one of ao's saved refs. A detached HEAD or a
   * per-worktree ref (refs/worktree, refs/bisect) is not such a ref.
   */
  async reachable(dir: string, oid: string): Promise<boolean> {
    const out = await this.raw(dir, ["rev-list", "-n", "1", oid, "--not", "--branches", "--tags", "--remotes", "--glob=refs/ao/*"]);
    return out.trim() === "";
  }

  /** Commits of per-worktree refs (refs/worktree/*, refs/bisect/*, refs/rewritten/*) that die with the worktree. */
  async worktreeOnlyCommits(worktree: string): Promise<string[]> {
    const out = await this.raw(worktree, ["for-each-ref", "--format=%(objectname) %(objecttype)", "refs/worktree/", "refs/bisect/", "refs/rewritten/"]);
    const oids = out.split("\n").filter((l) => l.endsWith(" commit")).map((l) => l.split(" ")[0]!);
    const kept: string[] = [];
    for (const oid of new Set(oids)) if (!(await this.reachable(worktree, oid))) kept.push(oid);
    return kept;
  }

  /**
   * Records a snapshot as a commit on `ref`, parented on HEAD (and on any commit
   * only the worktree holds, so it stays reachable). The ref must not exist yet.
   */
  async commitSnapshot(worktree: string, snap: Snapshot, ref: string, message: string, extraParents: readonly string[] = []): Promise<string> {
    // The save commit is ao's own doing, and must not fail for want of a configured identity.
    const parents = [snap.head, ...extraParents].flatMap((p) => ["-p", p]);
    const commit = (await this.raw(worktree, ["commit-tree", snap.tree, ...parents, "-m", message], { env: AO_IDENTITY })).trim();
    await this.raw(worktree, ["update-ref", ref, commit, ""]);
    return commit;
  }

  /** The tree and first parent of a saved commit. */
  async commitInfo(dir: string, ref: string): Promise<{ tree: string; parent: string }> {
    const [tree, parent] = (await this.raw(dir, ["rev-parse", `${ref}^{tree}`, `${ref}^1`])).trim().split("\n");
    return { tree: tree!, parent: parent! };
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

  /**
   * Puts saved work back onto the worktree's current HEAD the way `git stash
   * apply` does: a three-way merge of the saved commit's changes (from its first
   * parent) onto HEAD, so commits made on the branch meanwhile stay, deletions
   * and renames are kept. Left unstaged. Returns the paths that conflicted; their
   * files hold both sides between conflict markers.
   */
  async applySavedWork(worktree: string, ref: string): Promise<string[]> {
    let conflicts: string[] = [];
    try {
      // --mainline 1: a save that kept per-worktree commits reachable has them as extra parents.
      await this.raw(worktree, ["cherry-pick", "--no-commit", "--mainline=1", ref], { env: AO_IDENTITY });
    } catch (err) {
      if (!(err instanceof CommandError) || err.exitCode !== 1) throw err;
      conflicts = (await this.raw(worktree, ["diff", "--name-only", "-z", "--diff-filter=U"])).split("\0").filter(Boolean);
      if (conflicts.length === 0) throw err;
    }
    // Unstage everything (files the save added become untracked again); this also ends the cherry-pick state.
    await this.raw(worktree, ["reset", "-q"]);
    return conflicts;
  }

  /** Directories of nested repositories a saved commit holds (each with its .git as NESTED_GIT_DIR). */
  async nestedIn(dir: string, ref: string): Promise<string[]> {
    const suffix = `/${NESTED_GIT_DIR}/HEAD`;
    const paths = (await this.raw(dir, ["ls-tree", "-r", "-z", "--name-only", ref])).split("\0");
    return paths.filter((p) => p.endsWith(suffix)).map((p) => p.slice(0, -suffix.length));
  }

  /** Puts a worktree whose `git worktree add` was interrupted back to its HEAD (nothing else wrote there). */
  async resetHard(worktree: string): Promise<void> {
    await this.raw(worktree, ["reset", "-q", "--hard"]);
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
