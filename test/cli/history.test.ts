import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliJson, runCli, useDataDir, type DataDir } from './helpers.js';

let data: DataDir;
beforeEach(() => {
  data = useDataDir();
});
afterEach(() => data.restore());

describe('calsync history prune', () => {
  it('keeps recent history and each event\'s latest entry; refuses a bad age', async () => {
    const added = await cliJson<{ id: string }>('event', 'add', '--title', 'Fitting', '--start', '2027-06-01', '--json');
    await cliJson('event', 'update', added.id, '--location', 'Atelier', '--json');
    const result = await cliJson<{ pruned: number; floor: number; before: string }>('history', 'prune', '--older-than', '30', '--json');
    expect(result).toMatchObject({ pruned: 0, floor: 0 });
    expect(await cliJson<unknown[]>('event', 'history', added.id, '--json')).toHaveLength(2);
    const bad = await runCli('history', 'prune', '--older-than', '0');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).toContain('--older-than');
  });
});
