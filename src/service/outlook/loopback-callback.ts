/**
 * The local end of the OAuth redirect (RFC 8252 §7.3: a loopback redirect URI on an ephemeral port).
 * It waits for one `GET /callback?code=…&state=…`, checks the state, and hands the code back.
 */
import { createServer, type Server } from 'node:http';
import { CalsyncError } from '../../errors.js';

export interface LoopbackCallback {
  redirectUri: string;
  /** Resolves with the authorization code once the browser (or the headless flow) comes back. */
  code: Promise<string>;
  close(): Promise<void>;
}

export async function startLoopbackCallback(expectedState: string, timeoutMs = 300_000): Promise<LoopbackCallback> {
  let settle!: { resolve: (code: string) => void; reject: (err: Error) => void };
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  code.catch(() => undefined);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    const error = url.searchParams.get('error');
    const state = url.searchParams.get('state');
    const value = url.searchParams.get('code');
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    if (error) {
      res.end('Sign-in failed; you can close this window.');
      settle.reject(new CalsyncError('PROVIDER_AUTH', `sign-in failed: ${error} ${url.searchParams.get('error_description') ?? ''}`.trim()));
    } else if (state !== expectedState || !value) {
      res.end('Unexpected sign-in response; you can close this window.');
      settle.reject(new CalsyncError('PROVIDER_AUTH', 'the sign-in response did not match this request (state mismatch)'));
    } else {
      res.end('calsync is connected; you can close this window.');
      settle.resolve(value);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const timer = setTimeout(() => settle.reject(new CalsyncError('PROVIDER_AUTH', 'sign-in timed out')), timeoutMs);
  timer.unref();
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    code,
    close: async () => {
      clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
