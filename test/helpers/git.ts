import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runProc } from "./proc.js";

export const GIT_ENV = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await runProc("git", args, { cwd, env: { ...process.env, ...GIT_ENV, HOME: cwd } });
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A real repository `repo/` whose `origin` is a local bare repository, with one commit on main. */
export async function gitRepo(root: string): Promise<{ repo: string; origin: string }> {
  const origin = join(root, "origin.git");
  const repo = join(root, "repo");
  mkdirSync(repo, { recursive: true });
  await git(root, "init", "-q", "--bare", "-b", "main", origin);
  await git(repo, "init", "-q", "-b", "main");
  writeFileSync(join(repo, "README.md"), "# demo\n");
  writeFileSync(join(repo, ".gitignore"), "node_modules/\n");
  await git(repo, "add", ".");
  await git(repo, "commit", "-q", "-m", "initial");
  await git(repo, "remote", "add", "origin", origin);
  await git(repo, "push", "-q", "-u", "origin", "main");
  return { repo, origin };
}
