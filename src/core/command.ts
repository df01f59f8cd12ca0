/**
 * Pure: which program an agent's shell command runs, so `doctor` can look for
 * it on PATH. Reads the first word the way sh would for the simple cases
 * (leading VAR=value assignments and `exec` skipped, quotes removed) and gives
 * up (undefined) where only a shell could tell: expansions, substitutions,
 * builtins and compound commands.
 */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const SHELL_ONLY = /[$`(){}<>|;&*?[\]~\\]/;
/** Words sh runs itself (or that start a compound command): no program to look for. */
const SHELL_WORDS = new Set([".", ":", "cd", "command", "builtin", "eval", "export", "set", "source", "test", "[", "if", "for", "while", "until", "case", "!"]);

export function commandProgram(command: string): string | undefined {
  const words = shellWords(command);
  if (!words) return undefined;
  let i = 0;
  while (i < words.length && ASSIGNMENT.test(words[i]!)) i++;
  if (words[i] === "exec") i++;
  const program = words[i];
  return program && !SHELL_ONLY.test(program) && !SHELL_WORDS.has(program) ? program : undefined;
}

/** Words split on blanks with '…' and "…" quoting; undefined on an unterminated quote. */
function shellWords(command: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= "";
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + ch;
    }
  }
  if (quote) return undefined;
  if (word !== undefined) words.push(word);
  return words;
}

/** Where `program` would be found: itself when it has a slash, else the first PATH entry holding it. */
export function findProgram(program: string, path: string | undefined, isExecutable: (p: string) => boolean): string | undefined {
  if (program.includes("/")) return isExecutable(program) ? program : undefined;
  for (const dir of (path ?? "").split(":")) {
    const candidate = `${dir || "."}/${program}`;
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}
