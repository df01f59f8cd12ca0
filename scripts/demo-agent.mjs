#!/usr/bin/env node
// A stand-in coding agent for the demo and the tests. Like a real TUI agent it
// turns on bracketed paste, shows a prompt, echoes each message it receives and
// answers. Every received message is also appended as a JSON line to
// $DEMO_AGENT_LOG when set, so tests can compare bytes exactly.
//   /exit        exits (status 0)      /crash      exits with status 3
//   /sleep N     works (prints dots) for N seconds; Esc or Ctrl-C interrupts, and
//                the interrupted message is put back in the input line (as Claude Code does)
//   Ctrl-U       clears the input line
//   /ask WHAT    asks permission: y once, a always, n reject (one key); Enter
//                picks the first option and pasted text is dropped, as real menus do
import { appendFileSync } from "node:fs";

const log = process.env.DEMO_AGENT_LOG;
const out = (s) => process.stdout.write(s);
const record = (entry) => log && appendFileSync(log, `${JSON.stringify({ session: process.env.AO_SESSION ?? null, ...entry })}\n`);

out(`Demo agent (${process.env.AO_SESSION ?? "no session"}) in ${process.cwd()}\r\n`);
// --ask-first: open with a question, as Claude Code and Codex do with folder trust.
const askFirst = process.argv[2] === "--ask-first";
const initial = process.argv.slice(askFirst ? 3 : 2).join(" ");
if (initial) {
  record({ kind: "prompt", text: initial });
  out(`Prompt: ${initial.replace(/\n/g, "\r\n")}\r\n`);
}

if (!process.stdin.isTTY) {
  out("stdin is not a terminal; exiting\r\n");
  process.exit(0);
}
process.stdin.setRawMode(true);
out("\x1b[?2004h"); // ask the terminal for bracketed paste, as Claude Code and Codex do
const promptLine = () => out("> ");

let line = "";
let pasting = false;
let pending = "";
let busy = false;
let asking = false;
let tick;
let interrupted = "";

function ask(what) {
  asking = true;
  out(`Permission needed: ${what}\r\n  [y] allow once  [a] allow always  [n] reject\r\n`);
}

if (askFirst) ask("trust this folder");
else promptLine();

// Like the real agents' option lists, Enter takes the highlighted first option.
const ANSWERS = { y: "once", a: "always", n: "rejected", "\r": "once" };

function submit(text) {
  out("\r\n");
  if (text === "/exit") return finish(0);
  if (text === "/crash") return finish(3);
  record({ kind: "message", text });
  const question = /^\/ask (.+)$/.exec(text);
  if (question) return ask(question[1]);
  const sleep = /^\/sleep (\d+)$/.exec(text);
  if (sleep) interrupted = text;
  const lines = text.split("\n");
  out(`You said (${lines.length} line${lines.length === 1 ? "" : "s"}, ${Buffer.byteLength(text)} bytes):\r\n`);
  for (const l of lines.slice(0, 20)) out(`| ${l}\r\n`);
  if (sleep) {
    busy = true;
    out("Working (esc to interrupt) ");
    let left = Number(sleep[1]);
    tick = setInterval(() => {
      out(".");
      if (--left <= 0) {
        clearInterval(tick);
        busy = false;
        out("\r\nDone.\r\n");
        promptLine();
      }
    }, 1000);
    return;
  }
  out("Done.\r\n");
  promptLine();
}

function finish(code) {
  out("\x1b[?2004l");
  out(`Agent exiting (${code}).\r\n`);
  process.exit(code);
}

process.stdin.on("data", (chunk) => {
  pending += chunk.toString("utf8");
  for (;;) {
    if (pasting) {
      const end = pending.indexOf("\x1b[201~");
      if (end === -1) {
        if (!asking) line += pending;
        pending = "";
        return;
      }
      if (!asking) line += pending.slice(0, end);
      pending = pending.slice(end + 6);
      pasting = false;
      line = line.replace(/\r\n?/g, "\n");
      continue;
    }
    const start = pending.indexOf("\x1b[200~");
    const plain = start === -1 ? pending : pending.slice(0, start);
    for (const ch of plain) {
      if (asking) {
        if (ANSWERS[ch]) {
          asking = false;
          record({ kind: "permission", answer: ANSWERS[ch] });
          out(`Permission: ${ANSWERS[ch]}\r\nDone.\r\n`);
          promptLine();
        }
        continue;
      }
      if (busy && (ch === "\x1b" || ch === "\x03")) {
        clearInterval(tick);
        busy = false;
        record({ kind: "interrupted" });
        out("\r\nInterrupted.\r\n");
        // Like Claude Code, put the interrupted message back in the input box.
        line = interrupted;
        promptLine();
        out(line);
        continue;
      }
      if (ch === "\r" || ch === "\n") {
        const text = line;
        line = "";
        if (!busy) submit(text);
      } else if (ch === "\x03") {
        out("^C\r\n");
        line = "";
        promptLine();
      } else if (ch === "\x15") {
        // Ctrl-U clears the input line.
        line = "";
        out("\r\x1b[K");
        promptLine();
      } else if (ch === "\x7f") {
        line = line.slice(0, -1);
      } else {
        line += ch;
        out(ch);
      }
    }
    if (start === -1) {
      pending = "";
      return;
    }
    pending = pending.slice(start + 6);
    pasting = true;
  }
});
