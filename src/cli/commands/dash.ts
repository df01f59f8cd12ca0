/** `ao dash`: the live full-screen view (SPEC §4). Ink and React load only here. */
import { ReadStream } from "node:tty";
import chalk from "chalk";
import { AoError } from "../../core/errors.js";
import type { Cli } from "../context.js";
import { DashFeed } from "../dash/feed.js";
import { dashFrame, listed } from "../dash/frame.js";
import { narrowWidth } from "../dash/narrow-width.js";
import { DashTerminal } from "../dash/screen.js";
import { colorWanted } from "../render/style.js";

export async function dashCommand(cli: Cli, opts: { project?: string }): Promise<void> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    throw new AoError("ao dash needs a terminal", { hint: "In scripts use 'ao session ls' or 'ao status --json'." });
  }
  const ao = await cli.orchestrator();
  const color = colorWanted(cli.global, process.stdout, cli.env);
  // The first listing and the first session's screen (an unknown project fails here, as in ls).
  const feed = new DashFeed(ao, { project: opts.project });
  await feed.look();
  // The first frame is painted from them at once, while Ink and React load (about half of the
  // start at 200 sessions); the terminal is in raw mode from then, so keys typed meanwhile wait
  // for the dash without being echoed. Ink's first frame draws the same lines over it.
  const term = new DashTerminal();
  term.open();
  const stdin = new ReadStream(0);
  try {
    stdin.setRawMode(true);
    const first = dashFrame({ columns: process.stdout.columns, rows: process.stdout.rows, snap: feed.snapshot, preview: feed.preview, list: listed(feed.snapshot, "", undefined), filter: "", mode: { kind: "list" }, offset: 0, measure: narrowWidth });
    // Text only string-width can measure (CJK, emoji) is left for Ink to draw. Ink styles text through
    // chalk's default instance: where its level is 0 (FORCE_COLOR=0, --no-color, TERM=dumb) it draws no
    // style at all, and the painted frame has none either.
    if (first.kind === "lines") term.paint(first.lines, color, chalk.level > 0);
    else term.enter();
    const { runDash } = await loadInk();
    await runDash(ao, { color, env: cli.env, feed, term, stdin });
  } finally {
    stdin.destroy();
    term.close();
  }
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
