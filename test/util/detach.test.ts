import { describe, expect, it } from 'vitest';
import { detach, detachStrings } from '../../src/util/detach.js';

describe('detach', () => {
  it('returns an equal string, short or long, ASCII or not', () => {
    const parent = `${'x'.repeat(50_000)}Zoë’s 👰 venue visit${'y'.repeat(50_000)}`;
    const slice = parent.slice(50_000, 50_000 + 'Zoë’s 👰 venue visit'.length);
    expect(detach(slice)).toBe('Zoë’s 👰 venue visit');
    expect(detach('short')).toBe('short');
    expect(detach('')).toBe('');
  });

  it('detaches every string of plain objects and arrays in place, leaving other values alone', () => {
    const text = `${'-'.repeat(100)}Planning meeting with the couple|planner@weddings.test`;
    const event = {
      title: text.slice(100, 132),
      attendees: [{ email: text.slice(133), name: 'Jo' }],
      categories: ['Meetings', text.slice(100, 116)],
      sequence: 3,
      nothing: null,
      missing: undefined,
      nested: [[text.slice(100, 116)]],
    };
    const same = detachStrings(event);
    expect(same).toBe(event);
    expect(event).toEqual({
      title: 'Planning meeting with the couple',
      attendees: [{ email: 'planner@weddings.test', name: 'Jo' }],
      categories: ['Meetings', 'Planning meeting'],
      sequence: 3,
      nothing: null,
      missing: undefined,
      nested: [['Planning meeting']],
    });
    expect(detachStrings('a string')).toBe('a string');
    expect(detachStrings(null)).toBe(null);
    expect(detachStrings(7)).toBe(7);
  });
});
