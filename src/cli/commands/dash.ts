/** `ao dash`: the live full-screen view (SPEC §4). Ink and React load only here. */
import { AoError } from "../../core/errors.js";
import type { Cli } from "../context.js";
import { colorWanted } from "../render/style.js";

export async function dashCommand(cli: Cli, opts: { project?: string }): Promise<void> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    throw new AoError("ao dash needs a terminal", { hint: "In scripts use 'ao session ls' or 'ao status --json'." });
  }
  const ao = await cli.orchestrator();
  // The first listing runs while React and Ink load; an unknown project fails here, as in ls.
  const first = ao.list({ project: opts.project }, { github: "offline" });
  // React's production build is chosen when the CLI is bundled (scripts/build-cli.mjs).
  const [{ runDash }] = await Promise.all([import("../dash/run.js"), first]);
  await runDash(ao, { color: colorWanted(cli.global, process.stdout, cli.env), project: opts.project, env: cli.env, first });
}
