/**
 * Mounts the dash on the terminal's alternate screen and takes it down again:
 * to attach to a session (tmux gets the terminal; on detach the dash comes back
 * where it was) and on quit (the terminal as it was before).
 */
import { ReadStream } from "node:tty";
import { createElement as h } from "react";
import { render } from "ink";
import { errorMessage } from "../../core/errors.js";
import type { Orchestrator } from "../../core/orchestrator.js";
import { App, type AppProps } from "./app.js";
import type { DashFeed } from "./feed.js";
import type { DashTerminal } from "./screen.js";

export interface DashRun {
  color: boolean;
  env: NodeJS.ProcessEnv;
  feed: DashFeed;
  /** Open and on the alternate screen, the first frame maybe painted on it already (the first mount draws over it). */
  term: DashTerminal;
  /** The first mount's terminal input, already in raw mode since the first frame was painted (keys typed since wait in it). */
  stdin: ReadStream;
}

export async function runDash(ao: Orchestrator, opts: DashRun): Promise<void> {
  const { term } = opts;
  let state: AppProps["initial"] = { filter: "" };
  // Every refresh lists all sessions: unchanged records and worktree HEADs are not read again.
  const cool = ao.keepWarm();
  let first: ReadStream | undefined = opts.stdin;
  try {
    for (;;) {
      if (first) term.handOver();
      else term.enter();
      let next: Parameters<AppProps["onLeave"]>[0] | undefined;
      // Each mount reads the terminal through a stream of its own, closed when it ends. A stream that
      // outlived its mount would still read the terminal while tmux has it, and so take keys typed
      // into the attached session and hand them to the next mount as dash commands.
      const stdin = first ?? new ReadStream(0);
      first = undefined;
      try {
        const app = render(h(App, { ao, color: opts.color, feed: opts.feed, initial: state, onLeave: (n) => (next = n) }), { stdin, exitOnCtrlC: true, patchConsole: false });
        await app.waitUntilExit();
      } finally {
        stdin.destroy();
      }
      if (!next?.attach) return;
      state = { selected: next.selected, filter: next.filter };
      state.status = await attach(ao, next.attach, opts.env, term.leave);
    }
  } finally {
    cool();
  }
}

/**
 * Outside tmux the terminal is handed to `tmux attach` on the session's own
 * server until the user detaches. Inside tmux the client switches to the
 * session (the dash keeps running in its pane), and the status line says how
 * to come back.
 */
async function attach(ao: Orchestrator, target: { name: string; socket?: string }, env: NodeJS.ProcessEnv, leaveAlt: () => void): Promise<string> {
  const { name } = target;
  leaveAlt();
  try {
    await ao.attach(name);
    // $TMUX is "socket,pid,session": on the session's own server the client was switched; else a nested client ran until detached.
    const switched = env.TMUX !== undefined && env.TMUX.split(",")[0] === (target.socket ?? ao.ctx.tmux.socketPath);
    return switched ? `Switched to ${name}; come back with your tmux prefix + L (switch-client -l).` : `Back from ${name}.`;
  } catch (err) {
    return `${name}: ${errorMessage(err).split("\n")[0]}`;
  }
}
