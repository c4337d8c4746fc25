/** Reading the calendar properties servers return, with the quirks of the ones we know. */
import { CALDAV, DAV } from './names.js';
import { childrenNamed, type XmlElement } from './xml.js';

/**
 * Report names (Clark notation) in a `DAV:supported-report-set`. RFC 3253 nests each name in
 * `supported-report/report/<name>`; Xandikos 0.2.8 leaves out the `report` level, so any element
 * below `supported-report` counts.
 */
export function reportNames(set: XmlElement | undefined): Set<string> {
  const names = new Set<string>();
  for (const supported of childrenNamed(set, DAV.supportedReport)) {
    for (const item of supported.children) {
      if (item.name === DAV.report.clark) item.children.forEach((r) => names.add(r.name));
      else names.add(item.name);
    }
  }
  return names;
}

/** Component names (`VEVENT`, `VTODO`) in `C:supported-calendar-component-set`; undefined if absent. */
export function componentNames(set: XmlElement | undefined): string[] | undefined {
  if (!set) return undefined;
  return childrenNamed(set, CALDAV.comp).flatMap((c) => (c.attrs['name'] ? [c.attrs['name'].toUpperCase()] : []));
}

/**
 * May we write? Read from `current-user-privilege-set` when the server sent it; servers that do not
 * (several CalDAV servers omit it) are assumed writable and a refused write surfaces as an error.
 */
export function isWritable(privileges: XmlElement | undefined): boolean {
  if (!privileges) return true;
  const granted = new Set(childrenNamed(privileges, DAV.privilege).flatMap((p) => p.children.map((c) => c.name)));
  return granted.has(DAV.all.clark) || granted.has(DAV.write.clark) || granted.has(DAV.writeContent.clark);
}

/** Apple's calendar-color is `#RRGGBBAA`; the alpha is dropped (always opaque in practice). */
export function normalizeColor(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  const match = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(trimmed);
  return match ? `#${match[1]?.toUpperCase()}` : trimmed;
}

export function isCalendar(resourcetype: XmlElement | undefined): boolean {
  return resourcetype?.children.some((c) => c.name === CALDAV.calendar.clark) ?? false;
}
