import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { registerEmulatorCommand, startGraphEmulatorCli } from '../../src/cli/commands/emulator.js';

describe('calsync emulator graph', () => {
  it('registers `emulator graph` with its options', () => {
    const program = new Command('calsync');
    registerEmulatorCommand(program);
    const graph = program.commands.find((c) => c.name() === 'emulator')?.commands.find((c) => c.name() === 'graph');
    expect(graph?.options.map((o) => o.long)).toEqual(['--port', '--host', '--http', '--ca-out', '--tls-dir', '--user']);
  });

  it('starts over HTTPS, writes the CA certificate and prints a working token', async () => {
    const lines: string[] = [];
    const caOut = join(tmpdir(), `calsync-emulator-test-${process.pid}.pem`);
    const emu = await startGraphEmulatorCli({ caOut, user: ['planner@example.com'] }, (l) => lines.push(l));
    try {
      expect(lines[0]).toBe(`Graph emulator listening on ${emu.url}`);
      expect(readFileSync(caOut, 'utf8')).toBe(emu.caCert);
      const token = lines.find((l) => l.includes('Sample token'))?.split(': ').pop() ?? '';
      expect(lines.some((l) => l.includes('planner@example.com'))).toBe(true);
      const { Agent } = await import('undici');
      const agent = new Agent({ connect: { ca: emu.caCert } });
      const res = await request(`${emu.graphUrl}/me/calendar`, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
      await agent.close();
    } finally {
      await emu.close();
    }
  });

  it('reuses the certificate kept in --tls-dir across restarts', async () => {
    const tlsDir = mkdtempSync(join(tmpdir(), 'calsync-emulator-tls-'));
    const first = await startGraphEmulatorCli({ tlsDir }, () => undefined);
    await first.close();
    const second = await startGraphEmulatorCli({ tlsDir }, () => undefined);
    await second.close();
    expect(second.caCert).toBe(first.caCert);
    expect(statSync(join(tlsDir, 'graph-emulator-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('serves plain HTTP with --http and refuses a bad port', async () => {
    const emu = await startGraphEmulatorCli({ http: true }, () => undefined);
    try {
      expect(emu.url.startsWith('http://')).toBe(true);
      expect(emu.caCert).toBeUndefined();
    } finally {
      await emu.close();
    }
    await expect(startGraphEmulatorCli({ port: 'abc' }, () => undefined)).rejects.toThrow(/--port/);
  });
});
