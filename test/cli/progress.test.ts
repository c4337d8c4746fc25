import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressBar } from '../../src/cli/progress.js';

const wasTty = process.stderr.isTTY;
afterEach(() => {
  vi.restoreAllMocks();
  process.stderr.isTTY = wasTty;
});

function captureStderr(): () => string {
  let out = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  return () => out;
}

describe('progressBar', () => {
  it('is silent when disabled (pipes, --json)', () => {
    const out = captureStderr();
    const bar = progressBar(false);
    bar.update(1, 2, 'x');
    bar.stop();
    expect(out()).toBe('');
  });

  it('draws counts and a shortened label on stderr, and stops cleanly', () => {
    process.stderr.isTTY = true; // cli-progress draws only on a terminal
    const out = captureStderr();
    const bar = progressBar(true);
    bar.update(0, 0, 'observe');
    bar.update(3, 10, `update "${'Very long event title '.repeat(5)}"`);
    bar.stop(); // renders the last state (updates in between are throttled)
    expect(out()).toContain('3/10');
    expect(out()).toContain('...');
    expect(out()).not.toContain('Very long event title Very long event title Very long event title');
  });

  it('does nothing on stop when nothing was drawn', () => {
    const out = captureStderr();
    progressBar(true).stop();
    expect(out()).toBe('');
  });
});
