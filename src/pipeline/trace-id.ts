/** The W3C trace id of a record's `traceparent` header (`00-<32 hex>-<16 hex>-<2 hex>`), if valid. */
export function traceIdOf(headers: Readonly<Record<string, Buffer | undefined>>): string | null {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(
    headers.traceparent?.toString() ?? '',
  );
  return match && match[1] !== '0'.repeat(32) ? match[1]! : null;
}
