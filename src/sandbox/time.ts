/** The sandbox keeps times as epoch milliseconds; the API shows them as ISO 8601. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
