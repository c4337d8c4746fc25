/**
 * Everything a campaign starts registers how to undo it here (child processes, temp dirs, the
 * PostgreSQL database, the Redis keys, servers). `cleanupAll` runs the steps newest first, each bounded
 * in time, on a normal end, on an error and on Ctrl-C / SIGTERM; a second Ctrl-C exits at once (the
 * synchronous exit hooks in processes.ts still SIGKILL every child's process group).
 */
type Step = { name: string; run: () => Promise<void> | void };

const steps: Step[] = [];
let running: Promise<void> | undefined;

/** Registers an undo step; returns a function that removes it (after undoing it yourself). */
export function onCleanup(name: string, run: () => Promise<void> | void): () => void {
  const step = { name, run };
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

async function bounded(step: Step, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(step.run),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          process.stderr.write(`cleanup: "${step.name}" did not finish within ${ms / 1000} s; going on\n`);
          resolve();
        }, ms);
      }),
    ]);
  } catch (err) {
    process.stderr.write(`cleanup: "${step.name}" failed: ${err instanceof Error ? err.message : String(err)}\n`);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every registered step once, newest first. Safe to call more than once (later calls wait). */
export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    while (steps.length > 0) {
      const step = steps.pop();
      if (step) await bounded(step, 20_000);
    }
  })();
  return running;
}

/**
 * Ctrl-C / SIGTERM: clean up, then exit 130 (143). A second signal a second or more later exits at once;
 * one arriving sooner is the same Ctrl-C relayed by a wrapper (npm, tsx forward it to their child).
 */
export function installSignalHandlers(): void {
  let signalledAt: number | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (signalledAt !== undefined) {
      if (performance.now() - signalledAt > 1000) process.exit(130);
      return;
    }
    signalledAt = performance.now();
    process.stderr.write(`\n${signal}: stopping the campaign and cleaning up…\n`);
    void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
