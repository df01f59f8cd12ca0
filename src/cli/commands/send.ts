/** `ao send <session> <message...>`, `-f FILE`, or `-` for stdin. */
import { UsageError } from "../../core/errors.js";
import type { Cli } from "../context.js";
import { readInput } from "./spawn.js";
import { actionJson } from "../render/sessions.js";
import type { SessionRecord } from "../../core/record.js";

const sent = (session: SessionRecord, text: string, opts: { force?: boolean }, extra: Record<string, unknown> = {}) =>
  actionJson("sent", session, { bytes: Buffer.byteLength(text), forced: opts.force === true, ...extra });

export async function sendCommand(cli: Cli, query: string, words: string[], opts: { file?: string; wait?: boolean; timeout?: string; force?: boolean; json?: boolean }): Promise<void> {
  if (opts.timeout !== undefined && !opts.wait) throw new UsageError("--timeout goes with --wait.");
  if (opts.timeout !== undefined && !/^\d+(\.\d+)?$/.test(opts.timeout)) throw new UsageError(`--timeout takes seconds, not ${JSON.stringify(opts.timeout)}`);
  if (opts.file !== undefined && words.length > 0) throw new UsageError("Give the message as arguments or with -f, not both.");
  const text =
    opts.file !== undefined ? readInput(opts.file, "message file")
    : words.length === 1 && words[0] === "-" ? readInput("-", "message")
    : words.join(" ");
  if (!text) throw new UsageError("No message given.", "Example: ao send ma-1 'Please add tests'");
  const ao = await cli.orchestrator();
  if (!opts.wait) {
    const session = await ao.send(query, text, { force: opts.force });
    if (opts.json) return cli.json(sent(session, text, opts));
    return cli.out(`Message sent to ${session.name}.`);
  }
  // With --wait stdout carries only the agent's answer, for scripts.
  const { session, turn } = await ao.sendAndWait(query, text, { timeoutMs: Number(opts.timeout ?? 600) * 1000 }, { force: opts.force });
  if (opts.json) return cli.json(sent(session, text, opts, { turn: { status: turn!.status, elapsedMs: turn!.elapsedMs, output: turn!.output } }));
  if (turn!.output) cli.out(turn!.output);
  cli.err(`Completed in ${(turn!.elapsedMs / 1000).toFixed(1)}s`);
  if (turn!.status === "waiting") cli.err(`${session.name} is waiting for an answer: ao session reply ${session.name} once|always|reject`);
}
