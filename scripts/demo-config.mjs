// The demo agent's entry under `agents:`, shared by `npm run demo` and the tests.
// Its status patterns read the demo agent's screen the way the presets read
// Claude Code's or Codex's: a question on the last line is `waiting`, the
// "Working" line of /sleep is `working`, the "> " prompt is `idle`.
// Each pattern is anchored to the last non-blank line: `\s*$(?![\s\S])` is "then only blank to the end".
export const DEMO_STATUS = {
  waiting: String.raw`\[n\] reject\s*$(?![\s\S])`,
  working: String.raw`^Working \(esc to interrupt\)[ .]*\s*$(?![\s\S])`,
  idle: String.raw`^>( .*)?\s*$(?![\s\S])`,
};

/** The demo agent's input line: what follows "> " on the last non-blank line; Ctrl-U clears it. */
export const DEMO_COMPOSER = String.raw`^>(?: (.*?))?\s*$(?![\s\S])`;

/**
 * YAML for one agent that runs the demo agent at `agentPath`, indented under
 * `agents:`; `full` adds its status patterns and its reply and abort keys.
 */
export function demoAgentYaml(name, agentPath, { prompt = "arg", full = true } = {}) {
  const lines = [`  ${name}:`, `    command: node ${JSON.stringify(agentPath)}`, `    prompt: ${prompt}`];
  if (full) {
    lines.push("    status:");
    for (const [k, v] of Object.entries(DEMO_STATUS)) lines.push(`      ${k}: [${JSON.stringify(v)}]`);
    lines.push(`    composer: ${JSON.stringify(DEMO_COMPOSER)}`);
    lines.push("    keys: { once: [y], always: [a], reject: [n], abort: [Escape], clear: [C-u] }");
  }
  return `${lines.join("\n")}\n`;
}
