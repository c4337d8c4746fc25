/**
 * `calsync emulator graph`: runs the Microsoft Graph emulator for development and tests. Prints the
 * base URL, where the CA certificate was written (trust it with NODE_EXTRA_CA_CERTS) and a
 * ready-to-use access token; stops on SIGINT/SIGTERM.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { GraphEmulator } from '../../emulator/graph/index.js';
import type { TlsMaterial } from '../../emulator/graph/tls.js';
import { CalsyncError } from '../../errors.js';
import { printLine } from '../output.js';

export interface EmulatorCliOptions {
  port?: string;
  host?: string;
  http?: boolean;
  caOut?: string;
  tlsDir?: string;
  user?: string[];
}

/**
 * A certificate kept in `dir` across restarts, so processes started with NODE_EXTRA_CA_CERTS
 * keep trusting the emulator (Node reads that variable only at start-up).
 */
/**
 * The emulator is a development tool: it and its certificate generator (`selfsigned`, a dev dependency)
 * are imported only when `calsync emulator` runs, and an install without dev dependencies says so.
 */
async function loadEmulator() {
  try {
    const [emulator, tls] = await Promise.all([import('../../emulator/graph/index.js'), import('../../emulator/graph/tls.js')]);
    return { ...emulator, ...tls };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new CalsyncError('CONFIG', 'the Graph emulator is a development tool: it needs the dev dependencies (npm ci without --omit=dev)', { cause: err });
    }
    throw err;
  }
}

async function persistentTls(dir: string, host: string): Promise<TlsMaterial> {
  const certPath = join(dir, 'graph-emulator-cert.pem');
  const keyPath = join(dir, 'graph-emulator-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  const { generateCertificate } = await loadEmulator();
  const tls = await generateCertificate([host]);
  mkdirSync(dir, { recursive: true });
  writeFileSync(keyPath, tls.key, { mode: 0o600 });
  writeFileSync(certPath, tls.cert, { mode: 0o644 });
  return tls;
}

/** Start the emulator and print how to use it; returns the running emulator. */
export async function startGraphEmulatorCli(opts: EmulatorCliOptions, print: (line: string) => void = printLine): Promise<GraphEmulator> {
  const port = opts.port === undefined ? 0 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not '${opts.port}'`);
  const users = (opts.user ?? []).map((userPrincipalName) => ({ userPrincipalName }));
  const tls = opts.tlsDir && !opts.http ? await persistentTls(opts.tlsDir, opts.host ?? '127.0.0.1') : undefined;
  const { createGraphEmulator } = await loadEmulator();
  const emu = await createGraphEmulator({
    port,
    https: !opts.http,
    ...(tls ? { tls } : {}),
    ...(opts.host ? { host: opts.host } : {}),
    ...(users.length > 0 ? { users } : {}),
  });
  const first = emu.admin.users()[0];
  print(`Graph emulator listening on ${emu.url}`);
  print(`  Graph base URL:   ${emu.graphUrl}   (Client.init({ baseUrl: '${emu.url}/', customHosts: new Set(['${new URL(emu.url).hostname}']) }))`);
  if (emu.caCert) {
    const caPath = opts.caOut ?? join(tmpdir(), `calsync-graph-emulator-${new URL(emu.url).port}-ca.pem`);
    writeFileSync(caPath, emu.caCert, { mode: 0o644 });
    print(`  CA certificate:   ${caPath}   (NODE_EXTRA_CA_CERTS=${caPath})`);
  }
  print(`  OAuth authority:  ${emu.authority}   (MSAL knownAuthorities: ['${emu.host}'])`);
  print(`  Admin API:        ${emu.url}/_admin/state, POST ${emu.url}/_admin/tokens {"user":"…"}`);
  if (first) {
    const { accessToken, expiresInS } = emu.admin.issueToken(first.id);
    print(`  User:             ${first.userPrincipalName} (${first.id})`);
    print(`  Sample token (${Math.round(expiresInS / 60)} min): ${accessToken}`);
  }
  return emu;
}

export function registerEmulatorCommand(program: Command): void {
  const emulator = program.command('emulator').description('local emulators of the calendar services calsync talks to');
  emulator
    .command('graph')
    .description('run the Microsoft Graph emulator (HTTPS with a generated certificate)')
    .option('--port <port>', 'port to listen on (default: a free port)')
    .option('--host <host>', 'address to bind (default: 127.0.0.1)')
    .option('--http', 'serve plain HTTP (the official Graph client needs HTTPS)')
    .option('--ca-out <path>', 'where to write the CA certificate (default: the temp directory)')
    .option('--tls-dir <dir>', 'keep the certificate and key here and reuse them on the next start')
    .option('--user <upn...>', 'mailboxes to create (default: adele@contoso.onmicrosoft.com)')
    .action(async (opts: EmulatorCliOptions) => {
      const emu = await startGraphEmulatorCli(opts);
      const stop = async (): Promise<void> => {
        await emu.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
