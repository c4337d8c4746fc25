/** Every user-scoped route exists under `/me` and `/users/{id | userPrincipalName}`. */
export function ownerPaths(path: string): string[] {
  return [`/v1.0/me${path}`, `/v1.0/users/:userId${path}`];
}

/** Calendar-scoped routes: default calendar via `/…` or `/calendar/…`, any via `/calendars/{id}/…`. */
export function calendarPaths(path: string): { path: string; calendar: 'default' | 'param' }[] {
  return [
    ...ownerPaths(path).map((p) => ({ path: p, calendar: 'default' as const })),
    ...ownerPaths(`/calendar${path}`).map((p) => ({ path: p, calendar: 'default' as const })),
    ...ownerPaths(`/calendars/:calendarId${path}`).map((p) => ({ path: p, calendar: 'param' as const })),
  ];
}
