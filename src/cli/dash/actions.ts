/**
 * A dash key → one orchestrator call, with every safety the command has (send
 * refuses a waiting agent, reply checks the question is on screen, kill refuses
 * to lose work). What happened comes back as a line for the status bar; an
 * error never leaves here as an exception.
 */
import { errorMessage, UnsavedWorkError, AoError } from "../../core/errors.js";
import type { Orchestrator } from "../../core/orchestrator.js";
import type { SessionView } from "../../core/plan.js";

export interface Outcome {
  message?: string;
  error?: boolean;
  /** Ask the user before going on (a kill that would need to save work first). */
  confirm?: { purpose: "force"; target: string; question: string };
}

const REPLIES = { o: "once", a: "always", x: "reject" } as const;

/** The message and hint of an error, on one line. */
export function oneLine(err: unknown): string {
  const text = errorMessage(err).split("\n")[0] ?? "";
  return err instanceof AoError && err.hint ? `${text}. ${err.hint.split("\n")[0]}` : text;
}

export async function act(ao: Orchestrator, key: string, v: SessionView, text?: string): Promise<Outcome> {
  const name = v.name;
  try {
    switch (key) {
      case "s":
        await ao.send(name, text ?? "");
        return { message: `Sent to ${name}.` };
      case "o":
      case "a":
      case "x":
        await ao.reply(name, REPLIES[key]);
        return { message: `Replied ${REPLIES[key]} to ${name}.` };
      case "i":
        await ao.abort(name);
        return { message: `Interrupted ${name}.` };
      case "p":
        if (v.storedStatus === "paused") {
          const r = await ao.resume(name);
          return { message: `Resumed ${name} (${r.mode}).` };
        }
        await ao.pause(name);
        return { message: `Paused ${name}; p resumes it.` };
      case "R":
        await ao.restore(name);
        return { message: `Restored ${name}.` };
      case "K":
      case "K!":
        return await kill(ao, name, key === "K!");
      default:
        return {};
    }
  } catch (err) {
    const text = oneLine(err);
    return { message: text.startsWith(name) ? text : `${name}: ${text}`, error: true };
  }
}

/** `kill`, then on unsaved work the same question `kill --force` answers: save it to a ref and go on? */
async function kill(ao: Orchestrator, name: string, force: boolean): Promise<Outcome> {
  try {
    const r = await ao.kill(name, { force });
    return { message: r.savedRef ? `Killed ${name}; its work is saved to ${r.savedRef} (branch ${r.session.branch} kept).` : `Killed ${name}.` };
  } catch (err) {
    if (!(err instanceof UnsavedWorkError) || force) throw err;
    return { confirm: { purpose: "force", target: name, question: `${name} has uncommitted or unsaved work. Save it to a git ref, then kill ${name}? [y/N]` } };
  }
}
