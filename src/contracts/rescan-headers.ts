/**
 * The rescan contract: a pin to rescan travels on RESCAN_TOPIC as the PinCreated bytes exactly as
 * first read (same key, same schema id), with these headers. Only records read from RESCAN_TOPIC are
 * trusted to carry them; on the input topic they are ignored.
 *
 * | header                 | value (UTF-8 text)                                          |
 * | ---------------------- | ----------------------------------------------------------- |
 * | `iw-rescan-attempt`    | n >= 1: this record is the n-th rescan of the pin's event   |
 * | `iw-rescan-not-before` | ms since the epoch: do not rescan before this time           |
 * | `iw-rescan-reason`     | the IW_* code of the transient failure that asked for it    |
 * | `iw-rescan-origin`     | `<topic>/<partition>/<offset>` of the PinCreated first read  |
 */
import type { InputMessage } from './input-message.js';

export const RESCAN_HEADERS = Object.freeze({
  attempt: 'iw-rescan-attempt',
  notBefore: 'iw-rescan-not-before',
  reason: 'iw-rescan-reason',
  origin: 'iw-rescan-origin',
});

export interface RescanInfo {
  readonly attempt: number;
  readonly notBefore: number;
  readonly reason: string;
  readonly origin: { readonly topic: string; readonly partition: number; readonly offset: string };
}

const text = (message: Pick<InputMessage, 'headers'>, name: string) => message.headers[name]?.toString();

/** The rescan headers of a record, or null when it carries none (or malformed ones). */
export function readRescanHeaders(message: Pick<InputMessage, 'headers'>): RescanInfo | null {
  const attempt = Number(text(message, RESCAN_HEADERS.attempt));
  const notBefore = Number(text(message, RESCAN_HEADERS.notBefore));
  const origin = /^(.+)\/([0-9]+)\/([0-9]+)$/.exec(text(message, RESCAN_HEADERS.origin) ?? '');
  if (!Number.isSafeInteger(attempt) || attempt < 1 || !Number.isSafeInteger(notBefore) || !origin)
    return null;
  return {
    attempt,
    notBefore,
    reason: text(message, RESCAN_HEADERS.reason) ?? '',
    origin: { topic: origin[1]!, partition: Number(origin[2]), offset: origin[3]! },
  };
}

/** The headers of a rescan record. */
export function rescanHeaders(info: RescanInfo): Record<string, string> {
  return {
    [RESCAN_HEADERS.attempt]: String(info.attempt),
    [RESCAN_HEADERS.notBefore]: String(info.notBefore),
    [RESCAN_HEADERS.reason]: info.reason,
    [RESCAN_HEADERS.origin]: `${info.origin.topic}/${info.origin.partition}/${info.origin.offset}`,
  };
}
