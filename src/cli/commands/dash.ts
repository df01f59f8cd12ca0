/** `ao dash`: the live full-screen view (SPEC §4). Ink and React load only here. */
import { AoError } from "../../core/errors.js";
import type { Cli } from "../context.js";
import { DashFeed } from "../dash/feed.js";
import { colorWanted } from "../render/style.js";

export async function dashCommand(cli: Cli, opts: { project?: string }): Promise<void> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    throw new AoError("ao dash needs a terminal", { hint: "In scripts use 'ao session ls' or 'ao status --json'." });
  }
  const ao = await cli.orchestrator();
  // The first listing and the first session's screen are read while Ink loads, so that Ink's
  // first frame is the whole screen. An unknown project fails here, as in ls.
  const feed = new DashFeed(ao, { project: opts.project });
  const [{ runDash }] = await Promise.all([loadInk(), feed.look()]);
  await runDash(ao, { color: colorWanted(cli.global, process.stdout, cli.env), env: cli.env, feed });
}

/**
 * Ink decides once, as it loads, whether it runs in CI (by the CI and
 * CONTINUOUS_INTEGRATION variables) and then draws nothing until it exits. The
 * dash has a terminal (checked above), so those variables are hidden while its
 * chunk loads, and put back as they were.
 */
async function loadInk(): Promise<typeof import("../dash/run.js")> {
  const hidden = ["CI", "CONTINUOUS_INTEGRATION"].flatMap((k) => (k in process.env ? [[k, process.env[k]] as const] : []));
  for (const [k] of hidden) delete process.env[k];
  try {
    return await import("../dash/run.js");
  } finally {
    for (const [k, v] of hidden) process.env[k] = v;
  }
}
