// "Needs attention": what waits for a person, in plain words ("1 change needs your decision",
// "Outlook sign-in expired"), each with the button that deals with it. Hidden when all is well.
import { h, replace, $ } from './dom.js';

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

export function renderAttention({ integrations, conflicts, deadLetters, onReconnect }) {
  const items = [];
  if (conflicts > 0) {
    items.push(h('li', {}, `${plural(conflicts, 'change needs', 'changes need')} your decision. `, h('a', { href: '#conflicts' }, 'Decide now')));
  }
  for (const i of integrations) {
    if (i.status === 'needs_reauth') {
      const what = i.provider === 'outlook' ? 'Outlook sign-in expired' : i.provider === 'icloud' ? 'iCloud stopped accepting the app-specific password' : 'The calendar server stopped accepting the password';
      items.push(h('li', { 'data-testid': 'attention-reauth' }, `${what} for “${i.name}”. `,
        i.provider === 'outlook' ? h('span', {}, 'Sign in again as the same mailbox: ', h('code', {}, 'calsync connect outlook'))  : h('button', { type: 'button', class: 'small primary', onclick: () => onReconnect(i) }, 'Sign in again')));
    } else if (i.status === 'flagged') {
      items.push(h('li', {}, `Syncing “${i.name}” is paused: ${i.statusReason ?? 'a safety check stopped it'}.`));
    }
  }
  if (deadLetters > 0) items.push(h('li', {}, `${plural(deadLetters, 'update', 'updates')} could not be sent. `, h('a', { href: '#dead-letters' }, 'See what failed')));
  $('attention').hidden = items.length === 0;
  replace($('attention-list'), items);
}
