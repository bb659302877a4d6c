/**
 * The one way this server writes diagnostics: to stderr (stdout carries MCP messages only), with every
 * registered secret masked, so a token that slipped into an error message still never reaches a log.
 */
const secrets = new Set<string>();

export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 4) secrets.add(secret);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

export function log(message: string): void {
  process.stderr.write(`[prolific-mcp] ${redact(message)}\n`);
}

/** One JSON line on stderr, for log pipelines (access logs); masked like every other line. */
export function logEvent(fields: Record<string, unknown>): void {
  process.stderr.write(`${redact(JSON.stringify({ time: new Date().toISOString(), ...fields }))}\n`);
}
