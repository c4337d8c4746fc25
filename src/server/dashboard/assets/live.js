// The live status feed: the `/ws` WebSocket (authenticated by the session cookie: no key in the URL),
// reconnecting with backoff.
// Every message is handed to `onMessage`; the header pill shows whether the feed is up.
import { $ } from './dom.js';

const STATES = { online: 'Live', connecting: 'Connecting…', offline: 'Offline — retrying' };

function show(state) {
  const pill = $('live-state');
  pill.dataset.state = state;
  pill.querySelector('.label').textContent = STATES[state];
}

export function connectLive({ onMessage, onOpen }) {
  let socket;
  let retryMs = 500;
  let closed = false;

  const open = () => {
    show('connecting');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(`${scheme}//${location.host}/ws`);
    socket.addEventListener('open', () => {
      retryMs = 500;
      show('online');
      onOpen?.();
    });
    socket.addEventListener('message', (e) => {
      let message;
      try {
        message = JSON.parse(e.data);
      } catch {
        return; // not ours to interpret
      }
      onMessage(message);
    });
    socket.addEventListener('close', () => {
      if (closed) return;
      show('offline');
      // Back off up to 15 s so a restarting server is not hammered.
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 15_000);
    });
  };
  open();
  return {
    close() {
      closed = true;
      socket?.close();
      show('offline');
    },
  };
}
