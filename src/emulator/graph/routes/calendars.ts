/** `/calendars` and `/calendar` (api/user-list-calendars.md, calendar-*.md). */
import type { FastifyInstance } from 'fastify';
import { type EmulatorContext, mailboxOf, odataContext } from '../context.js';
import { renderCalendar } from '../event-json.js';
import { ownerPaths } from './owners.js';

export function registerCalendarRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  for (const path of ownerPaths('/calendars')) {
    app.get(path, async (req) => {
      const mb = mailboxOf(ctx, req);
      return { '@odata.context': odataContext(ctx, req, mb, 'calendars'), value: [...mb.calendars.values()].map((c) => renderCalendar(c, mb)) };
    });
    app.post(path, async (req, reply) => {
      const mb = mailboxOf(ctx, req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const cal = ctx.store.createCalendar(mb, body.name, body.color);
      return reply.code(201).send({ '@odata.context': odataContext(ctx, req, mb, 'calendars/$entity'), ...renderCalendar(cal, mb) });
    });
  }

  for (const path of ownerPaths('/calendar')) {
    app.get(path, async (req) => {
      const mb = mailboxOf(ctx, req);
      return { '@odata.context': odataContext(ctx, req, mb, 'calendars/$entity'), ...renderCalendar(ctx.store.calendar(mb, mb.defaultCalendarId), mb) };
    });
  }

  for (const path of ownerPaths('/calendars/:calendarId')) {
    app.get(path, async (req) => {
      const mb = mailboxOf(ctx, req);
      const cal = ctx.store.calendar(mb, (req.params as { calendarId: string }).calendarId);
      return { '@odata.context': odataContext(ctx, req, mb, 'calendars/$entity'), ...renderCalendar(cal, mb) };
    });
    app.patch(path, async (req) => {
      const mb = mailboxOf(ctx, req);
      const cal = ctx.store.updateCalendar(mb, (req.params as { calendarId: string }).calendarId, (req.body ?? {}) as Record<string, unknown>);
      return { '@odata.context': odataContext(ctx, req, mb, 'calendars/$entity'), ...renderCalendar(cal, mb) };
    });
    app.delete(path, async (req, reply) => {
      const mb = mailboxOf(ctx, req);
      ctx.store.deleteCalendar(mb, (req.params as { calendarId: string }).calendarId);
      return reply.code(204).send();
    });
  }
}
