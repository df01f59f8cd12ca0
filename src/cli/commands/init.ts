/** `ao init [--force]`. */
import { nodeFiles } from "../../adapters/files.js";
import { Git } from "../../adapters/git.js";
import { worktreeRoot } from "../../config/locate.js";
import { trustContent } from "../../config/trust.js";
import { initConfig } from "../../core/init.js";
import type { Cli } from "../context.js";

export async function initCommand(cli: Cli, opts: { force?: boolean }): Promise<void> {
  const { path, facts, text } = await initConfig({ git: new Git(cli.env), files: nodeFiles }, cli.cwd, opts.force === true, worktreeRoot(cli.env));
  // The user asked for exactly this content: it needs no separate `ao trust` (SPEC §1 "Trust").
  await trustContent(path, text, cli.env);
  cli.out(`Wrote ${path} (project ${facts.projectId}${facts.repo ? `, repo ${facts.repo}` : ""}).`);
  cli.out(`Sessions start from ${facts.defaultBranch}, taken from ${facts.defaultBranchFrom}; change defaultBranch in the file if that is wrong.`);
  cli.out(`Next: ao spawn ${facts.projectId} --prompt 'Describe the task'`);
}
