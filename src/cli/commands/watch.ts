/** `ao watch [-p ID] [--once] [--json]`: one line per event (--json: one object per line) until Ctrl-C or SIGTERM. */
import type { WatchEvent } from "../../core/watch.js";
import type { Cli } from "../context.js";

export async function watchCommand(cli: Cli, opts: { project?: string; once?: boolean; json?: boolean }): Promise<void> {
  const ao = await cli.orchestrator();
  const s = await cli.style();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const onEvent = (e: WatchEvent) => {
    if (opts.json) return cli.out(JSON.stringify(e));
    const line = renderWatchEvent(e);
    cli.out(e.type === "warning" ? s.yellow(line) : e.type === "watch_notified" ? s.bold(line) : line);
  };
  try {
    // After the checks that can refuse (an unknown project), before the first pass.
    if (!opts.json && !opts.once && (!opts.project || ao.config.projects[opts.project])) cli.err(`Watching sessions (pid ${process.pid}); Ctrl-C stops.`);
    await ao.watch({ project: opts.project, once: opts.once, signal: stop.signal, onEvent });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** `21:50:03  notified  ma-1  ma-1 asks: …` */
export function renderWatchEvent(e: WatchEvent): string {
  const time = e.at.slice(11, 19);
  const kind = e.type.replace(/^watch_/, "");
  return `${time}  ${kind}${e.session ? `  ${e.session}` : ""}  ${e.text}`;
}
