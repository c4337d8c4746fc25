/**
 * Microsoft Graph webhooks (graph.md, "Subscriptions", "Notifications", "Lifecycle notifications").
 *
 * - `POST …?validationToken=…` (both URLs): the handshake — 200, text/plain, the decoded token.
 * - `POST /webhooks/graph/notify?t=<tenant>&c=<calendar>`: change notifications. The body is
 *   schema-checked (malformed → 400, nothing enqueued); each notification's subscription id and
 *   clientState are checked against the calendar's subscription; the verified ones become one durable,
 *   coalesced delta-sync job, and the answer is 202 — the sync never runs inside the request, because
 *   Graph throttles and then drops endpoints slower than ~3 s. Well-formed notifications that do not
 *   verify are ignored but still answered 202, so Graph does not retry them for hours.
 * - `POST /webhooks/graph/lifecycle?t=…&c=…`: lifecycle notifications, handled the same way; an event
 *   name calsync does not know is accepted (202) and logged, the batch's other items handled.
 *
 * The routes live in their own plugin: Graph posts the handshake as text/plain and notifications as
 * JSON, and both are read as raw text here and parsed once. A notification must come as
 * `application/json` (any parameters, e.g. charset), as Graph sends it: anything else, or none, is 415
 * and nothing is read. The handshake answer carries `X-Content-Type-Options: nosniff`, so the echoed
 * token can never be sniffed into markup. A body holding U+0000 anywhere is 400 (finding 9).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { NotificationIntake } from '../../service/outlook/notification-intake.js';
import { LIFECYCLE_PATH, NOTIFY_PATH } from '../../service/outlook/webhook-urls.js';
import { containsNul } from '../edge/nul-guard.js';

export interface GraphWebhookDeps {
  intake: NotificationIntake;
  /** Largest notification body accepted, bytes. Default 256 KiB (Graph batches at most a few hundred). */
  bodyLimit?: number;
}

const text = z.string().min(1).max(512);
const changeSchema = z.object({
  value: z
    .array(
      z.object({
        subscriptionId: text,
        clientState: z.string().max(512).nullish(),
        changeType: z.string().max(64).optional(),
        resource: z.string().max(2048).optional(),
        resourceData: z.object({ id: z.string().max(512).optional() }).passthrough().nullish(),
      }).passthrough(),
    )
    .min(1)
    .max(1000),
});
const lifecycleSchema = z.object({
  value: z
    .array(
      z.object({
        subscriptionId: text,
        clientState: z.string().max(512).nullish(),
        // Any name: Graph may add lifecycle events (it has before); one calsync does not know is logged
        // by the intake, never a 400 that Graph would retry for hours, losing the batch's valid items.
        lifecycleEvent: z.string().min(1).max(128),
      }).passthrough(),
    )
    .min(1)
    .max(1000),
});
const targetSchema = z.object({ t: text, c: text });

type Query = Record<string, string | undefined>;

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: { code: 'VALIDATION', message } });
}

function parseJson(body: unknown): unknown {
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** The handshake: Fastify has already URL-decoded the query value. */
function answerValidation(req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const token = (req.query as Query).validationToken;
  if (token === undefined) return undefined;
  return reply.code(200).type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(token);
}

/** `application/json`, with or without parameters: what Graph sends notifications as. */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  return value.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

export async function graphWebhookRoutes(app: FastifyInstance, deps: GraphWebhookDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: deps.bodyLimit ?? 256 * 1024 }, (_req, body, done) => done(null, body));

  const route = <S extends typeof changeSchema | typeof lifecycleSchema>(
    path: string,
    schema: S,
    handle: (tenantId: string, calendarId: string, value: z.infer<S>['value']) => Promise<unknown>,
  ): void => {
    // Checked before the body is read: a notification that is not JSON is refused unread.
    const onRequest = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      if ((req.query as Query).validationToken !== undefined || isJsonContentType(req.headers['content-type'])) return undefined;
      return reply.code(415).send({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Graph notifications are application/json' } });
    };
    app.post(path, { onRequest }, async (req, reply) => {
      const handshake = answerValidation(req, reply);
      if (handshake) return handshake;
      const target = targetSchema.safeParse(req.query);
      if (!target.success) return badRequest(reply, 'the notification URL lacks its tenant and calendar');
      const json = parseJson(req.body);
      if (containsNul(json)) return badRequest(reply, 'the notification holds a NUL character');
      const parsed = schema.safeParse(json);
      if (!parsed.success) return badRequest(reply, 'not a Graph notification body');
      await handle(target.data.t, target.data.c, parsed.data.value as z.infer<S>['value']);
      return reply.code(202).send();
    });
  };

  route(NOTIFY_PATH, changeSchema, (t, c, value) => deps.intake.changes(t, c, value));
  route(LIFECYCLE_PATH, lifecycleSchema, (t, c, value) => deps.intake.lifecycle(t, c, value));
}
