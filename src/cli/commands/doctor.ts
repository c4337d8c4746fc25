/**
 * `calsync doctor`: checks configuration, store, queue and every integration's reachability, and says
 * what to do about each problem. Exit code 1 when any check fails (warnings do not fail it).
 *
 * It never hangs: every check has a timeout (an unreachable Redis or PostgreSQL used to keep it
 * waiting for minutes). Work abandoned at a timeout may still hold a socket open; `abandonedWork()`
 * tells the CLI's entry point to exit once the report is printed instead of waiting for it.
 */
import type { Command } from 'commander';
import type { Runtime } from '../../runtime.js';
import { cliHooks } from '../context.js';
import { printJson, printLine } from '../output.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** Worth knowing but not a failure (exit code stays 0). */
  warning?: boolean;
}

/** Per-check limits (ms); tests lower them. */
export const DOCTOR_TIMEOUTS = { store: 10_000, queue: 10_000, reach: 15_000 };

let abandoned = 0;
/** True when a check timed out and its work was left running (a socket may keep the process alive). */
export function abandonedWork(): boolean {
  return abandoned > 0;
}

/** `work`, or a rejection after `ms`; `onLate` disposes of a result that arrives after the timeout. */
async function withTimeout<T>(work: Promise<T>, ms: number, onLate?: (late: T) => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      abandoned += 1;
      reject(new Error(`no answer within ${ms / 1000} s`));
    }, ms);
  });
  work.then(
    (late) => {
      if (timedOut) void Promise.resolve(onLate?.(late)).catch(() => undefined);
    },
    () => undefined,
  );
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function integrationChecks(runtime: Runtime, allowPrivateUrls: boolean): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const { ProviderRegistry } = await import('../../service/providers.js');
  const providers = new ProviderRegistry({ store: runtime.store, clock: runtime.clock, allowPrivateUrls });
  cliHooks.configureProviders?.(providers);
  try {
    for (const tenant of await runtime.store.tenants.list()) {
      for (const integration of await runtime.store.integrations.list(tenant.id)) {
        const name = `integration ${tenant.name}/${integration.name}`;
        if (integration.status !== 'active') {
          checks.push({ name, ok: false, detail: `${integration.status}: ${integration.statusReason ?? ''}`, fix: integration.status === 'needs_reauth' ? 'reconnect it with fresh credentials' : 'check the calendar, then run calsync sync --full' });
          continue;
        }
        try {
          const provider = await providers.forIntegration(integration);
          const calendars = await withTimeout(provider.listCalendars(), DOCTOR_TIMEOUTS.reach);
          checks.push({ name, ok: true, detail: `reachable, ${calendars.length} calendar(s)` });
        } catch (err) {
          checks.push({ name, ok: false, detail: err instanceof Error ? err.message : String(err), fix: 'check the server URL, the network and the credentials' });
        }
      }
    }
  } finally {
    await providers.close();
  }
  return checks;
}

export async function runDoctor(): Promise<DoctorCheck[]> {
  // Imported when the checks run, not for `--help`.
  const [{ loadConfig }, { openRuntime, openRuntimeQueue }] = await Promise.all([import('../../config.js'), import('../../runtime.js')]);
  const checks: DoctorCheck[] = [];
  let config;
  try {
    config = loadConfig();
    checks.push({ name: 'configuration', ok: true, detail: `data dir ${config.dataDir}` });
  } catch (err) {
    checks.push({ name: 'configuration', ok: false, detail: (err as Error).message, fix: 'fix the environment variable (README, "Configuration")' });
    return checks;
  }
  let runtime: Runtime;
  try {
    runtime = await withTimeout(openRuntime(config), DOCTOR_TIMEOUTS.store, (late) => late.close());
    await withTimeout(runtime.store.ping(), DOCTOR_TIMEOUTS.store);
    checks.push({ name: 'store', ok: true, detail: `${runtime.store.dialect}${config.databaseUrl ? '' : ` at ${config.dataDir}/calsync.db`}, migrations current` });
  } catch (err) {
    checks.push({ name: 'store', ok: false, detail: (err as Error).message, fix: config.databaseUrl ? 'check DATABASE_URL and that PostgreSQL is up' : `check that ${config.dataDir} is writable` });
    return checks;
  }
  try {
    const queue = await withTimeout(openRuntimeQueue(runtime), DOCTOR_TIMEOUTS.queue, (late) => late.close());
    try {
      const counts = await withTimeout(queue.counts(), DOCTOR_TIMEOUTS.queue);
      checks.push({ name: 'queue', ok: true, detail: `${queue.backend}: ${counts.waiting} waiting, ${counts.delayed} delayed, ${counts.active} active, ${counts.dead} dead` });
      if (counts.waiting > 0 && counts.active === 0) {
        checks.push({
          name: 'workers',
          ok: true,
          warning: true,
          detail: `${counts.waiting} job(s) wait and none is running: no worker seems to be taking jobs`,
          fix: 'keep `npm start` (calsync serve) running for automatic sync, or start `calsync worker`',
        });
      }
      if (counts.dead > 0) checks.push({ name: 'dead letters', ok: false, detail: `${counts.dead} job(s) failed every attempt`, fix: 'calsync dead-letters, then calsync replay <job>' });
    } finally {
      await withTimeout(queue.close(), DOCTOR_TIMEOUTS.queue).catch(() => undefined);
    }
  } catch (err) {
    checks.push({ name: 'queue', ok: false, detail: (err as Error).message, fix: config.redisUrl ? 'check REDIS_URL and that Redis is up' : 'check the store' });
  }
  try {
    checks.push(...(await integrationChecks(runtime, config.allowPrivateUrls)));
  } finally {
    await withTimeout(runtime.close(), DOCTOR_TIMEOUTS.store).catch(() => undefined);
  }
  return checks;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check configuration, store, queue and that every calendar account is reachable (each check times out)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  calsync doctor\n  calsync doctor --json | jq \'.[] | select(.ok == false)\'')
    .action(async (opts: { json?: boolean }) => {
      const checks = await runDoctor();
      if (opts.json) printJson(checks);
      else {
        for (const c of checks) printLine(`${c.warning ? '!' : c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}${(c.ok && !c.warning) || !c.fix ? '' : `\n    → ${c.fix}`}`);
      }
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}
