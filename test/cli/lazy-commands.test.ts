/**
 * The CLI loads only the command it runs (issue 11): which command modules a command line needs, and
 * that the program built for one holds just that command — while `--help` and unknown commands still
 * see every command. Also: the tests themselves run on Node 24 (npm puts node_modules/.bin/node first).
 */
import { describe, expect, it } from 'vitest';
import { buildProgram, commandWord, groupsFor } from '../../src/cli/main.js';

const names = async (args?: string[]): Promise<string[]> => (await buildProgram(args)).commands.map((c) => c.name());

describe('calsync loads only the command it runs', () => {
  it('finds the command word past the global --tenant value and options', () => {
    expect(commandWord(['--tenant', 'events', 'sync', 'x'])).toBe('sync');
    expect(commandWord(['events', '--help'])).toBe('events');
    expect(commandWord(['--version'])).toBeUndefined();
    expect(commandWord([])).toBeUndefined();
  });

  it('picks the one group that owns the command, none for --version, all for help and unknown commands', () => {
    expect(groupsFor(['events', '--help']).map((g) => g.names)).toEqual([['events', 'event']]);
    expect(groupsFor(['resolve', 'c1', '--take', 'wedsync']).map((g) => g.names)).toEqual([['conflicts', 'conflict', 'resolve']]);
    expect(groupsFor(['--version'])).toEqual([]);
    expect(groupsFor(['-V'])).toEqual([]);
    const all = groupsFor(undefined).length;
    expect(all).toBe(14);
    expect(groupsFor(['--help'])).toHaveLength(all);
    expect(groupsFor([])).toHaveLength(all);
    expect(groupsFor(['help', 'events'])).toHaveLength(all);
    expect(groupsFor(['evnets'])).toHaveLength(all);
  });

  it('builds a program with just the commands asked for', async () => {
    expect(await names(['event', 'add', '--title', 'x'])).toEqual(['events', 'event']);
    expect(await names(['connect', 'outlook', '--help'])).toEqual(['connect']);
    expect((await buildProgram(['connect'])).commands[0]?.commands.map((c) => c.name())).toEqual(['caldav', 'icloud', 'outlook']);
    expect(await names(['--version'])).toEqual([]);
    const every = await names();
    expect(every).toEqual(expect.arrayContaining(['serve', 'worker', 'connect', 'integrations', 'sync', 'events', 'event', 'conflicts', 'dead-letters', 'tenant', 'apikey', 'corpus', 'emulator', 'doctor']));
  });

  it('runs on Node 24 or newer', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });
});
