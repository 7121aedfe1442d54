// Who wrote a template version and why, as S3 keeps it: user-defined object metadata, sent in
// headers (ASCII only) and limited to 2 KB for all names and values together. Values are
// percent-encoded, so whatever a user types arrives, and the use cases refuse what would not fit.
export const metadataNames = { updatedBy: 'updated-by', note: 'note' } as const;

/** S3's limit on user-defined metadata, names (with their x-amz-meta- prefix) and values. */
const METADATA_BYTES = 2048;

export function encodeMetadata(value: string): string {
  return encodeURIComponent(value);
}

/** The value as written; one written by other tools (not percent-encoded) reads as it is. */
export function decodeMetadata(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function metadataFits(updatedBy: string, note: string | null): boolean {
  const names = Object.values(metadataNames).reduce((sum, name) => sum + `x-amz-meta-${name}`.length, 0);
  const values = encodeMetadata(updatedBy).length + encodeMetadata(note ?? '').length;
  return names + values <= METADATA_BYTES;
}
