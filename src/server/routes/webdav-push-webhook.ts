/**
 * The WebDAV-Push webhook: `POST /webhooks/webdav-push/<tenant>.<calendar>.<secret>`, where CalDAV
 * servers deliver Web Push messages for our registrations (draft-bitfire-webdav-push; calsync is its own
 * push service). No API key: the unguessable URL, the server's VAPID signature and the RFC 8291
 * encryption authenticate the sender (see `service/webdav-push/push-intake.ts`).
 *
 * Answers 201 once the sync is durably queued — the sync never runs inside the request. Refusals are
 * 4xx with the usual `{error:{code,message}}` body and change nothing: 404 unknown subscription (the
 * server should drop it), 400 not `aes128gcm` / not decryptable / not a push message, 401/403 VAPID,
 * 413 larger than a Web Push message can be, 415 when the body is not `application/octet-stream`
 * (RFC 8030 §5 / RFC 8291: an `aes128gcm` encrypted message) — nothing is read then.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpStatusFor, isCalsyncError } from '../../errors.js';
import type { PushIntake } from '../../service/webdav-push/push-intake.js';
import { WEBDAV_PUSH_PATH } from '../../service/webdav-push/push-urls.js';

export interface WebDavPushWebhookDeps {
  intake: PushIntake;
  /** Largest body accepted, bytes. Default 8 KiB (Web Push payloads are at most 4 KiB, RFC 8030 §7.2). */
  bodyLimit?: number;
}

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export async function webdavPushRoutes(app: FastifyInstance, deps: WebDavPushWebhookDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimit ?? 8 * 1024 }, (_req, body, done) => done(null, body));

  // A wildcard, not `:id`: the id is longer than the router's 100-character limit for parameters.
  const onRequest = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const type = header(req.headers['content-type'])?.split(';', 1)[0]?.trim().toLowerCase();
    if (type === 'application/octet-stream') return undefined;
    return reply.code(415).send({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'a Web Push message is application/octet-stream with Content-Encoding: aes128gcm' } });
  };
  app.post(`${WEBDAV_PUSH_PATH}/*`, { onRequest }, async (req, reply) => {
    const resourceId = (req.params as { '*': string })['*'];
    try {
      const outcome = await deps.intake.receive({
        resourceId,
        contentEncoding: header(req.headers['content-encoding']),
        authorization: header(req.headers.authorization),
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      });
      req.log.debug({ outcome }, 'webdav-push message');
      return await reply.code(201).send();
    } catch (err) {
      if (isCalsyncError(err) && httpStatusFor(err) < 500) req.log.warn({ code: err.code, reason: err.message }, 'webdav-push message refused');
      throw err;
    }
  });
}
