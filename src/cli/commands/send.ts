/** `ao send <session> <message...>`, `-f FILE`, or `-` for stdin. */
import { UsageError } from "../../core/errors.js";
import type { Cli } from "../context.js";
import { readInput } from "./spawn.js";

export async function sendCommand(cli: Cli, query: string, words: string[], opts: { file?: string }): Promise<void> {
  if (opts.file !== undefined && words.length > 0) throw new UsageError("Give the message as arguments or with -f, not both.");
  const text =
    opts.file !== undefined ? readInput(opts.file, "message file")
    : words.length === 1 && words[0] === "-" ? readInput("-", "message")
    : words.join(" ");
  if (!text) throw new UsageError("No message given.", "Example: ao send ma-1 'Please add tests'");
  const ao = await cli.orchestrator();
  const session = await ao.send(query, text);
  cli.out(`Message sent to ${session.name}.`);
}
