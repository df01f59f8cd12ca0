/** What every command receives: global options, output streams, and lazy access to the core. */
import type { Orchestrator } from "../core/orchestrator.js";
import { colorWanted, loadStyle, type Style } from "./render/style.js";

export interface GlobalOptions {
  config?: string;
  color?: boolean;
}

export class Cli {
  private readonly styles = new Map<NodeJS.WriteStream, Promise<Style>>();
  constructor(
    readonly global: GlobalOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
    readonly cwd: string = process.cwd(),
  ) {}

  out(text: string): void {
    process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  err(text: string): void {
    process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  json(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }

  style(stream: NodeJS.WriteStream = process.stdout): Promise<Style> {
    let style = this.styles.get(stream);
    if (!style) this.styles.set(stream, (style = loadStyle(colorWanted(this.global, stream, this.env))));
    return style;
  }

  async orchestrator(): Promise<Orchestrator> {
    const { openOrchestrator } = await import("../index.js");
    return openOrchestrator({ configPath: this.global.config, env: this.env, cwd: this.cwd });
  }

  async warn(message: string): Promise<void> {
    const s = await this.style(process.stderr);
    this.err(s.yellow(`Warning: ${message}`));
  }
}
