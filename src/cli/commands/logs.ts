/** `ao session logs <session> [--lines N] [--follow]`: the whole life of the agent's terminal as plain text. */
import { UsageError } from "../../core/errors.js";
import type { Cli } from "../context.js";

export async function logsCommand(cli: Cli, query: string, opts: { lines?: string; follow?: boolean }): Promise<void> {
  if (opts.lines !== undefined && (!/^\d+$/.test(opts.lines) || Number(opts.lines) < 1)) throw new UsageError(`--lines takes a whole number of at least 1, not ${JSON.stringify(opts.lines)}`);
  const tail = opts.lines === undefined ? undefined : Number(opts.lines);
  const ao = await cli.orchestrator();
  if (!opts.follow) {
    const { text } = await ao.transcript(query);
    const lines = text ? text.replace(/\n$/, "").split("\n") : [];
    const shown = tail ? lines.slice(-tail) : lines;
    if (shown.length) cli.out(shown.join("\n"));
    return;
  }
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once("SIGINT", onSigint);
  try {
    for await (const line of ao.followTranscript(query, { tail, signal: stop.signal })) cli.out(line);
  } finally {
    process.off("SIGINT", onSigint);
  }
}
