/**
 * Where the at-rest encryption key comes from: `CALSYNC_SECRET_KEY` when set, otherwise a key generated
 * once into `<dataDir>/secret.key` (mode 0600) and reused on every later start.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CalsyncError } from '../errors.js';
import { generateSecretKey, parseSecretKey } from '../util/crypto.js';

export const SECRET_KEY_FILE = 'secret.key';

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

function readKeyFile(path: string): Buffer {
  try {
    return parseSecretKey(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CalsyncError('CONFIG', `secret key file ${path} is unreadable or malformed`, { cause: err });
  }
}

/** Resolves the 32-byte key: the configured one, else the data dir's key file (created when absent). */
export function loadSecretKey(dataDir: string, configured?: string): Buffer {
  if (configured !== undefined && configured.trim() !== '') return parseSecretKey(configured);
  const path = join(dataDir, SECRET_KEY_FILE);
  const fresh = generateSecretKey();
  try {
    mkdirSync(dataDir, { recursive: true });
    // `wx`: never overwrite. Two processes starting at once race here; the loser reads the winner's key.
    writeFileSync(path, `${fresh.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    // The umask may have removed bits but never adds any; chmod makes 0600 exact regardless.
    chmodSync(path, 0o600);
    return fresh;
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw new CalsyncError('CONFIG', `cannot create secret key file ${path}`, { cause: err });
    return readKeyFile(path);
  }
}
