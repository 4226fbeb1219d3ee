import type { OutputMessage } from '../produce/output-message.js';
import type { InputMessage } from '../contracts/input-message.js';

/**
 * Turns one input into the outputs that answer it (a label, or a dead letter). It must not throw for
 * anything about the input itself: bad input is a dead letter. A throw means the worker cannot make
 * progress at all (e.g. it cannot encode any output): the runner then stops the batch without
 * committing, and the records are read again.
 */
export interface MessageHandler {
  handle(message: InputMessage): Promise<OutputMessage[]>;
}
