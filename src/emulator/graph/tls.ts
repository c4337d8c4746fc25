/**
 * A self-signed certificate for the emulator, generated at start. It is its own CA (basic
 * constraints cA), so clients trust it by adding the PEM as a CA (undici `connect.ca`,
 * NODE_EXTRA_CA_CERTS), and it names both localhost and 127.0.0.1.
 */
import { generate } from 'selfsigned';

export interface TlsMaterial {
  key: string;
  cert: string;
}

export async function generateCertificate(hostnames: string[]): Promise<TlsMaterial> {
  const altNames = [
    ...new Set(['localhost', ...hostnames.filter((h) => !/^[\d.]+$/.test(h) && h !== '::1')]),
  ].map((value) => ({ type: 2 as const, value }));
  const ips = [...new Set(['127.0.0.1', ...hostnames.filter((h) => /^[\d.]+$/.test(h))])].map((ip) => ({ type: 7 as const, ip }));
  const pems = await generate([{ name: 'commonName', value: 'calsync Graph emulator' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...altNames, ...ips] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
