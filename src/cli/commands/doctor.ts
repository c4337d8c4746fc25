/**
 * `calsync doctor`: checks configuration, store, queue and every integration's reachability, and says
 * what to do about each problem. Exit code 1 when any check fails.
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
}

const REACH_TIMEOUT_MS = 15_000;

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)));
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
          const calendars = await withTimeout(provider.listCalendars(), REACH_TIMEOUT_MS);
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
    runtime = await openRuntime(config);
    await runtime.store.ping();
    checks.push({ name: 'store', ok: true, detail: `${runtime.store.dialect}${config.databaseUrl ? '' : ` at ${config.dataDir}/calsync.db`}, migrations current` });
  } catch (err) {
    checks.push({ name: 'store', ok: false, detail: (err as Error).message, fix: config.databaseUrl ? 'check DATABASE_URL and that PostgreSQL is up' : `check that ${config.dataDir} is writable` });
    return checks;
  }
  try {
    const queue = await openRuntimeQueue(runtime);
    try {
      const counts = await queue.counts();
      checks.push({ name: 'queue', ok: true, detail: `${queue.backend}: ${counts.waiting} waiting, ${counts.delayed} delayed, ${counts.active} active, ${counts.dead} dead` });
      if (counts.dead > 0) checks.push({ name: 'dead letters', ok: false, detail: `${counts.dead} job(s) failed every attempt`, fix: 'calsync dead-letters, then calsync replay <job>' });
    } finally {
      await queue.close();
    }
  } catch (err) {
    checks.push({ name: 'queue', ok: false, detail: (err as Error).message, fix: config.redisUrl ? 'check REDIS_URL and that Redis is up' : 'check the store' });
  }
  try {
    checks.push(...(await integrationChecks(runtime, config.allowPrivateUrls)));
  } finally {
    await runtime.close();
  }
  return checks;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check configuration, store, queue and that every calendar account is reachable')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const checks = await runDoctor();
      if (opts.json) printJson(checks);
      else {
        for (const c of checks) printLine(`${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}${c.ok || !c.fix ? '' : `\n    → ${c.fix}`}`);
      }
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}
