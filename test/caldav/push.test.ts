/**
 * WebDAV-Push on the CalDAV side (draft-bitfire-webdav-push): detection from the DAV header and the push
 * properties, the push-register body against the draft's schema, registration answers, DELETE, and the
 * push-message format — samples shaped as the draft's `xml/*.xml`.
 */
import { describe, expect, it } from 'vitest';
import { CalDavProvider } from '../../src/providers/caldav/caldav-provider.js';
import { pushRegisterBody } from '../../src/providers/caldav/dav-bodies.js';
import { parseMultistatus } from '../../src/providers/caldav/multistatus.js';
import { DAV, PUSH } from '../../src/providers/caldav/names.js';
import { offersWebDavPush, readPushProperties } from '../../src/providers/caldav/push-properties.js';
import { parsePushMessage } from '../../src/providers/caldav/push-message.js';
import { child, parseXml } from '../../src/providers/caldav/xml.js';
import { ManualClock } from '../../src/util/clock.js';
import { fakeFetch, xmlResponse, type Handler } from './fake-fetch.js';

const CAL = 'https://dav.example.com/cal/';
const VAPID = 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4';

/** The draft's service-detection answer (`sample-propfind-multistatus.xml` with a VAPID key). */
const properties = (props: string): string =>
  `<?xml version="1.0" encoding="utf-8"?><multistatus xmlns="DAV:" xmlns:P="https://bitfire.at/webdav-push"><response><href>/cal/</href>` +
  `<propstat><prop>${props}</prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`;
const WEB_PUSH = `<P:transports><P:web-push><P:vapid-public-key type="p256ecdsa">${VAPID}</P:vapid-public-key></P:web-push></P:transports>`;
const TOPIC = '<P:topic>O7M1nQ7cKkKTKsoS_j6Z3w</P:topic>';
const TRIGGERS = '<P:supported-triggers><P:content-update><depth>1</depth></P:content-update><P:property-update><depth>0</depth></P:property-update></P:supported-triggers>';

const supportOf = (props: string) => readPushProperties(parseMultistatus(properties(props), CAL).responses[0]!);

function providerOn(handler: Handler) {
  const fake = fakeFetch(handler);
  const clock = new ManualClock();
  const provider = new CalDavProvider({ url: 'https://dav.example.com/', username: 'u', password: 'p', fetch: fake.fetch, clock, lookup: async () => ['93.184.216.34'], resilience: { baseDelayMs: 1, maxAttempts: 1 } });
  return { push: provider.push(CAL), calls: fake.calls, clock };
}

describe('detecting WebDAV-Push', () => {
  it('reads the DAV header class', () => {
    expect(offersWebDavPush('1, 2, access-control, calendar-access, webdav-push')).toBe(true);
    expect(offersWebDavPush('1,2,WebDAV-Push')).toBe(true);
    expect(offersWebDavPush('1, 2, calendar-access')).toBe(false);
    expect(offersWebDavPush('1, webdav-push-ish')).toBe(false);
    expect(offersWebDavPush(null)).toBe(false);
  });

  it('reads transports, topic, supported triggers and the VAPID key', () => {
    expect(supportOf(WEB_PUSH + TOPIC + TRIGGERS)).toEqual({ supported: true, topic: 'O7M1nQ7cKkKTKsoS_j6Z3w', vapidPublicKey: VAPID });
    // Without a VAPID key (it is optional), or with one of a type we do not know: no signature to check.
    expect(supportOf('<P:transports><P:web-push/></P:transports>' + TOPIC + TRIGGERS)).toMatchObject({ supported: true, vapidPublicKey: undefined });
    expect(supportOf(WEB_PUSH.replace('p256ecdsa', 'ed25519') + TOPIC)).toMatchObject({ supported: true, vapidPublicKey: undefined });
  });

  it('says why a collection cannot be used', () => {
    expect(supportOf(TOPIC + TRIGGERS)).toEqual({ supported: false, reason: 'the server offers no Web Push transport' });
    expect(supportOf('<P:transports><P:some-other-transport/></P:transports>' + TOPIC)).toMatchObject({ supported: false });
    expect(supportOf(WEB_PUSH + TRIGGERS)).toEqual({ supported: false, reason: 'the collection has no usable push topic' });
    expect(supportOf(WEB_PUSH + TOPIC + '<P:supported-triggers><P:property-update><depth>0</depth></P:property-update></P:supported-triggers>')).toEqual({ supported: false, reason: 'the collection sends no content-update pushes' });
    expect(supportOf(WEB_PUSH.replace(VAPID, 'not-a-key') + TOPIC)).toEqual({ supported: false, reason: 'the server advertises an unreadable VAPID key' });
  });

  it('asks OPTIONS first and the push properties only when the DAV header offers push', async () => {
    const plain = providerOn(() => new Response('', { headers: { dav: '1, 2, calendar-access' } }));
    expect(await plain.push.support()).toEqual({ supported: false, reason: 'the server does not offer WebDAV-Push' });
    expect(plain.calls.map((c) => c.method)).toEqual(['OPTIONS']);

    const offering = providerOn((req) => (req.method === 'OPTIONS' ? new Response('', { headers: { dav: '1, 2, webdav-push' } }) : xmlResponse(207, properties(WEB_PUSH + TOPIC + TRIGGERS))));
    expect(await offering.push.support()).toMatchObject({ supported: true, topic: 'O7M1nQ7cKkKTKsoS_j6Z3w' });
    const propfind = offering.calls[1]!;
    expect([propfind.method, propfind.headers.depth]).toEqual(['PROPFIND', '0']);
    const asked = child(parseXml(propfind.body!), DAV.prop)!.children.map((c) => c.name);
    expect(asked).toEqual([PUSH.transports.clark, PUSH.topic.clark, PUSH.supportedTriggers.clark]);
  });
});

describe('registering', () => {
  const input = { pushResource: 'https://calsync.example.com/webhooks/webdav-push/t.c.s?a=1&b=2', subscriptionPublicKey: VAPID, authSecret: 'BTBZMqHH6r4Tts7J_aSIgg', expires: new Date(Date.UTC(2023, 11, 20, 10, 3, 31)) };

  it('writes the push-register body of the draft (web-push-subscription with aes128gcm, content-update depth 1, IMF-fixdate expiry)', () => {
    const root = parseXml(pushRegisterBody(input));
    expect(root.name).toBe(PUSH.pushRegister.clark);
    const sub = child(child(root, PUSH.subscription), PUSH.webPushSubscription);
    expect(child(sub, PUSH.pushResource)?.text).toBe(input.pushResource);
    expect(child(sub, PUSH.contentEncoding)?.text).toBe('aes128gcm');
    expect(child(sub, PUSH.subscriptionPublicKey)).toMatchObject({ text: VAPID, attrs: { type: 'p256dh' } });
    expect(child(sub, PUSH.authSecret)?.text).toBe('BTBZMqHH6r4Tts7J_aSIgg');
    const trigger = child(root, PUSH.trigger)!;
    expect(trigger.children.map((c) => c.name)).toEqual([PUSH.contentUpdate.clark]);
    expect(child(child(trigger, PUSH.contentUpdate), DAV.depth)?.text).toBe('1');
    expect(child(root, PUSH.expires)?.text).toBe('Wed, 20 Dec 2023 10:03:31 GMT');
  });

  it('takes the Location and the server Expires (never later than asked; without one, at most three days)', async () => {
    const { push, calls } = providerOn(() => new Response(null, { status: 201, headers: { location: '/push/subscriptions/io6Efei4ooph', expires: 'Tue, 19 Dec 2023 07:28:00 GMT' } }));
    expect(await push.register(input)).toEqual({ registrationUrl: 'https://dav.example.com/push/subscriptions/io6Efei4ooph', expiresAt: '2023-12-19T07:28:00.000Z' });
    expect([calls[0]?.method, calls[0]?.url, calls[0]?.headers['content-type']]).toEqual(['POST', CAL, 'application/xml; charset=utf-8']);

    const later = providerOn(() => new Response(null, { status: 204, headers: { location: 'https://dav.example.com/push/x', expires: 'Fri, 20 Dec 2030 00:00:00 GMT' } }));
    expect((await later.push.register(input)).expiresAt).toBe(input.expires.toISOString());

    const silent = providerOn(() => new Response(null, { status: 204, headers: { location: '/push/y' } }));
    const far = { ...input, expires: new Date(silent.clock.now() + 30 * 24 * 3600_000) };
    expect((await silent.push.register(far)).expiresAt).toBe(new Date(silent.clock.now() + 3 * 24 * 3600_000).toISOString());
  });

  it('refuses an answer without Location, and 403 preconditions become typed errors', async () => {
    await expect(providerOn(() => new Response(null, { status: 204 })).push.register(input)).rejects.toMatchObject({ code: 'PROVIDER_REJECTED', message: expect.stringContaining('without a Location') });
    const refused = providerOn(() => xmlResponse(403, '<d:error xmlns:d="DAV:" xmlns:P="https://bitfire.at/webdav-push"><P:push-not-available/></d:error>'));
    await expect(refused.push.register(input)).rejects.toMatchObject({ code: 'PROVIDER_REJECTED' });
    await expect(providerOn(() => new Response(null, { status: 410 })).push.register(input)).rejects.toMatchObject({ code: 'PROVIDER_NOT_FOUND' });
  });

  it('unregisters with DELETE on the registration URL; 404/410 mean it was gone already', async () => {
    const removed = providerOn(() => new Response(null, { status: 204 }));
    expect(await removed.push.unregister('https://dav.example.com/push/x')).toBe(true);
    expect([removed.calls[0]?.method, removed.calls[0]?.url]).toEqual(['DELETE', 'https://dav.example.com/push/x']);
    expect(await providerOn(() => new Response(null, { status: 404 })).push.unregister('https://dav.example.com/push/x')).toBe(false);
    expect(await providerOn(() => new Response(null, { status: 410 })).push.unregister('https://dav.example.com/push/x')).toBe(false);
    await expect(providerOn(() => new Response(null, { status: 403 })).push.unregister('https://dav.example.com/push/x')).rejects.toMatchObject({ code: 'PROVIDER_REJECTED' });
  });
});

describe('push messages', () => {
  const NS = 'xmlns:D="DAV:" xmlns:P="https://bitfire.at/webdav-push"';

  it('reads topic, content update with sync-token and property update (sample-push-message.xml)', () => {
    const body = `<?xml version="1.0" encoding="utf-8" ?><P:push-message ${NS}><P:topic>O7M1nQ7cKkKTKsoS_j6Z3w</P:topic><P:content-update><D:sync-token>http://example.com/sync/10</D:sync-token></P:content-update><P:property-update/></P:push-message>`;
    expect(parsePushMessage(body)).toEqual({ topic: 'O7M1nQ7cKkKTKsoS_j6Z3w', contentUpdate: true, syncToken: 'http://example.com/sync/10', propertyUpdate: true, keyRotation: false });
    expect(parsePushMessage(`<push-message xmlns="https://bitfire.at/webdav-push"><topic>t</topic><content-update/></push-message>`)).toMatchObject({ topic: 't', syncToken: undefined });
  });

  it('recognises a VAPID key rotation message (no topic, a property update naming transports)', () => {
    const body = `<P:push-message ${NS}><P:property-update><D:prop><P:transports/></D:prop></P:property-update></P:push-message>`;
    expect(parsePushMessage(body)).toMatchObject({ topic: undefined, keyRotation: true });
  });

  it('refuses what is not a push message, as VALIDATION', () => {
    for (const body of ['', 'not xml', '<!DOCTYPE x [<!ENTITY a "b">]><P:push-message xmlns:P="https://bitfire.at/webdav-push"/>', `<D:multistatus ${NS}/>`, `<P:push-message ${NS}><P:content-update/></P:push-message>`]) {
      expect(() => parsePushMessage(body), body).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    }
  });
});
