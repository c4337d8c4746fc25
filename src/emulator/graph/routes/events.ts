/** `/events`: list, create, get, update, delete, cancel (api/user-list-events.md, event-*.md). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type EmulatorContext, header, linkWith, mailboxOf, odataContext, queryOf, renderOptions } from '../context.js';
import { parseEventInput } from '../event-input.js';
import { type RenderOptions, renderInstance } from '../event-json.js';
import { notFound } from '../graph-error.js';
import { asSingle } from '../instances.js';
import type { Mailbox } from '../model.js';
import { parseFilter, parseIntParam, parseOrderBy } from '../odata.js';
import { calendarPaths, ownerPaths } from './owners.js';

interface CalendarParams {
  userId?: string;
  calendarId?: string;
}

export function calendarIdOf(ctx: EmulatorContext, mb: Mailbox, req: FastifyRequest): string {
  const { calendarId } = req.params as CalendarParams;
  return calendarId === undefined ? mb.defaultCalendarId : ctx.store.calendar(mb, calendarId).id;
}

export function registerEventRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  for (const { path } of calendarPaths('/events')) {
    app.get(path, async (req) => {
      const mb = mailboxOf(ctx, req);
      const calendarId = calendarIdOf(ctx, mb, req);
      const q = queryOf(req);
      const top = parseIntParam(q, '$top', ctx.pageSize);
      const skip = parseIntParam(q, '$skip', 0);
      const filter = parseFilter(q);
      const opts = renderOptions(ctx, req);
      const all = ctx.store.listEvents(mb, calendarId).map(asSingle).filter((i) => !filter || filter(i));
      const order = parseOrderBy(q);
      if (order) all.sort(order);
      const page = all.slice(skip, skip + top);
      return {
        '@odata.context': odataContext(ctx, req, mb, 'events'),
        value: page.map((i) => renderInstance(i, mb, opts)),
        ...(skip + top < all.length ? { '@odata.nextLink': linkWith(ctx, req, { $skip: String(skip + top) }) } : {}),
      };
    });

    app.post(path, async (req, reply) => {
      const mb = mailboxOf(ctx, req);
      const calendarId = calendarIdOf(ctx, mb, req);
      const input = parseEventInput(req.body);
      const { event } = ctx.store.createEvent(mb, calendarId, input);
      // The create response does not echo extended properties (they are read with $expand).
      const body = renderInstance(asSingle(event), mb, writeAnswerOptions(ctx, req));
      return reply.code(201).header('location', `${linkWith(ctx, req, {}).split('?')[0]}/${String(body.id)}`).send({ '@odata.context': odataContext(ctx, req, mb, 'events/$entity'), ...body });
    });
  }

  for (const path of [...ownerPaths('/events/:eventId'), ...calendarPaths('/events/:eventId').map((p) => p.path).filter((p) => p.includes('/calendar'))]) {
    app.get(path, async (req) => {
      const mb = mailboxOf(ctx, req);
      const inst = ctx.store.instance(mb, eventIdOf(req));
      // Through a calendar, an event of another calendar (one moved away, say) is not found.
      if (path.includes('/calendar') && inst.event.calendarId !== calendarIdOf(ctx, mb, req)) throw notFound();
      return { '@odata.context': odataContext(ctx, req, mb, 'events/$entity'), ...renderInstance(inst, mb, renderOptions(ctx, req)) };
    });

    app.patch(path, async (req) => {
      const mb = mailboxOf(ctx, req);
      const inst = ctx.store.updateInstance(mb, eventIdOf(req), parseEventInput(req.body), header(req, 'if-match'));
      return { '@odata.context': odataContext(ctx, req, mb, 'events/$entity'), ...renderInstance(inst, mb, writeAnswerOptions(ctx, req)) };
    });

    app.delete(path, async (req, reply) => {
      const mb = mailboxOf(ctx, req);
      ctx.store.deleteInstance(mb, eventIdOf(req), header(req, 'if-match'));
      return reply.code(204).send();
    });

    // Cancelling (organizer) removes the meeting or the one occurrence, like a delete that notifies attendees.
    app.post(`${path}/cancel`, async (req, reply) => {
      const mb = mailboxOf(ctx, req);
      ctx.store.deleteInstance(mb, eventIdOf(req), undefined);
      return reply.code(202).send();
    });
  }
}

/** A POST/PATCH answer: rendered as a GET would be, without $select or extended properties. */
function writeAnswerOptions(ctx: EmulatorContext, req: FastifyRequest): RenderOptions {
  const { expandExtended: _ignored, ...opts } = renderOptions(ctx, req, { select: false });
  return opts;
}

function eventIdOf(req: FastifyRequest): string {
  return (req.params as { eventId: string }).eventId;
}
