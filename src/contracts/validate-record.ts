import { IntegrityError } from '../errors.js';
import type { Contract } from './contract.js';

/**
 * Checks `record` against the contract's schema before it is encoded. Throws IW_RECORD_INVALID whose
 * details name every bad field path (e.g. `signals.0.decision`) and the Avro type expected there;
 * values are never copied into the error, since they may hold user text.
 */
export function validateRecord<T>(contract: Contract<T>, record: T): void {
  // Without an error hook avsc's checker stops at the first bad field and builds no paths: the
  // valid case (every record the worker encodes) pays for one walk only; the paths are collected on a
  // second walk, when the record is invalid.
  if (contract.type.isValid(record)) return;
  const problems: { path: string; expected: string }[] = [];
  const valid = contract.type.isValid(record, {
    errorHook: (path, _value, type) => {
      problems.push({ path: path.join('.') || '(root)', expected: type.typeName });
    },
  });
  if (valid) return;
  const where = problems.map((p) => `${p.path} (expected ${p.expected})`).join(', ');
  throw new IntegrityError('IW_RECORD_INVALID', `${contract.name} is invalid at ${where}`, {
    details: { contract: contract.name, problems },
  });
}
