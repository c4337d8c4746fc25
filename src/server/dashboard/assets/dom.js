// Building DOM nodes safely. Every piece of data goes in as a text node or an attribute value —
// never through innerHTML — so an event titled `<script>` shows up as exactly that text.

/**
 * h('button', {class: 'primary', onclick: fn, dataset: {id}}, 'Label', child, …)
 * Attributes: `class`, `dataset`, `on<event>` handlers, boolean `true`/`false`, anything else as text.
 * Children: strings/numbers (text nodes), nodes, arrays of those; null/undefined/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

export const $ = (id) => document.getElementById(id);

/** Shows `message` in the banner for a while (errors stay until the next message). */
let bannerTimer;
export function notify(message, kind = 'info') {
  const banner = $('banner');
  banner.textContent = message;
  banner.dataset.kind = kind;
  banner.hidden = false;
  clearTimeout(bannerTimer);
  if (kind !== 'error') bannerTimer = setTimeout(() => (banner.hidden = true), 6000);
}
