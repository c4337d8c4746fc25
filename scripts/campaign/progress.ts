/**
 * What the campaign tells the person running it: phase lines, and on a TTY a status line rewritten in
 * place every second. With `--json` stdout carries only the JSON summary; everything else goes to stderr.
 */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private status: (() => string) | undefined;
  private readonly started = performance.now();
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.tty = out.isTTY === true;
  }

  elapsed(): string {
    return `${Math.round((performance.now() - this.started) / 1000)}s`;
  }

  say(line: string): void {
    if (this.tty && this.status) this.out.write('\r\x1b[K');
    this.out.write(`[${this.elapsed().padStart(5)}] ${line}\n`);
    if (this.tty && this.status) this.out.write(this.status());
  }

  /** Shows `line()` in place every second on a TTY (nothing otherwise); `undefined` clears it. */
  live(line: (() => string) | undefined): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty && this.status) this.out.write('\r\x1b[K');
    this.status = line;
    if (!line || !this.tty) return;
    this.timer = setInterval(() => this.out.write(`\r\x1b[K[${this.elapsed().padStart(5)}] ${line()}`.slice(0, (this.out.columns ?? 160) + 8)), 1000);
    this.timer.unref();
  }
}
