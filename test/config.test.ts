import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { CalsyncError } from '../src/errors.js';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.dataDir).toBe(resolve('./data'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.allowPrivateUrls).toBe(false);
    // No public URL unless configured: no Graph subscriptions, Outlook is polled.
    expect(config.publicUrl).toBeUndefined();
  });

  it('reads every variable and treats empty strings as unset', () => {
    const config = loadConfig({
      CALSYNC_DATA_DIR: '/tmp/x',
      DATABASE_URL: 'postgres://u@h/db',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CALSYNC_SECRET_KEY: 'k',
      PORT: '8080',
      CALSYNC_ALLOW_PRIVATE_URLS: '1',
      CALSYNC_PUBLIC_URL: 'https://sync.example.com',
      HOST: '',
    });
    expect(config).toMatchObject({ dataDir: '/tmp/x', databaseUrl: 'postgres://u@h/db', redisUrl: 'redis://127.0.0.1:6379', port: 8080, host: '127.0.0.1', allowPrivateUrls: true, publicUrl: 'https://sync.example.com' });
  });

  it('rejects bad values with a CONFIG error naming the variable', () => {
    const bad = (env: NodeJS.ProcessEnv): CalsyncError => {
      try {
        loadConfig(env);
      } catch (err) {
        return err as CalsyncError;
      }
      throw new Error('expected an error');
    };
    const port = bad({ PORT: 'eighty' });
    expect(port.code).toBe('CONFIG');
    expect(port.message).toContain('PORT');
    expect(bad({ DATABASE_URL: 'mysql://x' }).message).toContain('DATABASE_URL');
    expect(bad({ REDIS_URL: 'http://x' }).details).toEqual({ variable: 'REDIS_URL' });
  });

  it('accepts CALSYNC_PUBLIC_URL over https, or plain http on a loopback host only (the emulator)', () => {
    expect(loadConfig({ CALSYNC_PUBLIC_URL: 'https://sync.example.com/base' }).publicUrl).toBe('https://sync.example.com/base');
    for (const url of ['http://127.0.0.1:3000', 'http://localhost:8080', 'http://[::1]:3000', 'http://127.1.2.3']) expect(loadConfig({ CALSYNC_PUBLIC_URL: url }).publicUrl).toBe(url);
    for (const url of ['http://sync.example.com', 'http://10.0.0.5:3000', 'http://0.0.0.0:3000', 'ftp://sync.example.com', 'not a url']) {
      let err: unknown;
      try {
        loadConfig({ CALSYNC_PUBLIC_URL: url });
      } catch (e) {
        err = e;
      }
      expect(err, url).toBeInstanceOf(CalsyncError);
      expect((err as CalsyncError).code).toBe('CONFIG');
      expect((err as CalsyncError).details).toEqual({ variable: 'CALSYNC_PUBLIC_URL' });
    }
    expect(loadConfig({ CALSYNC_PUBLIC_URL: '' }).publicUrl).toBeUndefined();
  });
});
