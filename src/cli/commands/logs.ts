/** `ao session logs <session> [--lines N] [--follow]`: the agent's screen and scrollback as plain text. */
import { UsageError } from "../../core/errors.js";
import type { Cli } from "../context.js";

export async function logsCommand(cli: Cli, query: string, opts: { lines?: string; follow?: boolean }): Promise<void> {
  if (opts.lines !== undefined && (!/^\d+$/.test(opts.lines) || Number(opts.lines) < 1)) throw new UsageError(`--lines takes a whole number of at least 1, not ${JSON.stringify(opts.lines)}`);
  const ao = await cli.orchestrator();
  const { text, live } = await ao.transcript(query);
  const lines = text ? text.replace(/\n$/, "").split("\n") : [];
  const shown = opts.lines ? lines.slice(-Number(opts.lines)) : lines;
  if (shown.length) cli.out(shown.join("\n"));
  if (!opts.follow || !live) return;
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once("SIGINT", onSigint);
  try {
    for await (const line of ao.followTranscript(query, { from: lines.length, signal: stop.signal })) cli.out(line);
  } finally {
    process.off("SIGINT", onSigint);
  }
}
