/** `ao init [--force]`. */
import { nodeFiles } from "../../adapters/files.js";
import { Git } from "../../adapters/git.js";
import { initConfig } from "../../core/init.js";
import type { Cli } from "../context.js";

export async function initCommand(cli: Cli, opts: { force?: boolean }): Promise<void> {
  const { path, facts } = await initConfig({ git: new Git(cli.env), files: nodeFiles }, cli.cwd, opts.force === true);
  cli.out(`Wrote ${path} (project ${facts.projectId}${facts.repo ? `, repo ${facts.repo}` : ""}).`);
  cli.out(`Sessions start from ${facts.defaultBranch}, taken from ${facts.defaultBranchFrom}; change defaultBranch in the file if that is wrong.`);
  cli.out(`Next: ao spawn ${facts.projectId} --prompt 'Describe the task'`);
}
