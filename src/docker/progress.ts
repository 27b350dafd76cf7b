/**
 * Build progress for a person: the steps of a build (BuildKit's vertexes or
 * the legacy builder's `Step N/M`) as they start, log and finish, shown as
 * `docker buildx --progress` shows them. tty: one live line per running step
 * (elapsed time, last log line) redrawn every second, finished steps
 * collapsed to one line each. plain: one line when a step starts and one
 * when it ends, a heartbeat line every minute of a long step, cached steps
 * counted in the summary only. quiet: nothing.
 */

export type ProgressMode = 'tty' | 'plain' | 'quiet';

/** --progress as given (auto picks tty on a terminal) and whether stderr is one. */
export function resolveProgressMode(choice: string, quiet: boolean, isTty = Boolean(process.stderr.isTTY)): ProgressMode {
  if (quiet || choice === 'quiet') return 'quiet';
  if (choice === 'tty' || choice === 'plain') return choice;
  return isTty ? 'tty' : 'plain';
}

export interface StepEnd {
  cached: boolean;
  error?: string;
}

export interface ProgressRenderer {
  start(step: number, name: string, now: number): void;
  log(step: number, line: string): void;
  finish(step: number, end: StepEnd, now: number): void;
  /** Called every second while the build runs (redraws, heartbeats). */
  tick(now: number): void;
  /** The build is over: `summary` is its last line. */
  close(summary: string): void;
}

interface Running {
  name: string;
  started: number;
  lastLine: string;
  lastBeat: number;
  /** plain: whether its start line was written. */
  announced?: boolean;
}

const seconds = (milliseconds: number): string => `${(milliseconds / 1000).toFixed(1)}s`;

const HEARTBEAT_MS = 60_000;

/** The steps running now and their last output line: what both renderers keep. */
abstract class RunningSteps {
  protected readonly running = new Map<number, Running>();

  start(step: number, name: string, now: number): void {
    this.running.set(step, { name, started: now, lastLine: '', lastBeat: now });
  }

  log(step: number, line: string): void {
    const running = this.running.get(step);
    if (running && line.trim()) running.lastLine = line.trim();
  }
}

/** plain: lines for logs and CI. */
export class PlainRenderer extends RunningSteps implements ProgressRenderer {
  constructor(
    private readonly writeLine: (line: string) => void,
    private readonly heartbeat = HEARTBEAT_MS,
  ) {
    super();
  }

  finish(step: number, end: StepEnd, now: number): void {
    const running = this.running.get(step);
    this.running.delete(step);
    // A cached step is counted in the summary, not listed: a warm build stays short.
    if (!running || (end.cached && !end.error)) return;
    if (!running.announced) this.writeLine(`#${step} ${running.name}`);
    this.writeLine(end.error ? `#${step} ERROR after ${seconds(now - running.started)}` : `#${step} done ${seconds(now - running.started)}`);
  }

  tick(now: number): void {
    for (const [step, running] of this.running) {
      // A step is announced once it has run a second: instant and cached ones make no line.
      if (!running.announced && now - running.started >= 1000) {
        running.announced = true;
        this.writeLine(`#${step} ${running.name}`);
      }
      if (now - running.lastBeat >= this.heartbeat) {
        running.lastBeat = now;
        this.writeLine(`#${step} running ${seconds(now - running.started)}${running.lastLine ? `: ${running.lastLine}` : ''}`);
      }
    }
  }

  close(summary: string): void {
    this.writeLine(summary);
  }
}

/** Cuts a line to the terminal's width (escape sequences are not counted: none are written inside lines). */
function fit(text: string, columns: number): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > columns ? `${clean.slice(0, Math.max(columns - 1, 0))}…` : clean;
}

/** tty: a live block of running steps below the finished ones. */
export class TtyRenderer extends RunningSteps implements ProgressRenderer {
  private drawn = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly columns = () => process.stderr.columns || 100,
  ) {
    super();
  }

  override start(step: number, name: string, now: number): void {
    super.start(step, name, now);
    this.draw(now);
  }

  finish(step: number, end: StepEnd, now: number): void {
    const running = this.running.get(step);
    this.running.delete(step);
    if (!running) return;
    const outcome = end.error ? `ERROR after ${seconds(now - running.started)}` : end.cached ? 'cached' : `done ${seconds(now - running.started)}`;
    this.draw(now, [`#${step} ${running.name} ${outcome}`]);
  }

  tick(now: number): void {
    this.draw(now);
  }

  close(summary: string): void {
    this.draw(Date.now(), [summary], true);
  }

  /** Erases the live block, prints `finished` above it, draws it again (unless closing). */
  private draw(now: number, finished: string[] = [], closing = false): void {
    const columns = this.columns();
    let text = this.drawn ? `\x1b[${this.drawn}F\x1b[J` : '';
    for (const line of finished) text += `${fit(line, columns)}\n`;
    this.drawn = 0;
    if (!closing) {
      for (const [step, running] of this.running) {
        const head = `=> #${step} ${running.name} ${seconds(now - running.started)}`;
        text += `${fit(running.lastLine ? `${head} | ${running.lastLine}` : head, columns)}\n`;
        this.drawn += 1;
      }
    }
    if (text) this.write(text);
  }
}

/** quiet: nothing at all. */
export class QuietRenderer implements ProgressRenderer {
  start(): void {}
  log(): void {}
  finish(): void {}
  tick(): void {}
  close(): void {}
}
