/**
 * Fixed names the connector shares with every mailbox it has ever written to. Changing any of them
 * orphans the ids already stamped on events, so they are constants, not configuration.
 */

/** Our property-set GUID for single-value extended properties (MAPI named properties). */
export const CALSYNC_PROPERTY_SET = '{6a3b5e2c-4f1d-4c8e-9b7a-2d1e0f3c5a81}';

/** The hub id we stamp on every event we write (loop suppression, orphan matching). */
export const HUB_ID_PROPERTY = `String ${CALSYNC_PROPERTY_SET} Name calsyncId`;

/**
 * The iCalendar UID of the hub event. Graph assigns `iCalUId` itself and never accepts ours, so the UID
 * that is stable across systems travels in this property; `iCalUId` is the fallback for foreign events.
 */
export const UID_PROPERTY = `String ${CALSYNC_PROPERTY_SET} Name calsyncUid`;

/**
 * The model event as we last wrote it (JSON). Outlook cannot hold everything the hub has (attendee
 * RSVP, iCalendar properties it does not know, wedding fields, STATUS, …); while Outlook's own view of
 * the event is still what we wrote, this copy is the faithful one (see mapping/snapshot.ts).
 */
export const MODEL_PROPERTY = `String ${CALSYNC_PROPERTY_SET} Name calsyncModel`;

/** `$expand` that returns our properties with an event (the create response never echoes them). */
export const EXPAND_OUR_PROPERTIES = `singleValueExtendedProperties($filter=id eq '${HUB_ID_PROPERTY}' or id eq '${UID_PROPERTY}' or id eq '${MODEL_PROPERTY}')`;

/** Delegated scopes: refresh tokens need offline_access. */
export const GRAPH_SCOPES: readonly string[] = ['offline_access', 'Calendars.ReadWrite'];

export const GRAPH_V1_BASE_URL = 'https://graph.microsoft.com/v1.0';

/** Outlook allows 4 concurrent requests per app and mailbox (concepts/throttling.md). */
export const OUTLOOK_MAX_CONCURRENCY = 4;

/**
 * Sent with every request (and every inner `$batch` request: the header applies only to the request
 * carrying it). Outlook ids otherwise change when an event moves to another calendar, which would
 * orphan our links (outlook-immutable-id.md).
 */
export const PREFER_IMMUTABLE_ID = 'IdType="ImmutableId"';

/** `$batch` accepts at most 20 requests (concepts/json-batching.md). */
export const BATCH_LIMIT = 20;

/** The provider's name in `Recurrence.unsupportedBy` and `Unmodelled.provider`. */
export const GRAPH_PROVIDER_KIND = 'graph';
