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
  const [{ runDash }] = await Promise.all([import("../dash/run.js"), feed.look()]);
  await runDash(ao, { color: colorWanted(cli.global, process.stdout, cli.env), env: cli.env, feed });
}
