/**
 * Issue 13: `calsync doctor` never hangs. A Redis that accepts the connection and never answers (the
 * worst case: no refusal to react to) is reported as a failed queue check within the check's timeout.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCTOR_TIMEOUTS, type DoctorCheck } from '../../src/cli/commands/doctor.js';
import { runCli, useDataDir, type DataDir } from './helpers.js';

let silent: Server;
let port = 0;
const sockets: Socket[] = [];
let data: DataDir;
const saved = { ...DOCTOR_TIMEOUTS };

beforeAll(async () => {
  silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as { port: number }).port;
  data = useDataDir();
  Object.assign(DOCTOR_TIMEOUTS, { queue: 1_500, store: 5_000 });
});

afterAll(async () => {
  Object.assign(DOCTOR_TIMEOUTS, saved);
  delete process.env.REDIS_URL;
  data?.restore();
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('calsync doctor', () => {
  it('reports a Redis that never answers as a failed check instead of hanging', async () => {
    process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
    const result = await runCli('doctor', '--json');
    expect(result.code).toBe(1);
    const checks = JSON.parse(result.stdout) as DoctorCheck[];
    const queue = checks.find((c) => c.name === 'queue');
    expect(queue).toMatchObject({ ok: false, detail: 'no answer within 1.5 s', fix: 'check REDIS_URL and that Redis is up' });
    expect(checks.find((c) => c.name === 'store')?.ok).toBe(true);
    expect(sockets.length).toBeGreaterThan(0);
  });
});
