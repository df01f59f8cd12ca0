/** `ao session events <session> [--limit N] [--after ID] [--follow] [--json]`. */
import type { SessionEvent } from "../../core/record.js";
import { UsageError } from "../../core/errors.js";
import type { Cli } from "../context.js";

interface EventsOptions {
  limit?: string;
  after?: string;
  follow?: boolean;
  json?: boolean;
}

export async function eventsCommand(cli: Cli, query: string, opts: EventsOptions): Promise<void> {
  const limit = count(opts.limit, "--limit", 1);
  const after = count(opts.after, "--after", 0) ?? 0;
  const ao = await cli.orchestrator();
  if (opts.follow) {
    if (limit !== undefined) throw new UsageError("--limit pages a listing; --follow prints every event until the session ends.");
    // Ctrl-C ends the follow cleanly; JSON Lines so each event can be read as it comes.
    const stop = new AbortController();
    const onSigint = () => stop.abort();
    process.once("SIGINT", onSigint);
    try {
      for await (const e of ao.followEvents(query, { after, signal: stop.signal })) cli.out(opts.json ? JSON.stringify(e) : renderEvent(e));
    } finally {
      process.off("SIGINT", onSigint);
    }
    return;
  }
  const page = ao.events(query, { after, limit });
  if (opts.json) return cli.json({ events: page.events, nextAfter: page.events.at(-1)?.id ?? after, hasMore: page.hasMore });
  if (page.events.length === 0) return cli.out(after ? `No events after #${after}.` : "No events.");
  cli.out(page.events.map(renderEvent).join("\n"));
  if (page.hasMore) cli.out(`More: ao session events ${query} --after ${page.events.at(-1)!.id}${limit ? ` --limit ${limit}` : ""}`);
}

/** `#3  2026-11-21T15:00:00.000Z  message_sent  bytes=12` */
export function renderEvent(e: SessionEvent): string {
  const { id, at, type, ...rest } = e;
  const details = Object.entries(rest)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `#${id}  ${at}  ${type}${details ? `  ${details}` : ""}`;
}

function count(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${flag} takes a whole number${min ? ` of at least ${min}` : ""}, not ${JSON.stringify(value)}`);
  return Number(value);
}
