// Identifiers the service mints: a short kind prefix and a random UUID without dashes, e.g.
// `conv_3f9a…`, `sess_…`, `anls_…`, `sugg_…`.
import { randomUUID } from 'node:crypto';

export const newId = (prefix: string): string => `${prefix}_${randomUUID().replaceAll('-', '')}`;
