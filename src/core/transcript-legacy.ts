/**
 * Transcripts of sessions started before ao kept raw transcripts (no
 * `<name>.log`): read from tmux while the session exists, else the text `kill`
 * and `cleanup` kept (`<name>.transcript.txt`).
 */
import { join } from "node:path";
import type { Context } from "./context.js";
import type { AoError } from "./errors.js";
import type { SessionRecord } from "./record.js";
import { tmuxOf } from "./runtime.js";

/** Where `kill` keeps the last screen of a session that has no transcript. */
export function keptTextPath(ctx: Pick<Context, "store">, r: Pick<SessionRecord, "project" | "name">): string {
  return join(ctx.store.sessionsDir(r.project), `${r.name}.transcript.txt`);
}

export async function legacyTranscript(ctx: Context, record: SessionRecord, live: boolean, missing: (name: string) => AoError): Promise<{ text: string; live: boolean }> {
  if (live) return { text: await tmuxOf(ctx, record).captureHistory(record.tmuxSession), live };
  const kept = ctx.files.read(keptTextPath(ctx, record));
  if (kept === undefined) throw missing(record.name);
  return { text: kept, live };
}

/** What the tmux history shows, then the lines that appear after it, until the runtime ends. */
export async function* legacyFollow(ctx: Context, record: SessionRecord, opts: { from?: number; tail?: number; signal?: AbortSignal; pollMs?: number }, missing: (name: string) => AoError): AsyncGenerator<string> {
  const tmux = tmuxOf(ctx, record);
  let seen: number | undefined;
  while (!opts.signal?.aborted) {
    const state = (await tmux.listSessions()).get(record.tmuxSession);
    const text = state ? await tmux.captureHistory(record.tmuxSession).catch(() => "") : seen === undefined ? (await legacyTranscript(ctx, record, false, missing)).text : "";
    const lines = text ? text.replace(/\n$/, "").split("\n") : [];
    seen ??= Math.max(opts.from ?? 0, opts.tail === undefined ? 0 : lines.length - opts.tail);
    for (const line of lines.slice(seen)) yield line;
    seen = Math.max(seen, lines.length);
    if (!state?.alive) return;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 300));
  }
}
