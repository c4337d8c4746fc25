/**
 * Supplier notifications go out through the one outbound edge: an endpoint URL that reaches this
 * machine through any spelling of an inward address is refused at connect time (issue 10, finding 1),
 * without a retry. Only loopback is ever dialled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import type { Job } from '../../src/queue/types.js';
import { NotificationEndpoints } from '../../src/service/notifications/endpoints.js';
import { deliveryHandler, type DeliveryPayload } from '../../src/service/notifications/notifier.js';
import { generateSecretKey } from '../../src/util/crypto.js';
import { makeService, type ServiceHarness } from '../service/harness.js';
import { startReceiver, type Receiver } from './receiver.js';

describe('delivery through the address guard', () => {
  let h: ServiceHarness;
  let endpoints: NotificationEndpoints;
  let receiver: Receiver;
  beforeAll(async () => {
    h = await makeService();
    endpoints = await NotificationEndpoints.open({ db: h.store.db, secretKey: generateSecretKey(), clock: h.clock });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  async function deliver(url: string, allowPrivateUrls: boolean): Promise<unknown> {
    const { endpoint } = await endpoints.create(h.tenantId, { url });
    const handler = deliveryHandler({ queue: undefined as never, endpoints, clock: h.clock, notifierOptions: { allowPrivateUrls } });
    const payload: DeliveryPayload = { endpointId: endpoint.id, eventId: 'e1', type: 'schedule.changed', body: '{}' };
    return handler(payload, { tenantId: h.tenantId } as Job<DeliveryPayload>, undefined as never).then(
      () => 'delivered',
      (e: unknown) => e,
    );
  }

  it.each(['[::ffff:7f00:1]', '[::ffff:127.0.0.1]', '127.0.0.1', '2130706433', 'localhost'])('refuses %s (a server on 127.0.0.1) without retry', async (host) => {
    const port = new URL(receiver.url).port;
    const error = await deliver(`http://${host}:${port}/hooks`, false);
    expect(error).toBeInstanceOf(CalsyncError);
    expect(error).toMatchObject({ code: 'VALIDATION', retryable: false });
    expect(receiver.received).toHaveLength(0);
  });

  it('delivers to the same server when private URLs are allowed', async () => {
    const port = new URL(receiver.url).port;
    expect(await deliver(`http://[::ffff:7f00:1]:${port}/hooks`, true)).toBe('delivered');
    expect(receiver.received).toHaveLength(1);
  });
});
