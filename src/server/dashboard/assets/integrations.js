// The "Your calendars" cards: one per integration, with its state in plain words, its calendars — each
// with an on/off switch, the direction it syncs in (PATCH /calendars/:id) and "Sync now" — and the
// technical detail (lag, push channel, connection) one click away under "Details".
import { api } from './api.js';
import { h, notify, replace, $ } from './dom.js';
import { ago, duration, when } from './format.js';
import { openConnect } from './connect.js';

const PROVIDERS = {
  outlook: { label: 'Outlook', icon: 'O' },
  caldav: { label: 'CalDAV', icon: 'C' },
  icloud: { label: 'Apple iCloud', icon: '' },
  memory: { label: 'Test calendar', icon: 'M' },
};

/**
 * healthy / warning / failing from the integration's status and health numbers:
 * failing = needs re-auth, flagged, a failing sync or an open circuit; warning = something waits for a
 * person (conflicts, failed jobs), the last success is old, or an Outlook mailbox is close to its
 * Graph request budget (requests will soon wait for the next 10-minute window).
 */
export function healthLevel(integration, health) {
  if (integration.status === 'needs_reauth' || integration.status === 'flagged') return 'failing';
  if (integration.status === 'disabled') return 'warning';
  if (!health) return 'unknown';
  if (health.lastError || health.circuit === 'open') return 'failing';
  if (health.openConflicts > 0 || health.deadLetters > 0 || health.circuit === 'half-open' || (health.lagS ?? 0) > 3600 || health.requestBudget?.near) return 'warning';
  return health.healthy === false ? 'warning' : 'healthy';
}

const LEVEL_TEXT = { healthy: 'All good', warning: 'Needs attention', failing: 'Not syncing', unknown: 'Not synced yet' };
const STATUS_TEXT = { needs_reauth: 'Sign-in needed', flagged: 'Paused by a safety check', disabled: 'Turned off' };
const DIRECTIONS = [
  ['two_way', 'Both ways'],
  ['import_only', 'Into WedSync only'],
  ['export_only', 'From WedSync only'],
];

/** Why a calendar is not healthy, in plain words (the service's own words stay under Details). */
function plainReason(integration, health) {
  if (integration.status === 'needs_reauth') return integration.provider === 'outlook' ? 'Outlook sign-in expired: connect Outlook again.' : 'The password stopped working: sign in again.';
  if (integration.status === 'flagged') return 'Paused by a safety check so nothing gets lost. Look at the details, then sync again.';
  if (!health) return undefined;
  if (health.openConflicts > 0) return `${health.openConflicts} change${health.openConflicts === 1 ? ' needs' : 's need'} your decision.`;
  if (health.circuit === 'open') return 'The calendar server is not answering; calsync keeps trying.';
  if (health.lastError) return 'The last sync did not finish; calsync tries again by itself.';
  if (health.deadLetters > 0) return `${health.deadLetters} update${health.deadLetters === 1 ? '' : 's'} could not be sent.`;
  return undefined;
}

function stat(label, value, testid) {
  return h('div', { class: 'stat' }, h('dt', {}, label), h('dd', testid ? { 'data-testid': testid } : {}, value));
}

/** The calendar's colour dot; set through CSSOM (allowed by the CSP), only for plain colour values. */
function swatch(color) {
  const dot = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  if (typeof color === 'string' && /^#[0-9a-f]{3,8}$|^[a-z]{3,20}$/i.test(color)) dot.style.background = color;
  return dot;
}

/** How changes reach us: pushed (Graph subscription, WebDAV-Push) or found by polling. */
function pushBadge(calendar) {
  const push = calendar.push;
  if (!calendar.enabled || !push) return null;
  if (push.active) {
    const via = push.via === 'graph' ? 'Outlook notifications' : 'WebDAV-Push';
    const until = push.expiresAt ? `, renewed before ${when(push.expiresAt)}` : '';
    return h('span', { class: 'push live', 'data-testid': 'push-state', title: `Changes arrive at once through ${via}${until}` }, 'instant');
  }
  return h('span', { class: 'push polled', 'data-testid': 'push-state', title: push.note ? `Checked every few minutes: ${push.note}` : 'Checked every few minutes' }, 'every few min');
}

let onChange = async () => undefined;

function calendarRow(calendar) {
  const button = h('button', {
    type: 'button',
    class: 'primary small',
    'data-testid': 'sync-now',
    'aria-label': `Sync now: ${calendar.name}`,
    dataset: { calendarId: calendar.id },
    disabled: !calendar.enabled,
    onclick: async () => {
      button.disabled = true;
      try {
        await api.syncCalendar(calendar.id);
        notify(`Sync of “${calendar.name}” queued`);
      } catch (err) {
        notify(`Could not start the sync: ${err.message}`, 'error');
      } finally {
        setTimeout(() => (button.disabled = false), 1500);
      }
    },
  }, 'Sync now');
  const patch = async (change, done) => {
    try {
      await api.updateCalendar(calendar.id, change);
      notify(done);
    } catch (err) {
      notify(`Could not change “${calendar.name}”: ${err.message}`, 'error');
    }
    await onChange();
  };
  const toggleId = `cal-on-${calendar.id}`;
  const directionId = `cal-dir-${calendar.id}`;
  return h('li', { class: 'calendar-row', 'data-testid': 'calendar-row', dataset: { calendarId: calendar.id } },
    h('span', { class: 'calendar-on' },
      h('input', { type: 'checkbox', id: toggleId, checked: calendar.enabled, 'data-testid': 'calendar-enabled',
        onchange: (e) => patch({ enabled: e.target.checked }, e.target.checked ? `“${calendar.name}” syncs now` : `“${calendar.name}” is no longer synced`) }),
      h('label', { for: toggleId }, swatch(calendar.color), h('span', { class: 'calendar-name' }, calendar.name))),
    h('span', { class: 'calendar-controls' },
      h('label', { class: 'sr-only', for: directionId }, `How “${calendar.name}” syncs`),
      h('select', { id: directionId, 'data-testid': 'calendar-direction', disabled: !calendar.enabled,
        onchange: (e) => patch({ direction: e.target.value }, `“${calendar.name}”: ${DIRECTIONS.find(([v]) => v === e.target.value)?.[1].toLowerCase()}`) },
        DIRECTIONS.map(([value, label]) => h('option', { value, selected: calendar.direction === value }, label))),
      pushBadge(calendar),
      button),
  );
}

function card(integration, health, calendars) {
  const level = healthLevel(integration, health);
  const provider = PROVIDERS[integration.provider] ?? { label: integration.provider, icon: '?' };
  // In plain words on the card; the service's own words (GET /health `reasons`, the last error) under Details.
  const reason = plainReason(integration, health);
  const technical = integration.statusReason ?? (health?.reasons?.length ? health.reasons.join(' · ') : health?.lastError);
  const reauth = integration.status === 'needs_reauth' && integration.provider !== 'outlook'
    ? h('button', { type: 'button', class: 'primary small', 'data-testid': 'reconnect', onclick: () => openConnect(integration) }, 'Sign in again')
    : null;
  return h('article', { class: `card level-${level}`, 'data-testid': 'integration-card', dataset: { integrationId: integration.id, level } },
    h('header', { class: 'card-head' },
      h('span', { class: `provider-icon provider-${integration.provider}`, 'aria-hidden': 'true' }, provider.icon),
      h('div', { class: 'card-title' }, h('h3', {}, integration.name), h('span', { class: 'provider-label' }, provider.label)),
      h('span', { class: `badge badge-${level}`, 'data-testid': 'health' }, STATUS_TEXT[integration.status] ?? LEVEL_TEXT[level]),
    ),
    reason ? h('p', { class: 'reason', 'data-testid': 'reason' }, reason, reauth ? ' ' : null, reauth) : null,
    h('p', { class: 'muted last-sync' }, `Last synced ${ago(health?.lastSuccessAt ?? undefined)}`),
    health?.requestBudget?.near ? h('p', { class: 'muted', 'data-testid': 'request-budget' }, `Close to Outlook's request limit: ${health.requestBudget.used} of ${health.requestBudget.limit} requests, resets ${ago(health.requestBudget.resetsAt)}`) : null,
    h('ul', { class: 'calendar-rows' }, calendars.map(calendarRow)),
    h('details', { class: 'technical' },
      h('summary', {}, 'Details'),
      technical ? h('p', { class: 'tech-reason' }, technical) : null,
      h('dl', { class: 'stats' },
        stat('Last success', when(health?.lastSuccessAt ?? undefined)),
        stat('Behind by', health?.lagS === null || health?.lagS === undefined ? '—' : duration(health.lagS * 1000)),
        stat('To decide', String(health?.openConflicts ?? '—'), 'conflict-count'),
        stat('Not sent', String(health?.deadLetters ?? '—')),
        stat('Server', health?.circuit ? circuitText(health.circuit) : 'answering'),
        health?.subscriptionExpiresAt ? stat('Instant updates until', when(health.subscriptionExpiresAt)) : null,
        health?.canRefreshToken === false ? stat('Sign-in', 'expired') : null,
      )),
  );
}

function circuitText(circuit) {
  return { closed: 'answering', open: 'not answering (paused)', 'half-open': 'trying again' }[circuit] ?? circuit;
}

/** Health per integration id, from the integration itself or from GET /health. */
function healthIndex(healthBody) {
  const index = new Map();
  const rows = Array.isArray(healthBody) ? healthBody : healthBody?.integrations ?? [];
  for (const row of rows) index.set(row.integrationId ?? row.id, row.health ?? row);
  return index;
}

export async function renderIntegrations({ changed } = {}) {
  if (changed) onChange = changed;
  const [integrations, calendars, healthBody] = await Promise.all([api.integrations(), api.calendars(), api.health().catch(() => undefined)]);
  const health = healthIndex(healthBody);
  const el = $('integration-cards');
  if (integrations.length === 0) {
    replace(el, h('p', { class: 'empty' }, 'No calendars connected yet. Press “Connect a calendar” to add your iCloud or another calendar.'));
    return { integrations, calendars, health: healthBody };
  }
  replace(el, integrations.map((i) => card(i, i.health || health.has(i.id) ? { ...i.health, ...health.get(i.id) } : undefined, calendars.filter((c) => c.integrationId === i.id))));
  return { integrations, calendars, health: healthBody };
}
