/** An ical.js `Time` for a wall-clock instant held as UTC-based milliseconds (the model's local form). */
import ICAL from 'ical.js';

type IcalTime = InstanceType<typeof ICAL.Time>;
type IcalTimezone = InstanceType<typeof ICAL.Timezone>;

export function icalTimeFromLocalMs(localMs: number, isDate: boolean, zone?: IcalTimezone): IcalTime {
  const d = new Date(localMs);
  return ICAL.Time.fromData(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      isDate,
    },
    zone,
  );
}
